"""Jinja2 pages: autoescaped, strict, with duban's labels as filters."""

from __future__ import annotations

from functools import lru_cache

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from duban.documents.render import templates_dir
from duban.labels import label


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(templates_dir() / "web"), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      auto_reload=False)  # templates ship with the package: no stat() per page
    env.filters["label"] = lambda code, kind: label(kind, code)
    return env


def page(request, name: str, status: int = 200, **context) -> HTMLResponse:
    """Render a page for the signed-in person (``request.state.user``, None on public pages)."""
    user = getattr(request.state, "user", None)
    context.setdefault("message", "")
    html = environment().get_template(name).render(user=user, path=request.url.path, **context)
    return HTMLResponse(html, status_code=status)
