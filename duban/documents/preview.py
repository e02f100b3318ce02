"""PNG pages of PDFs (pypdfium2): to look at documents where no PDF viewer is at hand, and to let
reviewers see every page of the demo's documents at a glance."""

from __future__ import annotations

from pathlib import Path

from duban.errors import BadInput, read_named_file

DEFAULT_DPI = 100  # an A4 page is 827 × 1169 pixels: readable, a few hundred kB
MAX_DPI = 600


def pdfs_under(folder: Path) -> list[Path]:
    """Every PDF below a folder, in a stable order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BadInput(f"目录不存在：{folder}")
    return sorted(path for path in folder.rglob("*") if path.suffix.lower() == ".pdf" and path.is_file())


def preview_pdf(pdf: Path, out_dir: Path, *, stem: str | None = None, dpi: int = DEFAULT_DPI) -> list[Path]:
    """Write each page of ``pdf`` as ``<stem>-<page>.png`` into ``out_dir``; returns the PNGs in page order."""
    import pypdfium2 as pdfium

    pdf = Path(pdf)
    data = read_named_file(pdf)
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        raise BadInput(f"不是可读的 PDF 文件：{pdf}") from None
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = stem or pdf.stem
    written = []
    try:
        for number in range(1, len(document) + 1):
            page = document[number - 1]
            image = page.render(scale=dpi / 72).to_pil()
            path = out_dir / f"{stem}-{number}.png"
            image.save(path, format="PNG", optimize=False)
            written.append(path)
            page.close()
    finally:
        document.close()
    return written


def preview_files(pdfs: list[Path], out_dir: Path, *, dpi: int = DEFAULT_DPI, base: Path | None = None) -> list[dict]:
    """Previews of several PDFs: ``[{pdf, pages, pngs}]``. Files below ``base`` are named after their
    path inside it (``documents/2015/a.pdf`` → ``documents-2015-a-1.png``), so equal names never collide."""
    if not 1 <= dpi <= MAX_DPI:
        raise BadInput(f"分辨率应在 1 到 {MAX_DPI} dpi 之间，实际为 {dpi}")
    for pdf in pdfs:  # a wrong name is refused before any image is written
        if not Path(pdf).is_file():
            read_named_file(pdf)  # says why
    results = []
    for pdf in pdfs:
        stem = "-".join(Path(pdf).relative_to(base).with_suffix("").parts) if base else None
        pngs = preview_pdf(pdf, out_dir, stem=stem, dpi=dpi)
        results.append({"pdf": str(pdf), "pages": len(pngs), "pngs": [str(path) for path in pngs]})
    return results
