"""Document rendering figures: warm single render, batch throughput vs. plain WeasyPrint.

    .venv/bin/python bench/render_bench.py [--n 500] [--workers 2] [--baseline-n 30] [--varied]

Targets (2 cores): a warm 2-page notice in <= 0.25 s; a batch >= 8 docs/s and >= 3x the
baseline measured in the same run. The baseline is what a naive caller does: one document at
a time, a fresh FontConfiguration and freshly parsed CSS per document (same HTML, same PDF/A).
Its HTML is made before the clock starts, so the baseline does not pay for the 28-cell line
layout (duban/documents/gridtext.py) that the warm and batch figures include.

The notices differ by their number only, so a worker that keeps font subsets (pdffonts) reuses
the body font's for nearly every notice; with --varied each notice names a different person
(with characters no other notice has), so the body font is subset anew for each, as in a batch
of notices with different texts. Both the baseline and the batch render the same notices.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from duban.documents import DocumentRenderer, render_many, sample_context  # noqa: E402
from duban.documents.kinds import get_kind  # noqa: E402

KIND = "written_check_notice"  # a 2-page notice with 版记
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
            "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴")
VARIED = False  # --varied


def numbered_context(n: int) -> dict:
    context = sample_context(KIND)
    context["doc_number"] = f"某建检〔2015〕{n}号"
    if VARIED:
        # A surname and two characters of the 4 000 after 堀 (U+5800): no two notices of a batch alike.
        name = SURNAMES[n % len(SURNAMES)] + chr(0x5800 + n % 2000) + chr(0x5800 + 2000 + n % 2000)
        context["recipient"] = f"市建设工程安全监督站{name}同志"
        context["person"] = name
    else:
        context["recipient"] = f"市建设工程安全监督站第{n}号被检查人"
    return context


def cpu_reference() -> float:
    """CPU seconds of a plain 10 M-iteration loop: how fast the cores are right now."""
    start, total = time.process_time(), 0
    for i in range(10_000_000):
        total += i
    return time.process_time() - start


def warm_single(renderer: DocumentRenderer, repeats: int) -> tuple[float, float, float, int]:
    """(median wall s, best wall s, median CPU s, pages) of one warm render."""
    context = numbered_context(1)
    renderer.render(KIND, context)  # warm-up
    walls, cpus = [], []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        renderer.render(KIND, context)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    pages = len(renderer.layout(KIND, context).pages)
    return statistics.median(walls), min(walls), statistics.median(cpus), pages


def baseline(renderer: DocumentRenderer, count: int, pdf_variant: str | None) -> tuple[float, float]:
    """Plain WeasyPrint, one at a time, nothing reused. Returns (docs/s, CPU s per doc)."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from duban.documents.fonts import css_font_rules

    spec = get_kind(KIND)
    css_texts = [renderer._css_env.get_template(name).render(fonts=css_font_rules())
                 for name in spec.stylesheets]
    htmls = [renderer.render_html(KIND, numbered_context(n)) for n in range(count)]
    start, cpu = time.perf_counter(), time.process_time()
    for html in htmls:
        font_config = FontConfiguration()
        stylesheets = [CSS(string=text, font_config=font_config) for text in css_texts]
        HTML(string=html, url_fetcher=renderer.fetcher).write_pdf(
            stylesheets=stylesheets, font_config=font_config, pdf_variant=pdf_variant)
    return count / (time.perf_counter() - start), (time.process_time() - cpu) / count


def batch(count: int, workers: int, pdf_variant: str | None) -> tuple[float, float, float]:
    """render_many over `count` notices. Returns (docs/s, seconds, worker CPU s per doc), all
    including the pool's start (the workers are waited for, so their CPU time is counted)."""
    with tempfile.TemporaryDirectory(prefix="duban-bench-") as folder:
        jobs = [(KIND, numbered_context(n), Path(folder) / f"{n:05d}.pdf") for n in range(count)]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        render_many(jobs, workers=workers, pdf_variant=pdf_variant)
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        assert len(list(Path(folder).glob("*.pdf"))) == count
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return count / seconds, seconds, cpu / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="documents in the batch")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline-n", type=int, default=30, help="documents for the baseline sample")
    parser.add_argument("--repeats", type=int, default=20, help="warm single renders timed")
    parser.add_argument("--no-pdfa", action="store_true", help="plain PDF instead of PDF/A-3u")
    parser.add_argument("--varied", action="store_true", help="a different name in every notice")
    args = parser.parse_args()
    global VARIED
    VARIED = args.varied
    variant = None if args.no_pdfa else "pdf/a-3u"

    # Wall-clock figures suffer when other work shares the 2 cores: print the load and
    # the CPU seconds per document, which do not.
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores;"
          f" CPU reference {cpu_reference():.2f} s; notices {'varied' if VARIED else 'numbered'}")
    start = time.perf_counter()
    renderer = DocumentRenderer(pdf_variant=variant)
    renderer.render(KIND, numbered_context(0))
    cold = time.perf_counter() - start
    median, best, cpu, pages = warm_single(renderer, args.repeats)
    print(f"variant: {variant or 'PDF'}; document: {get_kind(KIND).name}, {pages} pages")
    print(f"cold (renderer + first render): {cold:.2f} s")
    print(f"warm single render: median {median:.3f} s, best {best:.3f} s, CPU {cpu:.3f} s"
          f" (target <= 0.25 s)")

    base_rate, base_cpu = baseline(renderer, args.baseline_n, variant)
    print(f"baseline, plain WeasyPrint one at a time ({args.baseline_n} docs): {base_rate:.2f} docs/s,"
          f" CPU {base_cpu:.3f} s/doc → {args.n / base_rate:.0f} s for {args.n} (extrapolated)")

    rate, seconds, batch_cpu = batch(args.n, args.workers, variant)
    print(f"render_many, {args.workers} workers ({args.n} docs): {rate:.2f} docs/s, {seconds:.1f} s,"
          f" worker CPU {batch_cpu:.3f} s/doc (target >= 8 docs/s; CPU-bound ceiling"
          f" {args.workers / cpu:.1f} docs/s)")
    print(f"speed-up over baseline: {rate / base_rate:.1f}x (target >= 3x)")
    # On a shared machine the workers rarely get a free core each: the same ratio in CPU time.
    print(f"speed-up in CPU time, {args.workers} workers on free cores:"
          f" {args.workers * base_cpu / batch_cpu:.1f}x")
    print(f"load average at end: {os.getloadavg()[0]:.2f}; CPU reference {cpu_reference():.2f} s")


if __name__ == "__main__":
    main()
