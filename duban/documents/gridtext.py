"""Body text of a 公文 laid out line by line on the 28-cell grid (两端对齐), before WeasyPrint.

WeasyPrint justifies only at spaces and its line breaker (Pango, UAX #14) will not break next
to “ ”, so left to itself about half of the continued body lines end 2–12 mm short of the
版心's right edge. Here a paragraph is broken into lines with the advances of the fonts the
stylesheet resolves to (`duban.documents.fonts`), following the line-breaking rules of Chinese
typesetting (禁则):

- no line starts with closing punctuation (，。、；：？！”）》〕 …) and none ends with opening
  punctuation (“（《〔 …); ——/…… never split;
- a run of half-width characters (a number, an item code like lanzhou-2015-0001, a phone
  number) never splits, nor does a 发文字号 (×政发〔2015〕3号; but see below), nor a number
  and the unit character after it (2015年, 15个);

lines are filled greedily, unless that leaves a line far short of the edge (before a number
that cannot break): then the paragraph's breaks are chosen together so that the lines above
share the empty cells, and a 文号 may break before its 〔 (`fill_lines`). Every line but a
paragraph's last gets the letter spacing that puts its last glyph on the right edge, and is
emitted as its own non-wrapping span. Gaps inside a half-width run are not stretched, so
numbers keep their shape. The last line keeps the grid spacing, left-aligned.
A title (centred) is broken so that its last line never holds a single character.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from markupsafe import Markup, escape

from duban.documents.fontmetrics import metrics

PT_PER_MM = 72 / 25.4
BODY_WIDTH_PT = 156 * PT_PER_MM  # GB/T 9704 版心 width
CELLS = 28
BODY_PT = 16.0  # 3号
# The stylesheet's grid spacing (gongwen.css): 28 cells of 156mm / 28 each.
GRID_SPACING_PT = BODY_WIDTH_PT / CELLS - BODY_PT - 0.01
TITLE_PT = 22.0  # 2号
EPSILON_PT = 0.05
# Greedy lines that leave at most this many cells empty are kept; beyond that (a line before an
# unbreakable 文号 or code) the paragraph is broken as a whole (`fill_lines`).
SLACK_CELLS = 1.0
# Breaking a 文号 before its 〔 costs as much as this extra spacing (pt per gap) on one line.
NUMBER_BREAK_PT = 1.5

CLOSING = set("，。、；：？！”’）》〕」』】〉］｝,.;:?!)]}%‰℃·・〃々～")
OPENING = set("“‘（《〔「『【〈［｛([{")
INSEPARABLE = set("—…")  # 破折号、省略号: two cells that never split and never start a line
# A number keeps the character that counts it: 2015年, 10月, 15个, 3号.
COUNTERS = set("年月日时分秒号个次件名项条天周岁元万亿期届")
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{0,4}〔\d{4}〕\d+号")


def is_half_width(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("Na", "H", "N") and not char.isspace()


# ---------------------------------------------------------------------------
# Breaking a paragraph into lines.

@dataclass
class _Char:
    text: str
    run: int  # index of the run (font / CSS class) it belongs to
    advance: float  # pt
    half: bool


def _atoms(chars: list[_Char]) -> list[tuple[int, int]]:
    """Unbreakable [start, end) ranges: characters, half-width runs, 文号, with 禁则 applied."""
    text = "".join(c.text for c in chars)
    glued = [False] * len(chars)  # glued[i]: no break allowed before chars[i]
    for i in range(1, len(chars)):
        prev, cur = chars[i - 1], chars[i]
        if cur.text.isspace() or prev.text.isspace():
            continue
        if (cur.half and prev.half) or cur.text in CLOSING or prev.text in OPENING:
            glued[i] = True
        elif cur.text in INSEPARABLE:
            glued[i] = True  # never starts a line, and its pair stays with it
        elif prev.half and prev.text.isdigit() and cur.text in COUNTERS:
            glued[i] = True
    for match in DOC_NUMBER.finditer(text):
        for i in range(match.start() + 1, match.end()):
            glued[i] = True
    atoms, start = [], 0
    for i in range(1, len(chars)):
        if not glued[i]:
            atoms.append((start, i))
            start = i
    if chars:
        atoms.append((start, len(chars)))
    return atoms


def _gaps(chars: list[_Char], start: int, end: int) -> int:
    """Gaps of a line that take letter spacing: not those inside a half-width run."""
    return sum(1 for i in range(start, end - 1) if not (chars[i].half and chars[i + 1].half))


def _natural(chars: list[_Char], start: int, end: int, spacing: float) -> float:
    return sum(c.advance for c in chars[start:end]) + _gaps(chars, start, end) * spacing


# A title is not broken inside a quoted or titled name (“……”, 《……方案》) nor inside the names the
# context gives (a unit, a post, a person) when more lines or a less balanced break avoid it.
QUOTE_PAIRS = {"“": "”", "《": "》", "「": "」"}
TITLE_EXTRA_LINES = 2


def _quoted_spans(chars: list[_Char]) -> list[tuple[int, int]]:
    """[opening, after closing) of each quoted name, outermost pairs only."""
    spans, opened = [], None
    for index, char in enumerate(chars):
        if opened is None and char.text in QUOTE_PAIRS:
            opened = index
        elif opened is not None and char.text == QUOTE_PAIRS[chars[opened].text]:
            spans.append((opened, index + 1))
            opened = None
    return spans


def _name_spans(chars: list[_Char], names) -> list[tuple[int, int]]:
    """[start, end) of every occurrence of each name (longest first where they overlap)."""
    text = "".join(c.text for c in chars)
    spans = []
    for name in sorted({str(n) for n in names if n and len(str(n)) > 1}, key=len, reverse=True):
        for match in re.finditer(re.escape(name), text):
            spans.append((match.start(), match.end()))
    return spans


def _balanced_lines(chars: list[_Char], width: float, spans: list[tuple[int, int]],
                    count: int) -> list[tuple[int, int]] | None:
    """`count` lines, each within `width`, none broken inside a span, the last more than one
    character: those whose widest line is narrowest (ties: the earlier lines longer); None if
    there are none."""
    widths = [0.0]
    for char in chars:
        widths.append(widths[-1] + char.advance)
    inside = {point for start, end in spans for point in range(start + 1, end)}
    points = [0] + [start for start, _ in _atoms(chars)[1:]
                    if start not in inside and not chars[start].text.isspace()] + [len(chars)]

    def span(i: int, j: int) -> float:
        return widths[_trim(chars, points[i], points[j])] - widths[points[i]]

    last = len(points) - 1
    best = [[float("inf")] * len(points) for _ in range(count + 1)]  # best[k][i]: k lines from points[i]
    for i in range(last):
        if points[last] - points[i] > 1 and span(i, last) <= width + EPSILON_PT:
            best[1][i] = span(i, last)
    for k in range(2, count + 1):
        for i in range(last):
            for j in range(i + 1, last):
                line = span(i, j)
                if line > width + EPSILON_PT:
                    break
                best[k][i] = min(best[k][i], max(line, best[k - 1][j]))
    if best[count][0] == float("inf"):
        return None
    lines, i, target = [], 0, best[count][0]
    for k in range(count, 1, -1):
        j = max(j for j in range(i + 1, last)
                if span(i, j) <= target + EPSILON_PT and best[k - 1][j] <= target + EPSILON_PT)
        lines.append((points[i], _trim(chars, points[i], points[j])))
        i = j
    lines.append((points[i], _trim(chars, points[i], points[last])))
    return lines


def break_lines(chars: list[_Char], first_width: float, width: float,
                spacing: float = GRID_SPACING_PT) -> list[tuple[int, int]]:
    """Greedy [start, end) lines: as many atoms as fit at the grid spacing.

    An atom wider than the line it has to start (a very long code) is split by characters.
    """
    pieces = _atoms(chars)[::-1]  # a stack: the next piece is at the end
    lines: list[tuple[int, int]] = []
    line_start = line_end = None
    while pieces:
        start, end = pieces.pop()
        if line_start is None:
            if chars[start].text.isspace():
                continue  # no line starts with a space
            line_start = start
        available = first_width if not lines else width
        fits = _natural(chars, line_start, end, spacing) <= available + EPSILON_PT
        if fits or (line_end is None and end - start == 1):
            line_end = end
        elif line_end is None:  # alone and still too wide: one character at a time
            line_start = None
            pieces.extend((i, i + 1) for i in range(end - 1, start - 1, -1))
        else:
            lines.append((line_start, _trim(chars, line_start, line_end)))
            line_start = line_end = None
            pieces.append((start, end))
    if line_start is not None:
        lines.append((line_start, _trim(chars, line_start, line_end)))
    return lines


def _trim(chars: list[_Char], start: int, end: int) -> int:
    while end > start + 1 and chars[end - 1].text.isspace():
        end -= 1
    return end


def _number_breaks(chars: list[_Char]) -> set[int]:
    """Where a 发文字号 may break when keeping it whole would stretch lines far apart: before its 〔,
    so that 〔2015〕12号 itself stays whole and only the issuer's abbreviation stays behind."""
    text = "".join(c.text for c in chars)
    return {match.start() + match.group().index("〔") for match in DOC_NUMBER.finditer(text)
            if not match.group().startswith("〔")}


def fill_lines(chars: list[_Char], first_width: float, width: float,
               spacing: float = GRID_SPACING_PT) -> list[tuple[int, int]]:
    """Justified body lines: the greedy lines when none leaves more than `SLACK_CELLS` empty;
    otherwise the breaks of the whole paragraph that minimise the sum over its justified lines of
    the squared extra spacing per gap (Knuth–Plass), where a 文号 may also break before its 〔 at
    the cost of `NUMBER_BREAK_PT`. So the empty cells before an unbreakable number are shared by
    the lines above it instead of stretching one line (up to 12 pt between characters)."""
    greedy = break_lines(chars, first_width, width, spacing)
    cell = BODY_WIDTH_PT / CELLS

    def slack(number: int, start: int, end: int) -> float:
        return (first_width if number == 0 else width) - _natural(chars, start, end, spacing)

    if all(slack(n, s, e) <= SLACK_CELLS * cell + EPSILON_PT for n, (s, e) in enumerate(greedy[:-1])):
        return greedy
    return _optimal_lines(chars, first_width, width, spacing) or greedy


def _optimal_lines(chars: list[_Char], first_width: float, width: float,
                   spacing: float) -> list[tuple[int, int]] | None:
    count = len(chars)
    advance, gap = [0.0], [0]  # prefix sums: advances, stretchable gaps before each character
    for i, char in enumerate(chars):
        advance.append(advance[-1] + char.advance)
        gap.append(gap[-1] + (i > 0 and not (chars[i - 1].half and char.half)))
    weak = _number_breaks(chars)
    points = sorted({start for start, _ in _atoms(chars)} | weak | {count})
    if any(b - a > 0 and _natural(chars, a, b, spacing) > width + EPSILON_PT
           for a, b in _atoms(chars)):
        return None  # an atom wider than a line: the greedy lines split it

    def start_of(i: int) -> int:
        while i < count and chars[i].text.isspace():
            i += 1
        return i

    cost = {0: 0.0}
    previous: dict[int, int] = {}
    for j_index, j in enumerate(points[1:], 1):
        best = None
        for i in reversed(points[:j_index]):
            if i not in cost:
                continue
            start, end = start_of(i), _trim(chars, start_of(i), j)
            if start >= j:
                continue
            gaps = gap[end] - gap[start + 1] if end > start + 1 else 0
            natural = advance[end] - advance[start] + gaps * spacing
            available = first_width if i == 0 else width
            if natural > available + EPSILON_PT:
                break
            if j == count:
                badness = 0.0  # the last line keeps the grid spacing
            else:
                extra = (available - natural) / max(gaps, 1)
                badness = extra * extra + (NUMBER_BREAK_PT ** 2 if j in weak else 0.0)
            total = cost[i] + badness
            if best is None or total < best[0] - 1e-9:
                best = (total, i)
        if best is not None:
            cost[j], previous[j] = best
    if count not in cost:
        return None
    lines, j = [], count
    while j > 0:
        i = previous[j]
        lines.append((start_of(i), _trim(chars, start_of(i), j)))
        j = i
    return lines[::-1]


# ---------------------------------------------------------------------------
# HTML of the laid-out lines.

def _line_html(chars: list[_Char], start: int, end: int, classes: tuple[str, ...]) -> str:
    """One line: runs in their class's span, the inner gaps of half-width runs unstretched."""
    out: list[str] = []
    i = start
    while i < end:
        run = chars[i].run
        j = i
        while j < end and chars[j].run == run:
            j += 1
        pieces: list[str] = []
        k = i
        while k < j:
            if chars[k].half:
                m = k
                while m + 1 < j and chars[m + 1].half:
                    m += 1
                if m > k:  # all but the last character: the gap after the run is stretched
                    pieces.append(f'<span class="nb">{escape("".join(c.text for c in chars[k:m]))}</span>')
                pieces.append(str(escape(chars[m].text)))
                k = m + 1
            else:
                pieces.append(str(escape(chars[k].text)))
                k += 1
        text = "".join(pieces)
        out.append(f'<span class="{classes[run]}">{text}</span>' if classes[run] else text)
        i = j
    return "".join(out)


class GridText:
    """Jinja filters of one renderer: `gridlines` for body paragraphs, `titlelines` for titles."""

    def __init__(self, body_role: str = "fangsong", title_role: str = "xiaobiaosong"):
        self.body_role = body_role
        self.title_role = title_role

    def _chars(self, runs: list[tuple[str, str, str]], size: float) -> list[_Char]:
        chars = []
        for number, (text, role, _css) in enumerate(runs):
            font = metrics(role)
            for char in text:
                if char in "\r\n\t":
                    char = " "
                chars.append(_Char(char, number, font.advance(char) * size, is_half_width(char)))
        return chars

    def gridlines(self, text, indent: int = 2, role: str | None = None, lead: str = "",
                  lead_role: str | None = None, lead_class: str = "") -> Markup:
        """A body paragraph as justified lines on the grid; `indent` cells before the first.

        `lead` is a run in another font that opens the paragraph (the 楷体 heading of a
        （一） level paragraph), wrapped in a span of `lead_class`.
        """
        runs = [(str(lead), lead_role or self.body_role, lead_class),
                (str(text), role or self.body_role, "")]
        runs = [run for run in runs if run[0]]
        chars = self._chars(runs, BODY_PT)
        cell = BODY_WIDTH_PT / CELLS
        lines = fill_lines(chars, BODY_WIDTH_PT - indent * cell, BODY_WIDTH_PT)
        classes = tuple(css for _, _, css in runs)
        html = []
        for number, (start, end) in enumerate(lines):
            inner = _line_html(chars, start, end, classes)
            gaps = _gaps(chars, start, end)
            if number == len(lines) - 1 or gaps == 0:
                html.append(f'<span class="ln">{inner}</span>')
                continue
            width = BODY_WIDTH_PT - (indent * cell if number == 0 else 0)
            spacing = (width - sum(c.advance for c in chars[start:end])) / gaps
            html.append(f'<span class="ln" style="letter-spacing: {spacing:.3f}pt">{inner}</span>')
        return Markup("<br>".join(html))

    def titlelines(self, text, names=(), size: float = TITLE_PT, width: float = BODY_WIDTH_PT) -> Markup:
        """A centred title broken into balanced lines: the last never holds one character alone, and
        no line break falls inside a quoted name or one of `names` (a unit, a post, a person)."""
        chars = self._chars([(str(text), self.title_role, "")], size)
        lines = break_lines(chars, width, width, spacing=0.0)
        if len(lines) > 1:
            protected = _quoted_spans(chars) + _name_spans(chars, names)
            for spans in (protected, []):
                found = next((found for count in range(len(lines), len(lines) + TITLE_EXTRA_LINES + 1)
                              if (found := _balanced_lines(chars, width, spans, count))), None)
                if found:
                    lines = found
                    break
        return Markup("<br>".join(escape("".join(c.text for c in chars[s:e])) for s, e in lines))
