"""The command line's own words in Chinese: help pages, usage mistakes, global options.

Typer (0.29, with its own copy of Click) prints English help ("Usage:", "Options",
`<str>`) and English usage errors. Click's maintainers suggest overriding the
command's help methods, so duban renders every help page itself (`localise`) and turns
each usage exception into one Chinese line (`usage_message`) from the exception's
fields, not from its English text. `normalise` lets the global options (--db, --as,
--json, --today) follow the subcommand too, and answers an unknown command with the
closest names. All three walk the Click tree, so commands added later are covered.
"""

from __future__ import annotations

import functools
import inspect
import re
import shutil
import unicodedata
from pathlib import Path
from typing import Any, get_args, get_origin

from duban.closest import closest

HELP_TEXT = "显示本帮助并退出"
TYPE_METAVARS = {str: "文本", int: "整数", float: "数字", Path: "路径", bool: "是或否"}


class UsageMistake(Exception):
    """A mistake found before Click parses: unknown command, undecodable argument."""

    exit_code = 2

    def __init__(self, message: str, where: str):
        super().__init__(message)
        self.message, self.where = message, where


# --- the tree ------------------------------------------------------------------------------


def is_group(command) -> bool:
    return hasattr(command, "commands")


def walk(command, path: tuple[str, ...] = ("duban",)):
    """Every command of the tree with its path, parents first."""
    yield path, command
    if is_group(command):
        for name, sub in command.commands.items():
            yield from walk(sub, (*path, name))


def localise(root) -> None:
    """Give every command of the tree the Chinese help page."""
    for path, command in walk(root):
        command.format_help = functools.partial(_format_help, command, path, root)


# --- help pages --------------------------------------------------------------------------------


def _format_help(command, path: tuple[str, ...], root, ctx, formatter) -> None:
    """Click's Command.format_help(ctx, formatter), replaced per command."""
    formatter.write(help_page(command, path, root))


def help_page(command, path: tuple[str, ...], root) -> str:
    width = max(min(shutil.get_terminal_size((100, 24)).columns, 100) - 2, 60)
    lines = [f"用法：{' '.join(path)} {usage_pieces(command, root)}", ""]
    text = inspect.cleandoc(command.help or "").partition("\f")[0]
    for paragraph in text.split("\n\n"):
        lines += ["  " + line for line in wrap(_join_lines(paragraph), width - 2)] + [""]
    arguments = [p for p in command.params if p.param_type_name == "argument" and not getattr(p, "hidden", False)]
    options = [p for p in command.params if p.param_type_name == "option" and not getattr(p, "hidden", False)]
    if arguments:
        lines += _section("参数：", [(metavar(p), param_help(p)) for p in arguments], width)
    if is_group(command):
        rows = [(name, short_help(sub)) for name, sub in command.commands.items() if not getattr(sub, "hidden", False)]
        lines += _section("命令：", rows, width)
    title = "全局选项（可写在命令之前或之后）：" if command is root else "选项："
    lines += _section(title, [*[(option_label(p), param_help(p)) for p in options], ("--help", HELP_TEXT)], width)
    if command is not root:
        names = "、".join(p.opts[0] for p in root.params if p.opts and not getattr(p, "hidden", False))
        lines.append(f"全局选项 {names} 可写在命令之前或之后（见 duban --help）。")
    return "\n".join(lines).rstrip() + "\n"


def _join_lines(paragraph: str) -> str:
    """Docstring lines joined: a space between Latin words, none after a Chinese character."""
    text = ""
    for line in paragraph.split("\n"):
        line = line.strip()
        text += ("" if not text or not text[-1].isascii() or not line[:1].isascii() else " ") + line
    return text


def usage_pieces(command, root) -> str:
    pieces = ["[全局选项]" if command is root else "[选项]"]
    for param in command.params:
        if param.param_type_name != "argument" or getattr(param, "hidden", False):
            continue
        shown = metavar(param) + ("…" if param.nargs == -1 or getattr(param, "multiple", False) else "")
        pieces.append(shown if param.required else f"[{shown}]")
    if is_group(command):
        pieces.append("命令 [参数]…")
    return " ".join(pieces)


def short_help(command, limit: int = 60) -> str:
    text = inspect.cleandoc(command.short_help or command.help or "").partition("\f")[0]
    first = text.split("\n\n")[0].replace("\n", "")
    cut = first if display_width(first) <= limit else _cut(first, limit - 1)
    return cut if cut == first else cut + "…"


def metavar(param) -> str:
    """A Chinese placeholder: the parameter's own metavar, else one for its type."""
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return ""
    if param.metavar:
        return param.metavar
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", str)
    if get_origin(annotation) is list:
        annotation = (get_args(annotation) or (str,))[0]
    return TYPE_METAVARS.get(annotation, "文本")


def option_label(param) -> str:
    names = ", ".join(param.opts)
    if getattr(param, "secondary_opts", None):
        names += " / " + ", ".join(param.secondary_opts)
    shown = metavar(param)
    return f"{names} {shown}" if shown else names


def param_help(param) -> str:
    notes = []
    if param.required and param.param_type_name == "option":
        notes.append("必填")
    elif getattr(param, "is_flag", False) and getattr(param, "secondary_opts", None):
        notes.append("默认：" + (param.opts[0] if param.default else param.secondary_opts[0]))
    elif _shows_default(param):
        notes.append(f"默认：{getattr(param.default, 'value', param.default)}")
    if getattr(param, "multiple", False) or param.nargs == -1:
        notes.append("可给出多个")
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if low is not None:
        notes.append(f"不小于 {low}")
    if high is not None:
        notes.append(f"不大于 {high}")
    text = (getattr(param, "help", None) or "").strip()
    return text + "".join(f"［{note}］" for note in notes)


def _shows_default(param) -> bool:
    default = param.default
    if getattr(param, "show_default", True) is False or callable(default):
        return False
    return default not in (None, "", [], (), False)


def _section(title: str, rows: list[tuple[str, str]], width: int) -> list[str]:
    if not rows:
        return []
    column = min(max(display_width(left) for left, _ in rows), 28)
    lines = [title]
    for left, right in rows:
        text = wrap(right, width - column - 6) or [""]
        if display_width(left) > column:
            lines.append(f"  {left}")
            lines += [" " * (column + 4) + line for line in text]
            continue
        lines.append(f"  {left}{' ' * (column - display_width(left) + 2)}{text[0]}")
        lines += [" " * (column + 4) + line for line in text[1:]]
    return lines + [""]


# --- text width and wrapping (CJK characters take two columns) -----------------------------


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cut(text: str, limit: int) -> str:
    """The first line of ``wrap``: never ends inside a Latin word."""
    return (wrap(text, limit) or [""])[0]


_TOKENS = re.compile(r"[\x21-\x7e]+|\s+|.", re.S)  # an ASCII word stays whole, any other character breaks
_NO_LINE_START = set("，。、；：！？）」』】〕》…")  # closing punctuation stays at the end of its line


def wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for token in _TOKENS.findall(text):
        if token.isspace():
            token = " "
        if display_width(line + token) > width and line.strip() and token not in _NO_LINE_START:
            lines.append(line.rstrip())
            line = "" if token == " " else token
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


# --- global options anywhere, unknown commands --------------------------------------------------


def _takes_value(param) -> bool:
    return not (getattr(param, "is_flag", False) or getattr(param, "count", False))


def _options(command) -> dict[str, bool]:
    """Option name → whether it takes a value, for one command (without --help)."""
    return {name: _takes_value(p) for p in command.params if p.param_type_name == "option"
            for name in (*p.opts, *getattr(p, "secondary_opts", ()))}


def normalise(root, args: list[str]) -> tuple[list[str], str]:
    """Move global options written after the subcommand in front of it, so that
    `duban item list --json` means `duban --json item list`; refuse an unknown command
    or an argument that is not valid UTF-8. Returns the arguments and the command path."""
    for position, token in enumerate(args):
        if any(0xD800 <= ord(c) <= 0xDFFF for c in token):  # undecodable bytes, kept by Python as surrogates
            before = args[position - 1] if position else ""
            what = f"{before} 的值" if before.startswith("-") else f"第 {position + 1} 个参数"
            raise UsageMistake(f"{what}含有无效的 UTF-8 字节，请以 UTF-8 输入", "duban")
    global_options = _options(root)
    front, rest, path = [], [], ["duban"]
    command, i = root, 0
    while i < len(args):
        token = args[i]
        if token == "--":
            rest += args[i:]
            break
        name, has_value = token.partition("=")[0], "=" in token
        if token.startswith("--") or (token.startswith("-") and len(token) > 1 and not token[1:].isdigit()):
            own = _options(command) if command is not root else {}
            target = rest if name in own or name not in global_options else front
            takes = own.get(name, global_options.get(name, False))
            if target is front and takes and not has_value and i + 1 == len(args):
                raise UsageMistake(f"选项 {name} 后面缺少值", " ".join(path))
            target.append(token)
            if takes and not has_value and i + 1 < len(args):
                target.append(args[i + 1])
                i += 1
        elif is_group(command):
            sub = command.commands.get(token)
            if sub is None:
                raise UsageMistake(_unknown_command(token, command), " ".join(path))
            command = sub
            path.append(token)
            rest.append(token)
        else:
            rest.append(token)
        i += 1
    return front + rest, " ".join(path)


def _unknown_command(token: str, group) -> str:
    names = [n for n, c in group.commands.items() if not getattr(c, "hidden", False)]
    close = closest(token, names)
    hint = f"（是否想输入 {'、'.join(close)}？）" if close else f"（可用：{'、'.join(names)}）"
    return f"没有命令 {token}{hint}"


# --- usage mistakes in one Chinese line ----------------------------------------------------------

_PYDANTIC = {
    "int_parsing": "应为整数", "int_from_float": "应为整数", "float_parsing": "应为数字",
    "bool_parsing": "应为是或否", "greater_than_equal": "不能小于 {ge}", "less_than_equal": "不能大于 {le}",
    "greater_than": "应大于 {gt}", "less_than": "应小于 {lt}", "string_too_long": "过长",
}


def param_name(param) -> str:
    if param is None:
        return ""
    if param.param_type_name == "option" and param.opts:
        return param.opts[0]
    return metavar(param) or param.name or ""


def usage_message(exc: Any) -> str:
    """One Chinese line for a Click/Typer usage exception (without the --help hint)."""
    kind = type(exc).__name__
    param = getattr(exc, "param", None)
    text = str(getattr(exc, "message", "") or "")
    if kind == "NoSuchOption":
        close = closest(exc.option_name, sorted(getattr(exc, "possibilities", None) or []))
        return f"没有选项 {exc.option_name}" + (f"（是否想输入 {'、'.join(close)}？）" if close else "")
    if kind == "MissingParameter":
        what = "选项" if param is not None and param.param_type_name == "option" else "参数"
        return f"缺少{what} {param_name(param)}".rstrip()
    if kind == "BadOptionUsage":
        if "does not take" in text:
            return f"选项 {exc.option_name} 不接受值"
        return f"选项 {exc.option_name} 后面缺少值"
    if kind == "BadParameter":
        return f"{param_name(param) or '参数'} 的值无效：{_reason(exc)}"
    if kind == "BadArgumentUsage":
        return "参数个数不对"
    if kind == "NoArgsIsHelpError":
        return "缺少子命令"
    extra = re.match(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", text)
    if extra:
        return f"多余的参数：{extra.group(1)}（含空格的值请用引号括起）"
    if text.startswith("Missing command"):
        return "缺少子命令"
    unknown = re.match(r"No such command '(.*?)'", text)
    if unknown:
        return f"没有命令 {unknown.group(1)}"
    return "命令用法不对"


def _reason(exc) -> str:
    cause = exc.__cause__
    errors = cause.errors() if hasattr(cause, "errors") else []
    if errors:
        error = errors[0]
        said = _PYDANTIC.get(error.get("type", ""), "格式不对").format(**(error.get("ctx") or {}))
        return f"{error.get('input')!r} {said}" if "input" in error else said
    return "格式不对"
