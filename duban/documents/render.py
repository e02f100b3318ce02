"""Render campaign documents (公文 and forms) to PDF with WeasyPrint.

One `DocumentRenderer` per process: it keeps one FontConfiguration, the
Jinja2 environment and the parsed stylesheets, which roughly halves the cost
of each render. `render_many` spreads a batch over worker processes, one
renderer each.

Safety: templates autoescape everything and fail on undefined names; the URL
fetcher serves only files under ``templates/assets`` and in-memory resources
(charts) registered for the current render, so text typed by users can never
pull in a local file or reach the network.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import mimetypes
import os
import tempfile
from concurrent.futures import as_completed
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pydyf
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from weasyprint import CSS, HTML
from weasyprint.formatting_structure.boxes import FootnoteAreaBox
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from duban.documents import pdffonts
from duban.documents.fonts import css_font_rules
from duban.documents.gridtext import GridText
from duban.documents.kinds import complete_context, get_kind
from duban.wording import cn_date, templates_dir
from duban.errors import DubanError

MEMORY_SCHEME = "duban-mem"
PDF_VARIANT = "pdf/a-3u"
# WeasyPrint keeps every box of a document until it is written: a 台账 of 5,000 rows laid out
# at once took 1.6 GB. Longer ledgers are laid out in parts of this many rows and joined.
LEDGER_PART_ROWS = 300
WHOLE = {"first": True, "last": True, "first_page": 1, "unit_rows": (0, None), "summary_end": True, "details": True}
BODY_WIDTH_PT = 156 / 25.4 * 72  # GB/T 9704 版心 width
FIT_LEVELS = 2  # form.css: .fit-1 and .fit-2
STREAM_LEVEL = 6  # zlib level of the PDF's streams
LIGHTS = {"红": "红", "red": "红", "黄": "黄", "yellow": "黄", "绿": "绿", "green": "绿"}

log = logging.getLogger(__name__)


_DIGITS = "零一二三四五六七八九"


def cn_num(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (heading numbers)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def dot_date(value: dt.date | None) -> str:
    """2015.10.8: compact form for dense tables."""
    return "" if value is None else f"{value.year}.{value.month}.{value.day}"


def light_label(value: str | None) -> str:
    """红/黄/绿 from either Chinese or English light names."""
    return LIGHTS.get((value or "").strip().lower(), value or "")


def mark_font_size(mark: str | None) -> float:
    """发文机关标志 size: as large as looks right (48pt), never wider than the 版心."""
    if not mark:
        return 0
    return round(min(48.0, BODY_WIDTH_PT * 0.95 / len(mark)), 1)


def compress_streams_once(document, pdf) -> None:
    """WeasyPrint finisher: deflate each stream once instead of twice.

    pydyf compresses a stream every time its bytes are asked for, and a PDF/A
    file identifier (an MD5 of all objects) asks twice: ~20% of writing a CJK
    document. At zlib's default level (6) rather than pydyf's 9: a 2-page notice
    is 0.2% larger and ~10% cheaper to write (bench/render_bench.py).
    """
    to_bytes = getattr(pydyf, "_to_bytes", None)
    if to_bytes is None:  # pydyf changed: keep its own (slower) behaviour
        return
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.compress:
            items = obj.stream
            # A font program is one item, and a subset reused across documents (pdffonts) is
            # the same bytes object again: it is compressed once.
            data = to_bytes(items[0]) if len(items) == 1 else b"\n".join(to_bytes(item) for item in items)
            obj.stream = [pdffonts.deflated(data, STREAM_LEVEL)]
            obj.extra["Filter"] = "/FlateDecode"
            obj.compress = False


class AssetFetcher(URLFetcher):
    """Serves files inside the assets folder and this render's in-memory resources.

    Everything else (other files, http(s), data:, ...) is refused. Every URL asked
    for is recorded in `requested`, so tests can prove nothing else was tried.
    """

    def __init__(self, assets_dir: Path):
        super().__init__(allowed_protocols=("file", MEMORY_SCHEME), allow_redirects=False)
        self.assets_dir = assets_dir.resolve()
        self.memory: dict[str, tuple[bytes, str]] = {}
        self.requested: list[str] = []

    def fetch(self, url, headers=None):
        self.requested.append(url)
        if url.startswith(MEMORY_SCHEME + ":"):
            found = self.memory.get(url[len(MEMORY_SCHEME) + 1:])
            if found:
                body, mime_type = found
                return URLFetcherResponse(url, body, {"Content-Type": mime_type})
        elif url.startswith("file:"):
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if path.is_relative_to(self.assets_dir) and path.is_file():
                mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime_type})
        raise ValueError(f"resource refused (only template assets are served): {url[:200]}")


def _drop_banji(page) -> None:
    """Take the 版记 (a footnote) off a laid-out page: its footnote area is emptied before it is drawn."""
    for box in page._page_box.children:
        if isinstance(box, FootnoteAreaBox):
            box.children = []


class DocumentRenderer:
    """Renders documents of the kinds in `duban.documents.kinds.KINDS` to PDF bytes."""

    def __init__(self, templates: Path | str | None = None, pdf_variant: str | None = PDF_VARIANT):
        self.templates = Path(templates) if templates else templates_dir()
        self.assets = self.templates / "assets"
        self.assets_url = self.assets.resolve().as_uri() + "/"
        self.pdf_variant = pdf_variant
        pdffonts.install()  # fonts embedded as WeasyPrint does, without redoing them per document
        self.fetcher = AssetFetcher(self.assets)
        self.font_config = FontConfiguration()
        self.env = Environment(
            loader=FileSystemLoader(self.templates), autoescape=True,
            undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        grid = GridText()
        self.env.filters.update(cn_date=cn_date, cn_num=cn_num, dot_date=dot_date,
                                light_label=light_label, gridlines=grid.gridlines,
                                titlelines=grid.titlelines)
        # Stylesheets never see user data; they are ordinary text templates.
        self._css_env = Environment(loader=FileSystemLoader(self.templates / "css"),
                                    undefined=StrictUndefined)
        self._stylesheets: dict[str, CSS] = {}

    def stylesheet(self, name: str) -> CSS:
        """Parsed once per renderer: parsing CSS is a large share of a small render."""
        if name not in self._stylesheets:
            text = self._css_env.get_template(name).render(fonts=css_font_rules())
            self._stylesheets[name] = CSS(
                string=text, base_url=self.assets_url, url_fetcher=self.fetcher,
                font_config=self.font_config)
        return self._stylesheets[name]

    def render(self, kind: str, context: dict) -> bytes:
        """The PDF (PDF/A-3u unless the renderer was made with pdf_variant=None)."""
        # A ledger has at most as many units as items: the per-unit table is never the longer.
        if kind == "ledger" and len(context.get("items", ())) > LEDGER_PART_ROWS:
            return self._render_ledger_in_parts(context)
        return self.layout(kind, context).write_pdf(
            pdf_variant=self.pdf_variant, finisher=compress_streams_once)

    def _render_ledger_in_parts(self, context: dict) -> bytes:
        """A long 台账 laid out ``LEDGER_PART_ROWS`` rows at a time, so memory is that of one part
        whatever the number of items; the summary (over every item) opens the first part, its
        per-unit table taking parts of its own when it is longer than a part (a province has
        thousands of units), mechanisms close the last, page numbers and odd/even sides run on
        across parts. Joining costs little (pypdf keeps each part's objects: ~0.4 MB a part)."""
        from pypdf import PdfReader, PdfWriter

        spec = get_kind("ledger")
        full = complete_context(spec, context)
        extra = self._extras(spec, full)
        items, writer, first_page = full["items"], None, 1
        for part in _ledger_parts(len(extra["summary"].by_unit.rows), len(items)):
            start, stop = part.pop("items")
            document = self._layout(spec, self._html(spec, {
                **full, "items": items[start:stop], "mechanisms": full["mechanisms"] if part["last"] else ()},
                {**extra, "part": {**part, "first_page": first_page}}))
            first_page += len(document.pages)
            pdf = PdfReader(io.BytesIO(document.write_pdf(pdf_variant=self.pdf_variant,
                                                          finisher=compress_streams_once)))
            del document
            if writer is None:
                writer = PdfWriter(clone_from=pdf)  # the first part's catalog: PDF/A metadata, output intent
            else:
                writer.append(pdf)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    def render_html(self, kind: str, context: dict, *, banji_placement: str = "flow", fit: int = 0) -> str:
        """The HTML of a document. banji_placement: "flow" (with the last body line),
        "even" (alone on the next even page) or "bare" (same, without page number).
        fit: 0, or 1..FIT_LEVELS to tighten a one-page sheet that overflowed."""
        spec = get_kind(kind)
        full = complete_context(spec, context)
        return self._html(spec, full, self._extras(spec, full, banji_placement, fit))

    def _extras(self, spec, full: dict, banji_placement: str = "flow", fit: int = 0) -> dict:
        """What the template gets beside the context (the ledger's summary and charts registered)."""
        self.fetcher.memory.clear()
        extra = {"kind": spec, "mark_font_size": mark_font_size(full["issuer_mark"]),
                 "banji_placement": banji_placement, "part": WHOLE, "fit": fit}
        if spec.code == "ledger":
            extra.update(self._ledger_extras(full))
        elif full.get("charts") and not isinstance(full["charts"], bool):
            extra.update(self._report_extras(full))
        else:
            extra["chart_urls"] = {}
        return extra

    def _html(self, spec, full: dict, extra: dict) -> str:
        return self.env.get_template(spec.template).render({**full, **extra})

    def layout(self, kind: str, context: dict):
        """Laid-out `weasyprint.Document` (pages are inspectable before writing).

        GB/T 9704 puts the 版记 at the bottom of the last page, an even one. It is laid out
        with the last body line; see `_banji_on_even_page` for when it needs a page of its own.
        A one-page sheet that overflowed is laid out again, tighter (at most FIT_LEVELS times).
        """
        spec = get_kind(kind)
        self.fetcher.requested = []
        document = self._layout(spec, self.render_html(kind, context))
        if spec.one_page:
            # A sheet is one page: long names or texts tighten its blank spaces, then its type.
            for fit in range(1, FIT_LEVELS + 1):
                if len(document.pages) == 1:
                    break
                document = self._layout(spec, self.render_html(kind, context, fit=fit))
            return document
        if not spec.gongwen or not (context.get("cc") or context.get("printer")):
            return document  # no 版记
        return self._banji_on_even_page(spec, context, document)

    def _banji_on_even_page(self, spec, context: dict, document):
        """The document with its 版记 on an even last page.

        When the last body line is on an odd page, or the 版记 no longer fitted under it (it then
        went, alone, to a page WeasyPrint makes for an overflowing footnote and counts as blank),
        the body's pages are kept as laid out and the 版记 gets a page of its own, laid out alone
        (a small layout instead of the whole document again): the next page, with its number,
        after an odd body page; after an even one, a blank page and then the 版记 without page
        number (GB/T 9704 7.5).
        """
        pages = list(document.pages)
        spilled = pages[-1]._page_box.page_type.blank
        if len(pages) % 2 == 0 and not spilled:
            return document
        body, spill = (pages[:-1], pages[-1]) if spilled else (pages, None)
        if not spilled:
            _drop_banji(body[-1])
        tail = []
        if len(body) % 2 == 0:  # only a spilled 版记 after an even body page: its page, emptied, stays blank
            _drop_banji(spill)
            tail.append(spill)
        full = complete_context(spec, context)
        html = self.env.get_template("layout/banji_page.html.j2").render({
            **full, "kind": spec, "banji_placement": "bare" if tail else "even",
            "page_number": len(body) + len(tail) + 1})
        banji_page = self._layout(spec, html).pages[-1]
        return document.copy(body + tail + [banji_page])

    def _layout(self, spec, html: str):
        stylesheets = [self.stylesheet(name) for name in spec.stylesheets]
        return HTML(string=html, base_url=self.assets_url, url_fetcher=self.fetcher).render(
            font_config=self.font_config, stylesheets=stylesheets)

    def _report_extras(self, context: dict) -> dict:
        """Bar charts given as data (a report's ``charts``: name, title, series, rows), registered in memory."""
        from duban.documents import charts

        urls = {}
        for chart in context["charts"]:
            rows = [(label, dict(counts), total) for label, counts, total in chart["rows"]]
            svg = charts.stacked_bar_svg(charts.Breakdown(chart.get("dimension", ""), rows), chart["series"],
                                         chart["title"])
            self.fetcher.memory[f"{chart['name']}.svg"] = (svg, "image/svg+xml")
            urls[chart["name"]] = f"{MEMORY_SCHEME}:{chart['name']}.svg"
        return {"chart_urls": urls}

    def _ledger_extras(self, context: dict) -> dict:
        from duban.documents import charts  # matplotlib: only the ledger pays its import

        summary = charts.summarize(context["items"], context.get("states"))
        extra = {"summary": summary, "chart_urls": {}}
        if context.get("charts", True) and context["items"]:
            for name, svg in charts.ledger_charts(summary).items():
                self.fetcher.memory[f"{name}.svg"] = (svg, "image/svg+xml")
                extra["chart_urls"][name] = f"{MEMORY_SCHEME}:{name}.svg"
        return extra


def _ledger_parts(unit_count: int, item_count: int) -> list[dict]:
    """The parts of a long 台账: the per-unit table ``LEDGER_PART_ROWS`` rows at a time, the last
    of its parts with the rest of the summary and the first items, then the items. ``unit_rows``
    and ``items`` are (start, stop) ranges; a stop of None is the end of the table."""
    size = LEDGER_PART_ROWS
    unit_starts = range(0, max(unit_count, 1), size)
    parts = [{"unit_rows": (start, start + size), "summary_end": False, "details": False, "items": (0, 0)}
             for start in unit_starts]
    parts[-1].update(unit_rows=(unit_starts[-1], None), summary_end=True, details=True, items=(0, size))
    parts += [{"unit_rows": None, "summary_end": False, "details": True, "items": (start, start + size)}
              for start in range(size, item_count, size)]
    for number, part in enumerate(parts):
        part.update(first=number == 0, last=number == len(parts) - 1)
    return parts


# ---------------------------------------------------------------------------
# Batches: one renderer per worker process.

class BatchRenderError(DubanError):
    """Some documents of a batch failed; the others were written."""

    def __init__(self, failures: list[tuple[str, str]]):
        super().__init__(f"{len(failures)}份文书生成失败，首个：{failures[0][0]}：{failures[0][1]}")
        self.failures = failures


_worker_renderer: DocumentRenderer | None = None


def _init_worker(renderer_options: dict) -> None:
    global _worker_renderer
    _worker_renderer = DocumentRenderer(**renderer_options)


def write_atomically(path: Path, data: bytes) -> None:
    """Readers never see half a PDF: write a temp file beside it, then rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _render_job(job: tuple[str, dict, str]) -> str:
    kind, context, out_path = job
    write_atomically(Path(out_path), _worker_renderer.render(kind, context))
    return str(out_path)


def render_many(
    jobs: Iterable[tuple[str, dict, str | Path]],
    workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
    **renderer_options,
) -> list[Path]:
    """Render (kind, context, out_path) jobs in `workers` processes; returns the paths.

    `progress(done, total)` is called after each document. Failures do not stop the
    batch: they are collected and raised together as BatchRenderError at the end.
    `renderer_options` go to each worker's DocumentRenderer (e.g. pdf_variant=None).
    Workers are spawned (see `duban.procpool`), so a calling script needs the usual
    ``if __name__ == "__main__":`` guard.
    """
    jobs = [(kind, context, str(out)) for kind, context, out in jobs]
    total = len(jobs)
    failures: list[tuple[str, str]] = []
    from duban.procpool import worker_pool

    # Spawned workers start from a clean process, not a fork of a threaded caller, and die with it.
    with worker_pool(workers, _init_worker, (renderer_options,)) as pool:
        futures = {pool.submit(_render_job, job): job[2] for job in jobs}
        for done, future in enumerate(as_completed(futures), 1):
            try:
                future.result()
            except Exception as error:  # noqa: BLE001 - reported per document
                failures.append((futures[future], f"{type(error).__name__}: {error}"))
            if progress:
                progress(done, total)
    if failures:
        raise BatchRenderError(failures)
    return [Path(out) for _, _, out in jobs]
