"""Reading a plan file: YAML with line numbers, every problem one Chinese line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NoReturn

import yaml
from pydantic import ValidationError

from duban.errors import BadInput
from duban.plan.campaign import CampaignPlan
from duban.plan.fields import Loc, PlanIssue
from duban.yamltext import unreadable_character


class _PlanLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so pydantic reports bad ones with a line."""


_PlanLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_plan(path: str | Path) -> CampaignPlan:
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        _fail(str(path), None, "", "文件不存在")
    except IsADirectoryError:
        _fail(str(path), None, "", "这是目录，不是文件")
    except PermissionError:
        _fail(str(path), None, "", "没有读取权限")
    except OSError as exc:
        _fail(str(path), None, "", f"无法读取文件（{exc.strerror or exc}）")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        _fail(str(path), line, "", "文件不是 UTF-8 编码，请另存为 UTF-8")
    return parse_plan(text, str(path))


def parse_plan(text: str, source_name: str) -> CampaignPlan:
    root, data = _compose(text, source_name)
    if data is None:
        _fail(source_name, 1, "", "文件为空")
    try:
        return CampaignPlan.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        loc, message = _describe(errors[0])
        if len(errors) > 1:
            message += f"（另有 {len(errors) - 1} 处错误）"
        _fail(source_name, _line_of(root, loc), _format_loc(loc), message)


def _compose(text: str, source_name: str) -> tuple[yaml.Node | None, Any]:
    try:  # the loader reads (and refuses control characters) as soon as it is built
        loader = _PlanLoader(text)
    except yaml.YAMLError as exc:
        line, problem = unreadable_character(text, exc) or (None, f"YAML 解析失败（{exc}）")
        _fail(source_name, line, "", problem)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, None
        _check_duplicate_keys(root, (), source_name)
        return root, loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        _fail(source_name, line, "", f"YAML 语法错误：{_yaml_problem(exc)}")
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        line, problem = unreadable_character(text, exc) or (None, f"YAML 解析失败（{exc}）")
        _fail(source_name, line, "", problem)
    finally:
        loader.dispose()


# The PyYAML problems authors meet most, in Chinese; others are shown as is.
_YAML_PROBLEMS = {
    "mapping values are not allowed here": "此处不能出现“: ”（值里含冒号请加引号）",
    "could not find expected ':'": "缺少“: ”或缩进不一致",
    "found character '\\t' that cannot start any token": "不能用制表符缩进，请改用空格",
    "found unexpected end of stream": "引号或括号未闭合",
    "found undefined alias": "引用了未定义的锚点",
}


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or exc.context or ""
    for english, chinese in _YAML_PROBLEMS.items():
        if problem.startswith(english):
            return chinese
    if problem.startswith("expected <block end>"):
        return "缩进不一致"
    return problem or "无法解析"


def _check_duplicate_keys(node: yaml.Node, loc: Loc, source_name: str) -> None:
    # PyYAML silently keeps the last of two equal keys; a plan must not.
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else "?"
            if name in seen and name != "<<":
                _fail(source_name, key.start_mark.line + 1, _format_loc((*loc, name)), "键重复")
            seen.add(name)
            _check_duplicate_keys(value, (*loc, name), source_name)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _check_duplicate_keys(item, (*loc, index), source_name)


def _line_of(root: yaml.Node | None, loc: Loc) -> int | None:
    """Line of the deepest node along ``loc`` (a missing field → its parent)."""
    if root is None:
        return None
    node, line = root, root.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            match = next(
                ((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part),
                None,
            )
            if match is None:
                break
            node, line = match[1], match[0].start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _format_loc(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _describe(error: dict[str, Any]) -> tuple[Loc, str]:
    """Turn one pydantic error into (field path, Simplified Chinese message)."""
    loc: Loc = tuple(error["loc"])
    ctx = error.get("ctx") or {}
    if isinstance(ctx.get("error"), PlanIssue):
        issue = ctx["error"]
        return (*loc, *issue.loc), issue.message
    value = _show(error.get("input"))
    kind = error["type"]
    if kind in ("enum", "literal_error"):
        options = "、".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
        return loc, f"取值无效（{value}），可选：{options}"
    messages = {
        "missing": "缺少必填字段",
        "extra_forbidden": "未知字段",
        "string_type": f"应为文本（{value}）",
        "string_too_short": "不能为空",
        "string_too_long": f"过长（最多 {ctx.get('max_length')} 个字符）",
        "string_pattern_mismatch": f"格式不符（{value}），应匹配 {ctx.get('pattern')}",
        "int_type": f"应为整数（{value}）",
        "int_parsing": f"应为整数（{value}）",
        "int_from_float": f"应为整数（{value}）",
        "float_type": f"应为数字（{value}）",
        "float_parsing": f"应为数字（{value}）",
        "bool_type": f"应为 true 或 false（{value}）",
        "bool_parsing": f"应为 true 或 false（{value}）",
        "greater_than": f"应大于 {ctx.get('gt')}（{value}）",
        "greater_than_equal": f"应不小于 {ctx.get('ge')}（{value}）",
        "less_than": f"应小于 {ctx.get('lt')}（{value}）",
        "less_than_equal": f"应不大于 {ctx.get('le')}（{value}）",
        "too_short": f"至少需要 {ctx.get('min_length')} 项",
        "list_type": "应为列表",
        "dict_type": "应为映射（键: 值）",
        "model_type": "应为映射（键: 值）",
        "model_attributes_type": "应为映射（键: 值）",
    }
    return loc, messages.get(kind, f"取值无效（{error.get('msg')}）")


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "映射"
    if isinstance(value, list):
        return "列表"
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _fail(source_name: str, line: int | None, path: str, message: str) -> NoReturn:
    where = f"{source_name} 第{line}行" if line else source_name
    raise BadInput(f"{where} {path}：{message}" if path else f"{where}：{message}")
