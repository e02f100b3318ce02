"""工作台."""

from __future__ import annotations

from fastapi import APIRouter, Request

from duban.services.dashboard import dashboard
from duban.web.render import page
from duban.web.routes.common import login_of, uow

router = APIRouter()


@router.get("/")
def home(request: Request):
    with uow(request) as u:
        board = dashboard(u, login_of(request))
    return page(request, "dashboard.html", board=board)
