"""Suggestions for a name that matches nothing: "单位不存在：建设管理处　（是否为：建设管理处？）"."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable


def _plain(text: str) -> str:
    """Full-width forms folded (NFKC), every kind of space removed, Latin lower-cased."""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def closest(key: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The candidates a mistyped key most likely meant, best first."""
    names = list(dict.fromkeys(c for c in candidates if c))
    plain = _plain(key)
    same = [c for c in names if _plain(c) == plain]
    if same:
        return same[:n]
    by_plain = {}
    for c in names:
        by_plain.setdefault(_plain(c), c)
    matches = difflib.get_close_matches(plain, list(by_plain), n=n, cutoff=0.5)
    matches.sort(key=lambda p: sorted(p) != sorted(plain))  # swapped letters (zaho → zhao) first
    return [by_plain[p] for p in matches]


def did_you_mean(key: str, candidates: Iterable[str]) -> str:
    """"（是否为：A、B？）" or "" when nothing is close."""
    found = closest(key, candidates)
    return f"（是否为：{'、'.join(found)}？）" if found else ""
