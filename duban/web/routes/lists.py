"""Personal problem lists (问题整改清单): the list, the template, import, review.

The template and the import are the CLI's (duban template problem-list, problem-list import):
the same workbook with drop-downs from the plan, every bad cell reported, nothing written
until clean. Review (approve / return) is decided by duban.services.problem_lists.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from duban.errors import BadInput, DubanError
from duban.services import problem_lists
from duban.web import csrf
from duban.web.render import page
from duban.web.routes.common import integer, login_of, refused, uow

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _lists_page(request: Request, *, status: int = 200, message: str = "", imported: dict | None = None):
    from duban.services.listing import filter_choices

    unit = request.query_params.get("unit") or None
    with uow(request) as u:
        rows = problem_lists.list_lists(u, login_of(request), unit=unit)
        choices = filter_choices(u)
    return page(request, "lists.html", status=status, message=message, lists=rows, choices=choices,
                unit=unit or "", imported=imported, done=request.query_params.get("done", ""))


@router.get("/problem-lists")
def lists(request: Request):
    return _lists_page(request)


@router.get("/problem-lists/template.xlsx")
def template(request: Request):
    unit = request.query_params.get("unit") or ""
    if not unit:
        raise BadInput("请选择单位")
    with tempfile.TemporaryDirectory() as folder, uow(request) as u:
        out = Path(folder) / "problem-list.xlsx"
        problem_lists.write_template(u, login_of(request), unit=unit, out=out)
        data = out.read_bytes()
    return Response(data, media_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(f'问题整改清单-{unit}.xlsx')}"})


@router.post("/problem-lists/import")
def import_lists(request: Request, form=Depends(csrf.checked_form)):
    from duban.web.uploads import received

    upload = form.get("file")
    try:
        if upload is None or isinstance(upload, str):
            raise BadInput("请选择填好的问题整改清单（XLSX）")
        with received(upload) as (path, name), uow(request) as u:
            if not name.lower().endswith(".xlsx"):
                raise BadInput(f"问题整改清单应为 XLSX 文件：{name}")
            imported = problem_lists.import_lists(u, login_of(request), path)
    except DubanError as exc:
        return refused(request, exc, _lists_page)
    return _lists_page(request, imported=imported)


@router.post("/problem-lists/{list_id}/review/{decision}")
def review(request: Request, list_id: int, decision: str, form=Depends(csrf.checked_form)):
    try:
        if decision not in ("approved", "returned"):
            raise BadInput(f"未知操作：{decision[:20]}")
        with uow(request) as u:
            problem_lists.review_list(u, login_of(request), list_id=list_id, decision=decision,
                                      note=form.get("note") or "",
                                      expect_version=integer(form.get("expect_version"), "版本"))
    except DubanError as exc:
        return refused(request, exc, _lists_page)
    return RedirectResponse("/problem-lists?done=problem_list_reviewed", status_code=303)
