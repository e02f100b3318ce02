"""Plots of time and memory against items, one per operation, from the figures the benches keep.

    .venv/bin/python bench/plots.py [--results bench/results.jsonl] [--out bench/plots] [--table SINCE]

Reads the JSON lines the benches append (bench/figures.py: one per figure, with operation,
database, items, the figure and its same-run baseline; ``make bench`` runs them through
bench/run_all.py) and draws, for every operation present, seconds and max RSS against items on
log axes: the operation as it is now (solid) and its baseline (dashed), one colour per
database, one PNG per operation. A baseline stopped at its time limit is drawn as a hollow
marker at that limit (the real figure is higher). A figure without a memory figure leaves that
panel empty.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLOURS = {"sqlite": "tab:blue", "postgresql": "tab:orange"}


def load(path: Path) -> list[dict]:
    """The figures, the latest of each (operation, database, items) kept."""
    latest = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            figure = json.loads(line)
            latest[figure["op"], figure["db"], figure["items"]] = figure
    return list(latest.values())


def draw(figures: list[dict], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    by_op = defaultdict(list)
    for figure in figures:
        by_op[figure["op"]].append(figure)
    written = []
    for op, rows in sorted(by_op.items()):
        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        for (measure, label), ax in zip((("seconds", "seconds"), ("max_rss_mb", "max RSS (MB)")), axes):
            for db in sorted({r["db"] for r in rows}):
                series = sorted((r for r in rows if r["db"] == db), key=lambda r: r["items"])
                for which, style, marker in (("figure", "-", "o"), ("baseline", "--", "s")):
                    points = [(r["items"], r[which]) for r in series if r.get(which) and r[which].get(measure)]
                    if not points:
                        continue
                    xs, values = zip(*((x, v[measure]) for x, v in points))
                    ax.plot(xs, values, style, marker=marker, color=COLOURS.get(db), fillstyle="none",
                            label=f"{db} {'now' if which == 'figure' else 'baseline'}")
                    for x, v in points:  # filled unless the baseline was stopped at its time limit
                        ax.plot([x], [v[measure]], marker, color=COLOURS.get(db),
                                fillstyle="none" if v.get("stopped") else "full")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("items")
            ax.set_ylabel(label)
            ax.grid(True, which="both", alpha=0.3)
            if ax.lines:
                ax.legend(fontsize=8)
        said = next((r["baseline"]["is"] for r in sorted(rows, key=lambda r: r["at"], reverse=True)
                     if r.get("baseline") and r["baseline"].get("is")), None)
        fig.suptitle(f"{op} (hollow: baseline stopped at its time limit)" + (f"\nbaseline: {said}" if said else ""),
                     fontsize=9)
        fig.tight_layout()
        path = out / f"{op}.png"
        fig.savefig(path, dpi=80)
        plt.close(fig)
        written.append(path)
    return written


def table(path: Path, since: str) -> str:
    """The figures kept at or after ``since`` (ISO time, UTC) as a Markdown table, for bench/README.md."""
    rows = ["| op | db | scale | items | seconds | max RSS MB | baseline: seconds, max RSS MB | ratio | load | CPU ref |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or json.loads(line)["at"] < since:
            continue
        f = json.loads(line)
        base = f.get("baseline") or {}
        stopped = "≥ " if base.get("stopped") else ""
        rows.append(f"| {f['op']} | {f['db']} | {f.get('scale') or ''} | {f['items']:,} | {f['figure'].get('seconds')} "
                    f"| {f['figure'].get('max_rss_mb')} | {stopped}{base.get('seconds')}, {base.get('max_rss_mb')} "
                    f"| {stopped if f.get('ratio') else ''}{f.get('ratio')} | {f['load']} | {f['cpu_ref']} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=HERE / "results.jsonl")
    parser.add_argument("--out", type=Path, default=HERE / "plots")
    parser.add_argument("--table", metavar="SINCE", help="print the figures kept since this UTC time (ISO) as a "
                        "Markdown table instead of drawing")
    args = parser.parse_args()
    if args.table:
        return print(table(args.results, args.table))
    for path in draw(load(args.results), args.out):
        print(path)


if __name__ == "__main__":
    main()
