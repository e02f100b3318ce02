"""Category suggestion for a piece of text, from the plan's manifestation lists (具体表现).

Transparent on purpose: a manifestation that enumerates (上班开会玩手机、打游戏、看电影) is
read as its parts; a phrase counts when the text contains it, or most of its two-character
pieces (≥ 60 %); a category's score is the sum of its matched phrases' shares. The office
sees the phrases behind each score and decides; nothing is automatic.
"""

from __future__ import annotations

import re

PARTIAL = 0.6
ENUMERATION = re.compile(r"[、，,；;]")


def _pieces(phrase: str) -> set[str]:
    chars = re.sub(r"[^\w]", "", phrase)
    return {chars[i:i + 2] for i in range(len(chars) - 1)} or {chars}


def phrase_share(text: str, phrase: str) -> float:
    """1.0 if the text contains the phrase, else the share of its two-character pieces found."""
    if phrase in text:
        return 1.0
    pieces = _pieces(phrase)
    return sum(1 for piece in pieces if piece in text) / len(pieces)


def phrases(manifestations: list[str]) -> list[str]:
    """The phrases matched: each manifestation, an enumerating one split into its parts."""
    return list(dict.fromkeys(part.strip() for m in manifestations for part in ENUMERATION.split(m) if part.strip()))


def suggest(text: str, categories: list[dict]) -> list[dict]:
    """[{code, name, score, phrases: [(phrase, share)]}] best first; categories without a match left out."""
    found = []
    for category in categories:
        matched = [(phrase, round(share, 2)) for phrase in phrases(category.get("manifestations", []))
                   for share in [phrase_share(text, phrase)] if share >= PARTIAL]
        if matched:
            found.append({"code": category["code"], "name": category["name"],
                          "score": round(sum(share for _, share in matched), 2),
                          "phrases": sorted(matched, key=lambda m: -m[1])})
    return sorted(found, key=lambda f: -f["score"])
