"""What the plan says about its documents: who issues them, whom they address, which kinds exist.

Every name a document prints is a plan field of its own (版头, 署名, 印发机关, the office and
the leading group), so no document builds a name by joining two others. Defaults are the
plan's ``issuer`` and ``organization`` names, used as written.
"""

from __future__ import annotations

from duban.plan.fields import PlanIssue, PlanModel, Text, check_unique


class UnitCategory(PlanModel):
    """A kind of unit in the organisation (单位类别) and how a circulated document addresses all of them."""

    name: Text  # as the org file's 单位类别 column says it, e.g. 厅局
    addressed_as: str = ""  # in 主送, e.g. 各厅局; empty = not addressed by circulated documents


class Issuing(PlanModel):
    """The names documents print; each empty one takes its default when the plan is loaded."""

    masthead: str = ""  # 发文机关标志 (版头) of notices and letters; default: issuer
    file_masthead: str = ""  # 版头 of circulated documents (通报、决定); default: masthead + 文件
    signature: str = ""  # 发文机关署名; default: issuer
    printer: str = ""  # 印发机关 (版记); default: issuer
    office: str = ""  # the campaign office as documents name it; default: organization.office.name
    leading_group: str = ""  # default: organization.leading_group.name

    def completed(self, issuer: str, office: str, leading_group: str) -> Issuing:
        masthead = self.masthead or issuer
        return self.model_copy(update={
            "masthead": masthead,
            "file_masthead": self.file_masthead or (masthead if masthead.endswith("文件") else masthead + "文件"),
            "signature": self.signature or issuer,
            "printer": self.printer or issuer,
            "office": self.office or office,
            "leading_group": self.leading_group or leading_group,
        })


def check_unit_categories(categories: list[UnitCategory]) -> None:
    check_unique(categories, ("unit_categories",), attr="name")


def check_document_kinds(accountability) -> None:
    """Every measure's document is a kind that has a template and is issued for a case."""
    from duban.documents.kinds import CASE_KINDS, COMMENDATION_KINDS, KINDS  # plain data, no renderer

    for index, measure in enumerate(accountability.measures):
        if measure.document and measure.document not in CASE_KINDS:
            raise PlanIssue(("accountability", "measures", index, "document"),
                            _unknown(measure.document, CASE_KINDS, KINDS))
    commendation = accountability.commendation
    if commendation and commendation.document and commendation.document not in COMMENDATION_KINDS:
        raise PlanIssue(("accountability", "commendation", "document"),
                        _unknown(commendation.document, COMMENDATION_KINDS, KINDS))


def _unknown(code: str, allowed, kinds) -> str:
    what = "不是问责文书" if code in kinds else "没有对应的文书模板"
    options = "、".join(f"{code}（{kinds[code].name}）" for code in allowed)
    return f"文书种类 {code} {what}，可选：{options}"
