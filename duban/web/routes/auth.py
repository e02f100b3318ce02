"""Login, logout and the password change (forced at first login)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from duban.errors import BadInput
from duban.services import accounts
from duban.web import csrf
from duban.web.render import page
from duban.web.routes.common import login_of, plan_roles_of, safe_next, set_cookie, uow

router = APIRouter()
SESSION_COOKIE = "duban_session"


def _login_page(request: Request, status: int = 200, message: str = "", login: str = ""):
    # Reused while the browser keeps it: a second login tab (or a stray request) must not
    # invalidate the form already shown.
    token = request.cookies.get(csrf.LOGIN_COOKIE) or csrf.new_login_token()
    office = plan_roles_of(request)["office"]  # the office that sets passwords, as the loaded plan names it
    response = page(request, "login.html", status=status, message=message, login_name=login, office=office,
                    login_csrf=token, next=safe_next(request.query_params.get("next")))
    set_cookie(request, response, csrf.LOGIN_COOKIE, token)
    return response


@router.get("/login")
def login_form(request: Request):
    if request.state.user:
        return RedirectResponse("/", status_code=303)
    return _login_page(request)


@router.post("/login")
def login(request: Request, form=Depends(csrf.checked_form)):
    name, password = (form.get("login") or "").strip(), form.get("password") or ""
    source = request.client.host if request.client else ""
    try:
        with uow(request) as u:
            accounts.authenticate(u, name[:64], password, source=source)
        with uow(request) as u:
            token, _ = accounts.open_session(u, name)
    except accounts.LoginRefused as exc:
        return _login_page(request, status=401, message=exc.message, login=name)
    response = RedirectResponse(safe_next(form.get("next")), status_code=303)
    set_cookie(request, response, SESSION_COOKIE, token)
    response.delete_cookie(csrf.LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, form=Depends(csrf.checked_form)):
    with uow(request) as u:
        accounts.close_session(u, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/password")
def password_form(request: Request):
    return page(request, "password.html", roles=plan_roles_of(request))


@router.post("/password")
def change_password(request: Request, form=Depends(csrf.checked_form)):
    new, again = form.get("new") or "", form.get("again") or ""
    try:
        if new != again:
            raise BadInput("两次输入的新密码不一致")
        with uow(request) as u:
            accounts.change_own_password(u, login_of(request), form.get("old") or "", new)
        with uow(request) as u:  # the change ended every session: open a fresh one
            token, _ = accounts.open_session(u, login_of(request))
    except BadInput as exc:
        return page(request, "password.html", status=400, message=exc.message, roles=plan_roles_of(request))
    response = RedirectResponse("/", status_code=303)
    set_cookie(request, response, SESSION_COOKIE, token)
    return response
