"""预览/: PNG pages of one document of each kind the demo issued, and of its reports (台账, 公示,
整改公开栏, 工作总结), so the demo's documents can be looked at without a PDF viewer."""

from __future__ import annotations

from pathlib import Path

from duban.documents import KINDS
from storage.uow import UnitOfWork

PREVIEW_DIR = "预览"


def demo_documents(db_url: str, out: Path, campaign: str) -> list[tuple[str, Path]]:
    """(name, PDF): the first issued document of each kind; for the reports (台账, 总结, 公示, 公开栏),
    the final ones the demo left in ``out``."""
    from duban.services.documents import list_documents

    with UnitOfWork(db_url) as uow:
        issued = list_documents(uow, "system", campaign=campaign)  # ordered by kind, year, number
    chosen: dict[str, Path] = {}
    for doc in issued:
        chosen.setdefault(doc["kind"], Path(doc["path"]))
    finals = {"ledger": out / "ledger.pdf", "campaign_report": out / "summary.pdf"}
    for kind in ("publicity", "bulletin"):  # the last release's
        released = sorted((out / "publication").rglob(f"{kind}-*.pdf"))
        if released:
            finals[kind] = released[-1]
    chosen.update({kind: path for kind, path in finals.items() if path.is_file()})
    return [(KINDS[kind].name, path) for kind, path in chosen.items()]


def write_previews(db_url: str, out: Path, campaign: str) -> list[dict]:
    """Each chosen PDF's pages as ``预览/<文书种类>-<页码>.png``."""
    from duban.documents.preview import preview_pdf

    folder = out / PREVIEW_DIR
    previews = []
    for name, pdf in demo_documents(db_url, out, campaign):
        pngs = preview_pdf(pdf, folder, stem=name)
        previews.append({"name": name, "pdf": str(pdf), "pages": len(pngs),
                         "pngs": [str(path.relative_to(out)) for path in pngs]})
    return previews
