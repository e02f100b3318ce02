"""The console's application factory: middleware (session, headers), routes, error pages."""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders

from duban.documents.render import templates_dir
from duban.errors import DubanError, NotFound, PermissionDenied
from duban.web import security
from duban.web.render import page
from duban.web.settings import WebSettings

SESSION_COOKIE = "duban_session"
log = logging.getLogger(__name__)
PUBLIC_PREFIXES = ("/login", "/static/", "/favicon.ico", "/receipt")
CHANGE_PASSWORD_PATHS = ("/password", "/logout", "/static/")


class SessionAndHeaders:
    """Every request: the signed-in person (``request.state.user``) or the way to the login page,
    the security headers, and ``Server-Timing``. A plain ASGI middleware: Starlette's
    ``@app.middleware("http")`` runs each request through an extra task and memory streams."""

    def __init__(self, app, settings: WebSettings):
        self.app = app
        self.settings = settings

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from duban.services.accounts import session_for
        from storage.uow import UnitOfWork

        started = time.perf_counter()
        request = Request(scope)
        token = request.cookies.get(SESSION_COOKIE, "")
        path = request.url.path
        settings = self.settings

        def load():
            with UnitOfWork(settings.db_url) as uow:
                return session_for(uow, token, settings.idle_minutes)

        user = await run_in_threadpool(load) if token and not path.startswith("/static/") else None
        request.state.user = user

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                security.add_headers(headers, settings)
                # Server time of the whole request (session lookup included), read by bench/web_bench.py.
                headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
            await send(message)

        if user is None and not path.startswith(PUBLIC_PREFIXES):
            response = RedirectResponse("/login" + (f"?next={path}" if path != "/" else ""), status_code=303)
        elif user and user["must_change"] and not path.startswith(CHANGE_PASSWORD_PATHS):
            response = RedirectResponse("/password", status_code=303)
        else:
            await self.app(scope, receive, send_with_headers)
            return
        await response(scope, receive, send_with_headers)


def create_app(settings: WebSettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app):
        # Requests run in the thread pool; fewer at once than its default 40 means less switching
        # between threads holding the GIL, and no more connections than the pool keeps open.
        # The others wait in arrival order (anyio's limiter is fair), their wait in Server-Timing.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        yield

    app = FastAPI(title="督办控制台", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.settings = settings
    app.mount("/static", StaticFiles(directory=templates_dir() / "web" / "static"), name="static")

    app.add_middleware(SessionAndHeaders, settings=settings)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        return page(request, "error.html", status=exc.status_code, message=exc.detail)

    @app.exception_handler(DubanError)
    async def duban_error(request: Request, exc: DubanError):
        if isinstance(exc, PermissionDenied):
            await run_in_threadpool(security.log_refusal, request, exc.message)
        status = 404 if isinstance(exc, NotFound) else security.status_of(exc)
        return page(request, "error.html", status=status, message=exc.message)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception):
        log.exception("internal error on %s %s", request.method, request.url.path)
        return page(request, "error.html", status=500, message=f"内部错误：{type(exc).__name__}（详情见服务器日志）")

    from duban.web.routes import auth, cases, dashboard, items, lists, opinions, programme, public, reports, tips

    for module in (auth, dashboard, items, cases, reports, lists, programme, opinions, tips, public):
        app.include_router(module.router)
    return app
