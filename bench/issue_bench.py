"""Issuing throughput: a batch of 整改通知书 through `issue_batch` vs. plain WeasyPrint one at a time.

    .venv/bin/python bench/issue_bench.py [--n 500] [--workers 2] [--baseline-n 30] [--db URL]

Builds a scratch SQLite database (or uses --db, which must be empty) with the reference
plan, the small bureau and N assigned items, then issues one 整改通知书 per item with
`issue_batch` (numbering, rendering, files, rows and events: everything a real batch
does). The baseline renders a sample of the same contexts the naive way: one at a time,
a fresh FontConfiguration and freshly parsed CSS per document, and is extrapolated.
Target (2 cores): >= 8 docs/s. Wall-clock figures suffer when other work shares the
cores, so the load average is printed at the start and the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DAY = dt.date(2015, 9, 28)
UNITS = ("JGC", "ZJZ")
OWNERS = {"JGC": ("wu", "zheng"), "ZJZ": ("chen",)}


def build(db_url: str, n: int) -> None:
    from duban.services.items import add_item
    from duban.services.org import import_org
    from duban.services.setup import init_db, load_campaign
    from storage.uow import UnitOfWork

    init_db(db_url)
    with UnitOfWork(db_url) as uow:
        load_campaign(uow, "system", ROOT / "campaigns" / "lanzhou-2015.yaml", today=DAY)
    with UnitOfWork(db_url) as uow:
        import_org(uow, "system", ROOT / "tests" / "data" / "org-small.csv", today=DAY)
    for k in range(n):
        unit = UNITS[k % 2]
        with UnitOfWork(db_url) as uow:
            add_item(uow, "zhao", campaign=None, unit=unit, person=OWNERS[unit][k % len(OWNERS[unit])],
                     title=f"窗口服务推诿扯皮，群众反映办事难（第{k + 1}号）", category="懒", source="座谈会",
                     description="座谈会上群众反映窗口无人值守，等候四十分钟。", due_days=15, today=DAY)


def sample_contexts(db_url: str, count: int) -> list[dict]:
    """The contexts the batch will render for the first `count` items (numbered as it will)."""
    from duban.documents import contexts
    from storage.uow import UnitOfWork

    with UnitOfWork(db_url) as uow:
        campaign = uow.campaigns.only_or(None)
        samples = []
        for n in range(1, count + 1):
            context = contexts.rectification_notice(campaign, uow.items.get(f"{campaign.code}-{n:04d}"), DAY)
            context["doc_number"] = f"某建改〔2015〕{n}号"
            samples.append(context)
    return samples


def baseline(samples: list[dict]) -> float:
    """Plain WeasyPrint, nothing reused (fresh FontConfiguration and CSS per document): docs/s."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from duban.documents.fonts import css_font_rules
    from duban.documents.kinds import get_kind
    from duban.services.documents import renderer as document_renderer

    renderer = document_renderer()
    htmls = [renderer.render_html("rectification_notice", context) for context in samples]
    css_texts = [renderer._css_env.get_template(name).render(fonts=css_font_rules())
                 for name in get_kind("rectification_notice").stylesheets]
    start = time.perf_counter()
    for html in htmls:
        font_config = FontConfiguration()
        stylesheets = [CSS(string=text, font_config=font_config) for text in css_texts]
        HTML(string=html, url_fetcher=renderer.fetcher).write_pdf(
            stylesheets=stylesheets, font_config=font_config, pdf_variant="pdf/a-3u")
    return len(samples) / (time.perf_counter() - start)


def warm_cpu(samples: list[dict]) -> float:
    """CPU seconds per document of a warm renderer (what each batch worker spends)."""
    from duban.services.documents import renderer as document_renderer

    renderer = document_renderer()
    renderer.render("rectification_notice", samples[0])
    start = time.process_time()
    for context in samples:
        renderer.render("rectification_notice", context)
    return (time.process_time() - start) / len(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="documents in the batch")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline-n", type=int, default=30, help="documents in the baseline sample")
    parser.add_argument("--db", help="empty database URL (default: a scratch SQLite file)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="duban-issue-bench-") as scratch:
        os.environ["DUBAN_FILES"] = str(Path(scratch) / "files")
        db_url = args.db or f"sqlite:///{Path(scratch) / 'bench.sqlite'}"
        print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        start = time.perf_counter()
        build(db_url, args.n)
        print(f"set-up: {args.n} assigned items in {time.perf_counter() - start:.1f} s")

        from duban.services.documents import issue_batch
        from storage.uow import UnitOfWork

        samples = sample_contexts(db_url, min(args.baseline_n, args.n))
        base_rate = baseline(samples)
        print(f"baseline, plain WeasyPrint one at a time ({len(samples)} docs): {base_rate:.2f} docs/s"
              f" → {args.n / base_rate:.0f} s for {args.n} (extrapolated)")
        cpu = warm_cpu(samples)
        print(f"warm renderer: {cpu:.3f} CPU s per document → ceiling on {args.workers} idle cores"
              f" ≈ {args.workers / cpu:.1f} docs/s")

        jobs = [{"kind": "rectification_notice", "item": f"LZJ2015-{k:04d}"} for k in range(1, args.n + 1)]
        start = time.perf_counter()
        result = issue_batch(lambda: UnitOfWork(db_url), "zhao", jobs, workers=args.workers, today=DAY)
        seconds = time.perf_counter() - start
        issued = len(result["issued"])
        assert issued == args.n and not result["failed"], result["failed"][:3]
        numbers = sorted(doc["number"] for doc in result["issued"])
        assert numbers == list(range(1, args.n + 1)), "numbers are not 1..N"
        files = list((Path(scratch) / "files" / "documents").rglob("*.pdf"))
        assert len(files) == args.n
        rate = issued / seconds
        print(f"issue_batch, {args.workers} workers ({issued} docs, numbered 1..{issued}, files, rows, events):"
              f" {rate:.2f} docs/s, {seconds:.1f} s (target >= 8 docs/s)")
        print(f"speed-up over baseline: {rate / base_rate:.1f}x")
        print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
