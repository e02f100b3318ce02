"""Ledger summaries (per unit, category, state) and their bar charts.

Charts are drawn with matplotlib's Agg backend and saved as SVG with text
turned into paths, so WeasyPrint needs no font for them and the result does
not depend on what fonts the PDF reader has.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager, pyplot  # noqa: E402

from duban.documents.fonts import family_chain, resolve  # noqa: E402
from duban.documents.render import light_label  # noqa: E402
from duban.wording import wording  # noqa: E402

DEFAULT_STATES = ("已交办", "整改中", "待验收", "已逾期", "已销号")
# A chart is one image on one landscape page (an image is never split): at most this many bars
# fit its height. A province's ledger has thousands of units; drawing every one took matplotlib
# ~25 ms and WeasyPrint ~25 ms more a bar, for a chart metres high that the page cut off.
CHART_MAX_BARS = 15
STATE_COLOURS = {"已交办": "#7f8fa6", "整改中": "#f0a30a", "待验收": "#3a7bd5",
                 "已逾期": "#d62d20", "已销号": "#2e8b57", "已办结": "#2e8b57", "未办结": "#f0a30a"}


@dataclass
class Breakdown:
    """Counts per state for each value of one dimension (unit or category)."""
    dimension: str
    rows: list[tuple[str, dict[str, int], int]]  # (value, {state: n}, total)


@dataclass
class Summary:
    states: list[str]
    by_unit: Breakdown
    by_category: Breakdown
    by_state: list[tuple[str, int]]
    by_light: list[tuple[str, int]]
    total: int


def summarize(items: list[dict], states: list[str] | None = None) -> Summary:
    """Counts the ledger needs; `states` fixes the column order (others are appended)."""
    order = list(states or DEFAULT_STATES)
    order += sorted({item["state"] for item in items} - set(order))
    present = {item["state"] for item in items}
    order = [state for state in order if state in present] or order

    def breakdown(key: str, dimension: str) -> Breakdown:
        groups: dict[str, Counter] = {}
        for item in items:
            groups.setdefault(item[key], Counter())[item["state"]] += 1
        rows = [(value, {s: counts.get(s, 0) for s in order}, sum(counts.values()))
                for value, counts in groups.items()]
        rows.sort(key=lambda row: (-row[2], row[0]))
        return Breakdown(dimension, rows)

    state_counts = Counter(item["state"] for item in items)
    light_counts = Counter(light_label(item.get("light")) for item in items)
    return Summary(
        states=order,
        by_unit=breakdown("unit", "责任单位"),
        by_category=breakdown("category", "问题类别"),
        by_state=[(state, state_counts.get(state, 0)) for state in order],
        by_light=[(light, light_counts.get(light, 0)) for light in ("红", "黄", "绿")],
        total=len(items),
    )


def _chart_font() -> list[str]:
    """The 黑体 role's first family matplotlib knows (one family: no fallback warnings)."""
    known = {entry.name for entry in font_manager.fontManager.ttflist}
    wanted = [resolve("heiti").resolved_family] + [f.name for f in family_chain("heiti")]
    return [name for name in wanted if name in known][:1] + ["DejaVu Sans"]


def stacked_bar_svg(breakdown: Breakdown, states: list[str], title: str) -> bytes:
    """Horizontal stacked bars: one bar per unit/category, one colour per state."""
    labels = [row[0] for row in breakdown.rows][::-1]
    height = max(2.0, 0.32 * len(labels) + 1.4)
    with matplotlib.rc_context({"font.family": _chart_font(), "svg.fonttype": "path",
                                "svg.hashsalt": "duban", "font.size": 9,
                                "axes.unicode_minus": False}):
        # 5 in wide = 127 mm: drawn at the size it is printed, so 9pt stays 9pt.
        figure, axes = pyplot.subplots(figsize=(5.0, height))
        left = [0] * len(labels)
        counts_by_label = {row[0]: row[1] for row in breakdown.rows}
        for state in states:
            values = [counts_by_label[label].get(state, 0) for label in labels]
            axes.barh(labels, values, left=left, label=state,
                      color=STATE_COLOURS.get(state, "#999999"), height=0.6)
            left = [a + b for a, b in zip(left, values)]
        axes.set_title(title, fontsize=10.5)
        axes.xaxis.get_major_locator().set_params(integer=True)
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(ncols=min(len(states), 5), fontsize=8, handlelength=1.2, columnspacing=1.0, loc="upper center",
                    bbox_to_anchor=(0.5, -0.12), frameon=False)
        figure.tight_layout()
        buffer = io.BytesIO()
        # metadata Date=None keeps the SVG byte-identical between runs.
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
        pyplot.close(figure)
    return buffer.getvalue()


def ledger_charts(summary: Summary) -> dict[str, bytes]:
    charts = {}
    for name, breakdown, title in (("by-unit", summary.by_unit, "各单位整改事项办理情况"),
                                   ("by-category", summary.by_category, "各类别整改事项办理情况")):
        shown, title = _largest(breakdown, title)
        charts[name] = stacked_bar_svg(shown, summary.states, title)
    return charts


def _largest(breakdown: Breakdown, title: str) -> tuple[Breakdown, str]:
    """The breakdown's CHART_MAX_BARS largest rows (they are sorted largest first), the title
    saying so when some are left out (the table above the charts lists every row)."""
    if len(breakdown.rows) <= CHART_MAX_BARS:
        return breakdown, title
    title = wording("reports").say("chart_largest", title=title, shown=CHART_MAX_BARS, total=len(breakdown.rows))
    return Breakdown(breakdown.dimension, breakdown.rows[:CHART_MAX_BARS]), title
