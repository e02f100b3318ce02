"""Font roles of GB/T 9704 documents and how they resolve on this machine.

One source of truth: the same family lists feed the CSS ``font-family`` stacks
(`css_font_stack`) and the `duban doctor` check (`resolve_fonts`).

Each role lists the families an office normally installs (commercial fonts such
as 方正小标宋 or 仿宋_GB2312) first, then free fallbacks from Debian packages
(fonts-noto-cjk, fonts-arphic-ukai, fonts-lxgw-wenkai, fonts-wqy-zenhei).
``DUBAN_FONT_<ROLE>`` (comma-separated family names) is prepended, so an office
can point a role at the font it owns without editing code.

fontconfig falls back silently to *some* font when a family is missing; that is
why resolution reports ``is_fallback`` when the first choice is not installed.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    name: str
    # Free fallbacks can need a heavier weight to look like the role
    # (Noto Serif CJK Bold stands in for 小标宋); real office fonts are used as is.
    weight: int = 400


@dataclass(frozen=True)
class FontRole:
    code: str
    label: str
    preferred: tuple[Family, ...]
    free_fallbacks: tuple[Family, ...]


ROLES: dict[str, FontRole] = {
    role.code: role
    for role in (
        FontRole(
            "fangsong", "仿宋（正文）",
            (Family("仿宋_GB2312"), Family("FangSong_GB2312"), Family("FangSong"),
             Family("仿宋"), Family("STFangsong")),
            (Family("Noto Serif CJK SC"), Family("AR PL UMing CN")),
        ),
        FontRole(
            "xiaobiaosong", "小标宋（标题、发文机关标志）",
            (Family("方正小标宋简体"), Family("FZXiaoBiaoSong-B05S"),
             Family("方正小标宋_GBK"), Family("小标宋")),
            (Family("Noto Serif CJK SC", 700), Family("AR PL UMing CN")),
        ),
        FontRole(
            "heiti", "黑体（一级标题）",
            (Family("黑体"), Family("SimHei"), Family("STHeiti")),
            (Family("Noto Sans CJK SC"), Family("WenQuanYi Zen Hei")),
        ),
        FontRole(
            "kaiti", "楷体（二级标题）",
            (Family("楷体_GB2312"), Family("KaiTi_GB2312"), Family("KaiTi"),
             Family("楷体"), Family("STKaiti")),
            (Family("AR PL UKai CN"), Family("LXGW WenKai")),
        ),
        FontRole(
            "songti", "宋体（页码、表格）",
            (Family("宋体"), Family("SimSun"), Family("STSong")),
            (Family("Noto Serif CJK SC"), Family("AR PL UMing CN")),
        ),
    )
}


@dataclass(frozen=True)
class Resolution:
    role: str
    requested: str  # first choice (env override or the office font)
    resolved_family: str  # first family of the chain that is installed
    file: str | None
    postscript_name: str | None  # what a PDF reader shows as the font name
    weight: int
    is_fallback: bool  # True when the first choice is not installed
    index: int = 0  # face index inside a font collection (.ttc)


def env_families(role: str) -> tuple[Family, ...]:
    raw = os.environ.get(f"DUBAN_FONT_{role.upper()}", "")
    return tuple(Family(name.strip()) for name in raw.split(",") if name.strip())


def family_chain(role: str) -> tuple[Family, ...]:
    spec = ROLES[role]
    return env_families(role) + spec.preferred + spec.free_fallbacks


def _fc_match(pattern: str) -> tuple[list[str], str, str, int] | None:
    """Families (all localized names), file, PostScript name and face index fontconfig picks."""
    if shutil.which("fc-match") is None:
        return None
    out = subprocess.run(
        ["fc-match", "-f", "%{family}\t%{file}\t%{postscriptname}\t%{index}", pattern],
        capture_output=True, text=True, check=False,
    ).stdout
    parts = out.split("\t")
    if len(parts) != 4:
        return None
    index = int(parts[3]) if parts[3].strip().isdigit() else 0
    return [name.strip().casefold() for name in parts[0].split(",")], parts[1], parts[2], index


def _is_installed(family: Family) -> tuple[str, str, int] | None:
    # fontconfig pattern syntax gives '-', ':' and ',' a meaning: escape them.
    escaped = re.sub(r"([-:,\\])", r"\\\1", family.name)
    match = _fc_match(f"{escaped}:weight={_fc_weight(family.weight)}")
    if match is None:
        return None
    names, file, postscript, index = match
    return (file, postscript, index) if family.name.casefold() in names else None


def _fc_weight(css_weight: int) -> int:
    # fontconfig's own weight scale: regular 80, bold 200.
    return 200 if css_weight >= 600 else 80


@functools.lru_cache(maxsize=None)
def _resolve(role: str, chain: tuple[Family, ...]) -> Resolution:
    for family in chain:
        found = _is_installed(family)
        if found:
            return Resolution(role, chain[0].name, family.name, found[0], found[1],
                              family.weight, family != chain[0], found[2])
    return Resolution(role, chain[0].name, chain[-1].name, None, None,
                      chain[-1].weight, True)


def resolve(role: str) -> Resolution:
    return _resolve(role, family_chain(role))


def resolve_fonts() -> dict[str, Resolution]:
    """Which installed family each role will render with (powers `duban doctor`)."""
    return {role: resolve(role) for role in ROLES}


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "").replace('"', "") + '"'


def css_font_stack(role: str) -> str:
    """CSS font-family value: the resolved family first, then the whole chain.

    The resolved family goes first so the weight chosen for it applies to the
    font actually used; the rest of the chain stays for glyphs it lacks.
    """
    resolved = resolve(role).resolved_family
    names = [resolved] + [f.name for f in family_chain(role) if f.name != resolved]
    return ", ".join(_quote(name) for name in names) + ", serif"


def css_font_rules() -> dict[str, dict[str, str | int]]:
    """Per role: the CSS stack and weight, for the stylesheet templates."""
    return {role: {"stack": css_font_stack(role), "weight": resolve(role).weight}
            for role in ROLES}
