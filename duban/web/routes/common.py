"""Helpers shared by the route modules: the unit of work, the signed-in login, cookies."""

from __future__ import annotations

from fastapi import Request

from duban.errors import BadInput, DubanError, PermissionDenied
from storage.uow import UnitOfWork


def uow(request: Request) -> UnitOfWork:
    return UnitOfWork(request.app.state.settings.db_url)


def plan_roles(u: UnitOfWork) -> dict[str, str]:
    """Role code -> label as the loaded plan names it (neutral names with none or several campaigns)."""
    from duban.permissions import role_labels

    return role_labels(u.campaigns.only())


def plan_roles_of(request: Request) -> dict[str, str]:
    with uow(request) as u:
        return plan_roles(u)


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


def field(form, name: str) -> str | None:
    """A form field, stripped; None when empty."""
    value = (form.get(name) or "").strip()
    return value or None


def integer(value: str | None, what: str, default: int | None = None) -> int | None:
    try:
        return int(value) if value else default
    except ValueError:
        raise BadInput(f"{what}应为整数：{value[:20]}") from None


def refused(request: Request, exc: DubanError, show, *args):
    """The page again with the service's message (a permission refusal also goes on the security
    chain): ``show(request, *args, status=…, message=…)``."""
    from duban.web import security

    if isinstance(exc, PermissionDenied):
        security.log_refusal(request, exc.message)
    return show(request, *args, status=security.status_of(exc), message=exc.message)
