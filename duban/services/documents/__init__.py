"""Issuing official documents (制发文书): numbered, rendered, filed and recorded at once.

``issuing`` handles one document, ``numbering`` the gapless 发文字号, ``batch`` many
documents in a worker pool, ``registry`` listing and verifying, ``reports`` the 台账 and
公示, ``doctor`` the machine check. WeasyPrint loads only when something is rendered.
"""

from duban.services.documents.batch import issue_batch, pending_jobs
from duban.services.documents.doctor import doctor
from duban.services.documents.issuing import (
    document_view,
    files_root,
    issue_document,
    kind_code,
    reissue_document,
    renderer,
)
from duban.services.documents.registry import list_documents, verify_file
from duban.services.documents.reports import ledger_pdf, render_bulletin, render_ledger, render_publicity

__all__ = [
    "doctor", "document_view", "files_root", "issue_batch", "issue_document", "kind_code",
    "ledger_pdf", "list_documents", "pending_jobs", "reissue_document", "render_ledger",
    "render_bulletin", "render_publicity", "renderer", "verify_file",
]
