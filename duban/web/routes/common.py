"""Helpers shared by the route modules: the unit of work, the signed-in login, cookies."""

from __future__ import annotations

from fastapi import Request

from storage.uow import UnitOfWork


def uow(request: Request) -> UnitOfWork:
    return UnitOfWork(request.app.state.settings.db_url)


def login_of(request: Request) -> str:
    return request.state.user["login"]


def set_cookie(request: Request, response, name: str, value: str, *, max_age: int | None = None) -> None:
    secure = request.app.state.settings.secure_cookies or request.url.scheme == "https"
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax", secure=secure, path="/")


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another host (open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"
