"""What a document takes from the campaign's stored plan: names, title, basis, addressees.

The stored plan is the loader's output (``CampaignPlan.model_dump``), defaults filled in; a plan
stored before a field existed reads that field's default here, so older databases still print.
"""

from __future__ import annotations

from collections.abc import Iterable

from storage.models import Campaign


def plan_title(campaign: Campaign) -> str:
    """The plan's own title, e.g. 关于开展……活动的实施意见 (printed in 《》 by the templates)."""
    plan = campaign.plan
    return plan.get("title") or plan["name"]  # the loader fills title in


def campaign_kind(campaign: Campaign) -> str:
    """What the campaign is called in running text (the plan's ``kind``, e.g. 效能建设活动)."""
    return campaign.plan.get("kind") or "专项工作"


def basis_documents(campaign: Campaign) -> list[dict]:
    """依据文件 ``{issuer, title, number}``, in the plan's order."""
    basis = campaign.plan.get("basis") or []
    return [basis] if isinstance(basis, dict) else list(basis)


def names(campaign: Campaign) -> dict:
    """版头, 署名, 印发机关, office and leading group, each as the plan names it."""
    plan = campaign.plan
    stored = plan.get("issuing") or {}
    organization = plan["organization"]
    masthead = stored.get("masthead") or campaign.issuer
    return {
        "masthead": masthead,
        "file_masthead": stored.get("file_masthead") or masthead + "文件",
        "signature": stored.get("signature") or campaign.issuer,
        "printer": stored.get("printer") or campaign.issuer,
        "office": stored.get("office") or organization["office"]["name"],
        "leading_group": stored.get("leading_group") or organization["leading_group"]["name"],
    }


def addressees(campaign: Campaign, unit_kinds: Iterable[str]) -> str:
    """主送 of a circulated document: how the plan addresses each kind of unit the organisation has."""
    present = set(unit_kinds)
    listed = [c["addressed_as"] for c in campaign.plan.get("unit_categories") or [] if c["name"] in present and c.get("addressed_as")]
    return "、".join(listed) or "各单位"


def hotlines(campaign: Campaign) -> list[str]:
    return list(campaign.plan.get("hotlines") or [])
