"""CSRF: every form posts the session's token; the login form a double-submit cookie.

The token is compared in constant time; a POST without the right token is 403 before any
service runs.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import HTTPException, Request

FIELD = "csrf_token"
LOGIN_COOKIE = "duban_login_csrf"


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


async def checked_form(request: Request):
    """The posted form, after its CSRF token matched the session's (or the login cookie's)."""
    form = await request.form()
    user = getattr(request.state, "user", None)
    expected = user["csrf"] if user else request.cookies.get(LOGIN_COOKIE)
    if not _same(form.get(FIELD), expected):
        raise HTTPException(status_code=403, detail="表单已失效或来源不明（缺少或错误的 CSRF 令牌），请刷新页面后重试")
    return form


def new_login_token() -> str:
    return secrets.token_urlsafe(32)
