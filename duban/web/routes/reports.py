"""Overview, unit report, 台账, documents and draws: read-only pages and downloads."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response

from duban.errors import BadInput, NotFound
from duban.web import csrf
from duban.web.render import page
from duban.web.routes.common import login_of, uow

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(data: bytes, name: str, media_type: str) -> Response:
    from urllib.parse import quote

    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


@router.get("/report")
def report(request: Request):
    from duban.services.overview import light_overview

    with uow(request) as u:
        overview = light_overview(u, login_of(request))
    return page(request, "report.html", overview=overview)


@router.get("/ledger")
def ledger(request: Request):
    from duban.services.overview import ledger_page

    with uow(request) as u:
        view = ledger_page(u, login_of(request))
    return page(request, "ledger.html", **view)


@router.get("/ledger.xlsx")
def ledger_xlsx(request: Request):
    from duban.services.ledger import export_ledger

    with tempfile.TemporaryDirectory() as folder, uow(request) as u:
        out = Path(folder) / "ledger.xlsx"
        result = export_ledger(u, login_of(request), out, "xlsx")
        data = out.read_bytes()
    return _download(data, f"整改落实台账-{result['as_of']}.xlsx", XLSX)


@router.get("/ledger.pdf")
def ledger_pdf(request: Request):
    from duban.services.documents.reports import ledger_pdf as render

    with tempfile.TemporaryDirectory() as folder, uow(request) as u:
        out = render(u, login_of(request), out=Path(folder) / "ledger.pdf")
        data = out.read_bytes()
    return _download(data, "整改落实台账.pdf", "application/pdf")


@router.get("/documents")
def documents(request: Request):
    from duban.services.documents.registry import list_documents

    kind = request.query_params.get("kind") or None
    with uow(request) as u:
        docs = list_documents(u, login_of(request), kind=kind)
    return page(request, "documents.html", documents=docs, kind=kind or "", verdict=None)


@router.get("/documents/{doc_id}/pdf")
def document_pdf(request: Request, doc_id: int):
    from duban.services.documents.registry import list_documents

    with uow(request) as u:
        doc = next((d for d in list_documents(u, login_of(request)) if d["id"] == doc_id), None)
    if doc is None:
        raise NotFound(f"文书不存在：{doc_id}")
    path = Path(doc["path"])
    if not path.is_file():
        raise NotFound(f"文书文件缺失：{doc['doc_number']}")
    return FileResponse(path, media_type="application/pdf", filename=f"{doc['doc_number']}{doc['title']}.pdf",
                        content_disposition_type="attachment")


@router.post("/documents/verify")
def document_verify(request: Request, form=Depends(csrf.checked_form)):
    """Is an uploaded PDF, byte for byte, a document duban issued? (as duban doc verify)"""
    from duban.services.documents.registry import verify_file
    from duban.web.uploads import received

    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise BadInput("请选择要核验的 PDF 文件")
    upload.filename = upload.filename or "文书.pdf"
    with received(upload) as (path, name), uow(request) as u:
        verdict = verify_file(u, path)
    verdict = {**verdict, "file": name}  # never the server's temporary path
    return page(request, "documents.html", documents=[], kind="", verdict=verdict)


@router.get("/draws")
def draws(request: Request):
    from duban.services.draws import list_draws

    with uow(request) as u:
        rows = list_draws(u, login_of(request))
    return page(request, "draws.html", draws=rows)
