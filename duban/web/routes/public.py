"""The one page without login: a reporter enters a receipt code and sees the state and reply.

It reveals nothing else (the tips service answers a wrong code and a throttled client alike
with one line), and it is rate-limited per client address by that service.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from duban.errors import DubanError
from duban.web import csrf
from duban.web.render import page
from duban.web.routes.common import set_cookie, uow

router = APIRouter()


def _receipt_page(request: Request, status: int = 200, **context):
    token = request.cookies.get(csrf.LOGIN_COOKIE) or csrf.new_login_token()
    response = page(request, "receipt.html", status=status, login_csrf=token, **context)
    set_cookie(request, response, csrf.LOGIN_COOKIE, token)
    return response


@router.get("/receipt")
def receipt_form(request: Request):
    return _receipt_page(request, answer=None)


@router.post("/receipt")
def receipt_lookup(request: Request, form=Depends(csrf.checked_form)):
    from duban.services.tips import report_status

    client = "web:" + (request.client.host if request.client else "unknown")
    try:
        with uow(request) as u:
            answer = report_status(u, (form.get("code") or "").strip()[:64], client=client)
    except DubanError as exc:
        return _receipt_page(request, status=404 if exc.exit_code == 2 else 429, answer=None, message=exc.message)
    return _receipt_page(request, answer=answer)
