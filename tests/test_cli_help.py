"""Every help page speaks Chinese, every parameter is documented, one option means one thing.

The tests walk the whole registered command tree, so a command added later (by any
module) is checked without touching this file.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import ROOT

# Words allowed in help besides command and option names: names of products and file
# formats, units, the date pattern, and the built-in automation login. Anything else in
# Latin letters is English that should have been Chinese.
PROPER_NOUNS = {
    "Alembic", "CSV", "DOT", "Graphviz", "HarfBuzz", "JSON", "Mermaid", "PDF", "PostgreSQL", "Prefect",
    "SQLite", "SVG", "PNG", "WeasyPrint", "XLSX", "YAML", "MB", "YYYY-MM-DD", "system",
}
FORMATS = {"csv", "dot", "mermaid", "pdf", "svg", "xlsx", "yaml", "json"}  # values typed for --format
ENV_VAR = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")  # DUBAN_DB, PREFECT_API_URL
FILE_NAME = re.compile(r"[\w.-]+\.[a-z]{2,4}")  # prefect.yaml, summary.md

# Options whose meaning depends on the command (the --reason of a rejection is not that of an
# appeal). Every other option must read the same in every command that has it.
ROLE_DEPENDENT = {"--case", "--category", "--format", "--item", "--kind", "--measure", "--out", "--person",
                  "--reason", "--state", "--unit", "--workers"}


def commands():
    from duban.cli import command_tree
    from duban.cli.usage import walk

    return list(walk(command_tree()))


def names_and_options() -> tuple[set[str], set[str]]:
    names, options = set(), {"--help"}
    for path, command in commands():
        names.update(path)
        for param in command.params:
            options.update(param.opts)
            options.update(getattr(param, "secondary_opts", None) or [])
    return names, options


def english_words(text: str, names: set[str], options: set[str]) -> list[str]:
    text = re.sub(r"--[a-z][a-z-]*", lambda m: "" if m.group(0) in options else m.group(0), text)
    found = []
    for word in re.findall(r"[A-Za-z][A-Za-z0-9_.:/~+-]*[A-Za-z0-9]|[A-Za-z]{2,}", text):
        if (word in names or word in PROPER_NOUNS or word.lower() in FORMATS or ENV_VAR.fullmatch(word)
                or FILE_NAME.fullmatch(word) or "/" in word or any(c.isdigit() for c in word)):
            continue  # digits or slashes: an example number, a path or a URL
        found.append(word)
    return found


def test_the_check_finds_english():
    names, options = names_and_options()
    assert english_words("Show this message and exit.", names, options) == ["Show", "this", "message", "and", "exit"]
    assert english_words("<str> [required] Options", names, options) == ["str", "required", "Options"]
    assert english_words("用法：duban item add --title 文本 DUBAN_DB SQLite", names, options) == []
    assert english_words("--frobnicate 文本", names, options) == ["frobnicate"]


def test_every_help_page_is_chinese(cli):
    names, options = names_and_options()
    problems = []
    for path, _command in commands():
        result = cli(*path[1:], "--help")
        if result.code != 0 or result.stderr:
            problems.append((path, "exit", result.code, result.stderr))
            continue
        assert result.stdout.startswith("用法：" + " ".join(path)), (path, result.stdout[:80])
        words = english_words(result.stdout, names, options)
        if words:
            problems.append((path, words))
    assert not problems, problems
    assert len(commands()) > 60  # the walk reached the leaves


def test_every_parameter_has_help_and_a_chinese_placeholder():
    from duban.cli.usage import metavar

    missing = []
    for path, command in commands():
        if not command.help:
            missing.append((path, "command"))
        for param in command.params:
            if not (getattr(param, "help", None) or "").strip():
                missing.append((path, param.name))
            shown = metavar(param)
            if shown and re.search(r"[A-Za-z]", shown):
                missing.append((path, param.name, shown))
    assert not missing, missing


def test_one_option_one_help_text():
    import duban.cli.options as shared

    helps: dict[str, set[str]] = {}
    for _path, command in commands():
        for param in command.params:
            if param.param_type_name == "option" and param.opts[0] not in ROLE_DEPENDENT:
                helps.setdefault(param.opts[0], set()).add(param.help)
    differing = {name: texts for name, texts in helps.items() if len(texts) > 1}
    assert not differing, differing
    for definition in vars(shared).values():  # a shared option reads as defined, wherever it is used
        decls = getattr(definition, "param_decls", None) or ()
        for name in decls:
            if name in helps:
                assert helps[name] == {definition.help}, name


def test_argument_and_option_names_show_in_the_usage_line(cli):
    r = cli("item", "submit", "--help")
    assert r.stdout.splitlines()[0] == "用法：duban item submit [选项] 问题编号"
    assert "问题编号  整改问题编号，如 MS2015-0001" in r.stdout
    assert "--evidence 文件" in r.stdout and "［可给出多个］" in r.stdout
    assert "全局选项 --db、--as、--json、--today 可写在命令之前或之后" in r.stdout
    r = cli("--help")
    assert "全局选项（可写在命令之前或之后）：" in r.stdout and "命令：" in r.stdout


def test_help_imports_no_heavy_library():
    """`duban --help` stays fast: no SQLAlchemy, Rich, Prefect, WeasyPrint or pydantic on that path."""
    code = ("import sys; sys.argv=['duban','--help']\n"
            "from duban.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy=[m for m in ('sqlalchemy','rich','prefect','weasyprint','matplotlib','pydantic','openpyxl')"
            " if m in sys.modules]\n"
            "print('HEAVY', heavy, file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert "HEAVY []" in r.stderr, r.stderr
    assert "督办" in r.stdout and "item" in r.stdout


@pytest.mark.parametrize("args", [["item"], ["case"]])
def test_a_group_without_command_prints_its_help_and_one_error_line(cli, args):
    r = cli(*args)
    assert r.code == 2 and r.stdout.startswith(f"用法：duban {args[0]}")
    assert r.stderr == f"错误：命令用法不对：缺少子命令（见 duban {args[0]} --help）\n"
