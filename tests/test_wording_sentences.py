"""Sentences of templates/wording read as a clerk writes them (pure: no database, no PDF)."""

import datetime as dt

import pytest

from duban.wording import wording


@pytest.mark.parametrize("title, named", [("窗口服务态度生硬", "“窗口服务态度生硬”问题"),
                                          ("行政审批超时限问题", "“行政审批超时限问题”")])
def test_an_item_is_named_with_one_wenti(title, named):
    facts = wording("cases").say("overdue_facts", title=title, due=dt.date(2015, 10, 8),
                                 today=dt.date(2015, 10, 20), overdue=8)
    assert facts.startswith(named + "整改期限为2015年10月8日"), facts
    assert "问题”问题" not in facts


def test_the_automation_s_reasons_carry_chinese_dates():
    say = wording("sheets").say
    reasons = [say("sweep_reason", level=level, due=dt.date(2015, 10, 8), days=3, grace=5, measure=None)
               for level in ("催办", "督办", "问责")]
    assert all("2015年10月8日" in reason and "2015-10-08" not in reason for reason in reasons), reasons
    assert reasons[2].endswith("建议问责。"), reasons[2]
    assert say("measure_reason", level="催办", days=2, late=True) == "已逾期2个工作日，请立即落实。"
