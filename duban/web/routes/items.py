"""Problem items: the list with filters and paging."""

from __future__ import annotations

from dataclasses import asdict
from urllib.parse import urlencode

from fastapi import APIRouter, Request

from duban.errors import BadInput
from duban.services.listing import ItemFilters, filter_choices, item_page
from duban.web.render import page
from duban.web.routes.common import login_of, uow

router = APIRouter()


def _int(value: str | None, default: int, what: str) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        raise BadInput(f"{what}应为整数：{value[:20]}") from None


@router.get("/items")
def item_list(request: Request):
    params = request.query_params
    filters = ItemFilters.from_mapping(params)
    with uow(request) as u:
        choices = filter_choices(u)
        listing = item_page(u, login_of(request), filters, page=_int(params.get("page"), 1, "页码"),
                            per_page=_int(params.get("per_page"), 50, "每页条数"))
    return page(request, "items.html", listing=listing, choices=choices, filters=asdict(filters),
                query=urlencode({**filters.as_dict(), **({"per_page": params["per_page"]} if params.get("per_page") else {})}))
