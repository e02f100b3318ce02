"""A realistic, reproducible bureau for the demo: 处室, 局属单位 and their 党员干部.

The leadership group follows the plan (§六(一)): 党组书记、局长 is 组长, the other
党组成员 are 副组长; the campaign office is staffed from 监察室, 办公室 and 人教处.
Everything comes from one seeded ``random.Random``: same seed, same bureau.
The result is written as the org-import sheet (see ``duban.services.org``), so the
demo imports it through the real import.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

from duban.errors import BadInput

LEADERSHIP_UNIT = "JLD"

# Surnames and given-name characters with their pinyin, for names and logins.
SURNAMES = dict(pair.split(":") for pair in (
    "王:wang 李:li 张:zhang 刘:liu 陈:chen 杨:yang 赵:zhao 黄:huang 周:zhou 吴:wu 徐:xu 孙:sun "
    "胡:hu 朱:zhu 高:gao 林:lin 何:he 郭:guo 马:ma 罗:luo 梁:liang 宋:song 郑:zheng 谢:xie 韩:han "
    "唐:tang 冯:feng 于:yu 董:dong 程:cheng 曹:cao 袁:yuan 邓:deng 许:xu 傅:fu 沈:shen 曾:zeng "
    "彭:peng 吕:lv 苏:su 卢:lu 蒋:jiang 蔡:cai 贾:jia 丁:ding 魏:wei 薛:xue 叶:ye 阎:yan 余:yu "
    "潘:pan 杜:du 戴:dai 夏:xia 钟:zhong 汪:wang 田:tian 任:ren 姜:jiang 范:fan 方:fang 石:shi "
    "姚:yao 牛:niu 祁:qi 边:bian 安:an 雷:lei 段:duan 武:wu 康:kang 毛:mao 秦:qin 常:chang 包:bao"
).split())
GIVEN = dict(pair.split(":") for pair in (
    "建:jian 国:guo 华:hua 明:ming 伟:wei 军:jun 强:qiang 平:ping 志:zhi 红:hong 丽:li 敏:min "
    "静:jing 芳:fang 霞:xia 燕:yan 勇:yong 涛:tao 斌:bin 刚:gang 磊:lei 鹏:peng 晓:xiao 海:hai "
    "东:dong 峰:feng 玲:ling 娟:juan 文:wen 辉:hui 荣:rong 新:xin 春:chun 梅:mei 杰:jie 波:bo "
    "宏:hong 亮:liang 成:cheng 瑞:rui 兰:lan 英:ying 婷:ting 雪:xue 慧:hui 佳:jia 宁:ning 德:de "
    "立:li 卫:wei 永:yong 学:xue 晨:chen 阳:yang 博:bo 凯:kai 浩:hao 宇:yu 欣:xin 悦:yue 岚:lan "
    "萍:ping 继:ji 忠:zhong 福:fu 祥:xiang 生:sheng 龙:long 玉:yu 秀:xiu 琴:qin 洁:jie 云:yun "
    "飞:fei 鑫:xin 璐:lu 蕾:lei 倩:qian 颖:ying 振:zhen 爱:ai 俊:jun 彦:yan 睿:rui 泽:ze"
).split())


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    kind: str  # 处室 | 局属单位 | 领导班子
    serves_public: bool  # 直接关系民生: satisfaction rounds (§五(三)1)
    head_title: str
    deputy_title: str
    weight: int  # relative headcount
    office_seats: int = 0  # how many of its leaders sit in the campaign office


# Ordered by importance: a smaller demo (--units N) keeps the first N.
# The first three staff the campaign office (plan §六(一)).
UNITS = (
    UnitSpec("JCS", "监察室", "处室", False, "监察室主任", "监察室副主任", 5, office_seats=2),
    UnitSpec("BGS", "办公室", "处室", False, "办公室主任", "办公室副主任", 8, office_seats=1),
    UnitSpec("RJC", "人事教育处", "处室", False, "人事教育处处长", "人事教育处副处长", 6, office_seats=2),
    UnitSpec("SPC", "行政审批服务窗口", "处室", True, "行政审批服务窗口主任", "行政审批服务窗口副主任", 12),
    UnitSpec("ZJZ", "市建设工程质量监督站", "局属单位", True, "站长", "副站长", 22),
    UnitSpec("JGC", "建设管理处", "处室", False, "建设管理处处长", "建设管理处副处长", 8),
    UnitSpec("DAG", "市城建档案馆", "局属单位", True, "馆长", "副馆长", 14),
    UnitSpec("AJZ", "市建设工程安全监督站", "局属单位", True, "站长", "副站长", 18),
    UnitSpec("JCC", "计划财务处", "处室", False, "计划财务处处长", "计划财务处副处长", 6),
    UnitSpec("SCZ", "市建筑市场管理站", "局属单位", True, "站长", "副站长", 16),
    UnitSpec("ZFC", "政策法规处", "处室", False, "政策法规处处长", "政策法规处副处长", 5),
    UnitSpec("CZC", "村镇建设处", "处室", False, "村镇建设处处长", "村镇建设处副处长", 6),
    UnitSpec("KJC", "科技设计处", "处室", False, "科技设计处处长", "科技设计处副处长", 6),
    UnitSpec("ZJG", "市建设工程造价管理站", "局属单位", False, "站长", "副站长", 14),
    UnitSpec("ZBB", "市建设工程招标投标管理办公室", "局属单位", True, "主任", "副主任", 12),
)
MIN_UNITS = 3  # the campaign office needs 监察室, 办公室 and 人教处

LEADERS = (  # (title, role): 党组书记、局长 is 组长, the other 党组成员 are 副组长
    ("党组书记、局长", "组长"),
    ("党组成员、副局长", "副组长"),
    ("党组成员、副局长", "副组长"),
    ("党组成员、纪检组长", "副组长"),
    ("党组成员、总工程师", "副组长"),
)
STAFF_TITLES = {
    "处室": ("主任科员", "副主任科员", "科员", "科员", "科员"),
    "局属单位": ("科长", "副科长", "工程师", "助理工程师", "科员", "科员", "办事员"),
}


@dataclass
class PersonSpec:
    login: str
    name: str
    unit: str  # unit code
    title: str
    roles: list[str] = field(default_factory=list)  # Chinese role names, as the sheet takes them


@dataclass
class Bureau:
    units: list[UnitSpec]
    persons: list[PersonSpec]

    @property
    def leader(self) -> PersonSpec:
        return next(p for p in self.persons if "组长" in p.roles)

    @property
    def deputies(self) -> list[PersonSpec]:
        return [p for p in self.persons if "副组长" in p.roles]

    @property
    def office(self) -> list[PersonSpec]:
        return [p for p in self.persons if "办公室" in p.roles]

    def head_of(self, unit: str) -> PersonSpec:
        return next(p for p in self.persons if p.unit == unit and "负责人" in p.roles)

    def leader_in_charge(self, unit: str) -> PersonSpec:
        """分管领导: the deputies share the units in turn (the leader when there is no deputy)."""
        leaders = self.deputies or [self.leader]
        index = [u.code for u in self.units].index(unit)
        return leaders[index % len(leaders)]

    def members_of(self, unit: str) -> list[PersonSpec]:
        return [p for p in self.persons if p.unit == unit]

    def write_sheet(self, path: Path) -> Path:
        """The org-import CSV (UTF-8 with BOM so Excel opens it too)."""
        with open(path, "w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow(["类型", "编码", "名称", "所属单位", "单位类别", "民生", "职务", "角色", "分管领导"])
            writer.writerow(["单位", LEADERSHIP_UNIT, "局领导班子", "", "领导班子", "否", "", "", ""])
            for unit in self.units:
                writer.writerow(["单位", unit.code, unit.name, "", unit.kind, "是" if unit.serves_public else "否", "", "",
                                 self.leader_in_charge(unit.code).login])
            for person in self.persons:
                writer.writerow(["人员", person.login, person.name, person.unit, "", "", person.title,
                                 ";".join(person.roles), ""])
        return path


class _Names:
    """Unique two- or three-character names with pinyin logins."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.names: set[str] = set()
        self.logins: set[str] = set()
        self.surnames = sorted(SURNAMES)
        self.given = sorted(GIVEN)

    def new(self) -> tuple[str, str]:
        while True:
            surname = self.rng.choice(self.surnames)
            given = "".join(self.rng.choice(self.given) for _ in range(self.rng.choice((1, 2, 2))))
            if given[0] != given[-1] or len(given) == 1:
                name = surname + given
                if name not in self.names:
                    break
        self.names.add(name)
        base = SURNAMES[surname] + "".join(GIVEN[c] for c in given)
        login, n = base, 1
        while login in self.logins:
            n += 1
            login = f"{base}{n}"
        self.logins.add(login)
        return name, login


def generate_bureau(rng: random.Random, *, units: int = len(UNITS), cadres: int = 200) -> Bureau:
    """``units`` 处室/局属单位 (3–15) and about ``cadres`` people in all, leaders included."""
    if not MIN_UNITS <= units <= len(UNITS):
        raise BadInput(f"单位数应在 {MIN_UNITS}–{len(UNITS)} 之间，实为 {units}")
    chosen = list(UNITS[:units])
    # Every unit needs a head, a deputy and at least two staff.
    minimum = len(LEADERS) + 4 * len(chosen)
    if cadres < minimum:
        raise BadInput(f"{units} 个单位至少需要 {minimum} 名人员，实为 {cadres}")
    names = _Names(rng)
    persons = []
    for title, role in LEADERS:
        name, login = names.new()
        persons.append(PersonSpec(login, name, LEADERSHIP_UNIT, title, [role]))
    for unit, size in zip(chosen, _headcounts(rng, chosen, cadres - len(LEADERS))):
        seats = unit.office_seats
        for index in range(size):
            name, login = names.new()
            roles: list[str] = []
            if index == 0:
                title, roles = unit.head_title, ["负责人"]
            elif index == 1:
                title = unit.deputy_title
            else:
                title = rng.choice(STAFF_TITLES.get(unit.kind, STAFF_TITLES["处室"]))
            if index < seats:
                roles = ["办公室", *roles]
            persons.append(PersonSpec(login, name, unit.code, title, roles or ["党员干部"]))
    return Bureau(chosen, persons)


def _headcounts(rng: random.Random, units: list[UnitSpec], total: int) -> list[int]:
    """Split ``total`` people over the units by weight, each unit getting at least four."""
    weights = [unit.weight * rng.uniform(0.85, 1.15) for unit in units]
    spare = total - 4 * len(units)
    sizes = [4 + int(spare * w / sum(weights)) for w in weights]
    for index in sorted(range(len(units)), key=lambda i: -weights[i])[: total - sum(sizes)]:
        sizes[index] += 1
    return sizes
