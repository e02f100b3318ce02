"""Security headers, HTTP status of duban's errors, refusals on the security chain."""

from __future__ import annotations

from duban.errors import BadInput, ConcurrentModification, DubanError, PermissionDenied, RuleViolation

# No inline script or style anywhere: the console's pages need neither.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_headers(headers, settings) -> None:
    """On a response's (mutable) headers."""
    for name, value in HEADERS.items():
        headers.setdefault(name, value)
    if settings.secure_cookies:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if headers.get("content-type", "").startswith("text/html"):
        headers.setdefault("Cache-Control", "no-store")


def status_of(exc: DubanError) -> int:
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, ConcurrentModification):
        return 409
    if isinstance(exc, RuleViolation):
        return 409
    if isinstance(exc, BadInput):
        return 400
    return 500


def log_refusal(request, message: str) -> None:
    """A refused action, logged with the authenticated person on the security chain (as the CLI does)."""
    from duban.services.security import record_denial

    user = request.state.user
    record_denial(request.app.state.settings.db_url, user["login"] if user else "anonymous", message,
                  command=f"web {request.method} {request.url.path}"[:200])
