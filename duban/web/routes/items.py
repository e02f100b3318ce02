"""Problem items: the list with filters and paging, the item page and its actions."""

from __future__ import annotations

from dataclasses import asdict
from urllib.parse import urlencode

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from duban.errors import BadInput, DubanError
from duban.services.listing import ItemFilters, item_page
from duban.web import csrf
from duban.web.render import page
from duban.web.routes.common import integer, login_of, refused, uow

router = APIRouter()


@router.get("/items")
def item_list(request: Request):
    params = request.query_params
    filters = ItemFilters.from_mapping(params)
    with uow(request) as u:
        listing = item_page(u, login_of(request), filters, page=integer(params.get("page"), "页码", 1),
                            per_page=integer(params.get("per_page"), "每页条数", 50), choices=True)
    return page(request, "items.html", listing=listing, choices=listing["choices"], filters=asdict(filters),
                query=urlencode({**filters.as_dict(), **({"per_page": params["per_page"]} if params.get("per_page") else {})}))


def _date(value: str | None):
    from duban.clock import parse_date

    return parse_date(value, "期限") if value else None


def _item_page(request: Request, no: str, *, status: int = 200, message: str = "", done: str = ""):
    from duban.services.item_actions import item_page as item_detail

    with uow(request) as u:
        detail = item_detail(u, login_of(request), no)
    return page(request, "item.html", status=status, message=message, done=done, **detail)


@router.get("/items/export.xlsx")
def item_export(request: Request):
    """The current view (same filters), every matching row, as XLSX."""
    from duban.services.item_export import items_xlsx

    filters = ItemFilters.from_mapping(request.query_params)
    with uow(request) as u:
        data = items_xlsx(u, login_of(request), filters)
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename*=UTF-8''%E9%97%AE%E9%A2%98%E6%B8%85%E5%8D%95.xlsx"})


@router.get("/items/{no}")
def item_detail(request: Request, no: str):
    return _item_page(request, no, done=request.query_params.get("done", ""))


@router.post("/items/{no}/act/{trigger}")
def item_act(request: Request, no: str, trigger: str, form=Depends(csrf.checked_form)):
    from duban.services.items import transition

    try:
        with uow(request) as u:
            transition(u, login_of(request), no, trigger,
                       expect_version=integer(form.get("expect_version"), "版本"),
                       person=(form.get("person") or "").strip() or None, due=_date(form.get("due")),
                       reason=form.get("reason") or "", note=form.get("note") or "")
    except DubanError as exc:
        return refused(request, exc, _item_page, no)  # a conflict shows the state that won
    return RedirectResponse(f"/items/{quote(no)}?done={quote(trigger)}", status_code=303)


@router.post("/items/{no}/evidence")
def item_attach(request: Request, no: str, form=Depends(csrf.checked_form)):
    from duban.services.items import attach_evidence
    from duban.web.uploads import received

    upload = form.get("file")
    try:
        if upload is None or isinstance(upload, str):
            raise BadInput("请选择要上传的佐证材料文件")
        with received(upload) as (path, name), uow(request) as u:
            attach_evidence(u, login_of(request), no, [path], filenames=[name],
                            expect_version=integer(form.get("expect_version"), "版本"))
    except DubanError as exc:
        return refused(request, exc, _item_page, no)  # a conflict shows the state that won
    return RedirectResponse(f"/items/{quote(no)}?done=attach", status_code=303)


@router.post("/items/{no}/adopt")
def item_adopt(request: Request, no: str, form=Depends(csrf.checked_form)):
    """A mechanism's adopted document (制度文件): its title and the file, required before submitting."""
    from duban.services.mechanisms import adopt
    from duban.web.uploads import received

    upload = form.get("file")
    try:
        if upload is None or isinstance(upload, str):
            raise BadInput("请选择要上传的制度文件")
        with received(upload) as (path, name), uow(request) as u:
            adopt(u, login_of(request), no, title=form.get("title") or "", files=[path], filenames=[name],
                  expect_version=integer(form.get("expect_version"), "版本"))
    except DubanError as exc:
        return refused(request, exc, _item_page, no)  # a conflict shows the state that won
    return RedirectResponse(f"/items/{quote(no)}?done=mechanism_adopted", status_code=303)


@router.get("/items/{no}/evidence/{attachment_id}")
def item_evidence(request: Request, no: str, attachment_id: int):
    from duban.services.item_actions import evidence_file

    with uow(request) as u:
        path, name = evidence_file(u, login_of(request), no, attachment_id)
    # Always a download, never rendered by the browser: evidence is whatever a person uploaded.
    return FileResponse(path, media_type="application/octet-stream", filename=name,
                        content_disposition_type="attachment")
