"""发文字号 prefixes: which prefix each numbered kind prints, and the prefixes two kinds would share.

Plain data, no renderer: the plan's check at load uses it too.
"""

from __future__ import annotations

from collections.abc import Mapping

# 发文字号 = prefix〔year〕N号. The prefix is the plan's ``document_prefixes[kind]``, else
# doc_prefix + the kind's mark (某建效 → 某建效改); the 效能监察建议书 uses doc_prefix itself.
KIND_MARKS = {
    "efficiency_advice": "",
    "rectification_notice": "改",
    "circulated_criticism": "通",
    "admonition_notice": "诫",
    "written_check_notice": "检",
    "decision": "决",
    "commendation_notice": "表",
    "supervision_sheet": "督",
    "reminder_sheet": "催",
}


def prefixes_by_kind(doc_prefix: str, chosen: Mapping[str, str]) -> dict[str, str]:
    """发文字号 prefix of every numbered kind: the plan's ``document_prefixes``, else doc_prefix + mark."""
    return {kind: chosen.get(kind) or doc_prefix + mark for kind, mark in KIND_MARKS.items()}


def shared_prefixes(prefixes: Mapping[str, str]) -> dict[str, list[str]]:
    """Prefixes that two or more kinds would print, each with those kinds: the same 发文字号 twice."""
    kinds: dict[str, list[str]] = {}
    for kind, prefix in prefixes.items():
        kinds.setdefault(prefix, []).append(kind)
    return {prefix: shared for prefix, shared in kinds.items() if len(shared) > 1}
