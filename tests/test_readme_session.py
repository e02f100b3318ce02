"""README.md's CLI session runs exactly as written, line by line.

The block after the `readme-session` marker is run by bash from the checkout, as a reader
would paste it, against its own scratch folder and SQLite database. Each line's exit code and
output are captured separately. A line listed in EXPECTED must exit with its code and print
its words; every other line must exit 0 with nothing on stderr. Editing the session means
editing EXPECTED: a line that disappears from the README fails the test too.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

MARKER = "<!-- readme-session:"

# A unique piece of the command line → (exit code, words in stdout or, for a failure, in stderr).
EXPECTED = {
    "duban init": (0, ["数据库已创建"]),
    "duban campaign load": (0, ["方案 LZJ2015 已导入"]),
    "duban org import": (0, ["单位新增 5", "人员新增 10"]),
    "推来推去": (0, ["已登记意见 LZJ2015-Y0001（座谈会）"]),
    "没有审批": (0, ["已登记意见 LZJ2015-Y0002（征求意见表）"]),
    "窗口服务推诿扯皮": (0, ["LZJ2015-Y0001 → 已立为问题（LZJ2015-0001）"]),
    "工程款审批拖延": (0, ["LZJ2015-Y0002 → 已立为问题（LZJ2015-0002）"]),
    "item assign LZJ2015-0001": (0, ["LZJ2015-0001 → 已交办"]),
    "item assign LZJ2015-0002": (0, ["LZJ2015-0002 → 已交办（版本 2）"]),
    "item start LZJ2015-0001": (0, ["LZJ2015-0001 → 整改中"]),
    "item submit LZJ2015-0001": (0, ["LZJ2015-0001 → 待验收"]),
    "item verify LZJ2015-0001": (0, ["LZJ2015-0001 → 已销号"]),
    "item history LZJ2015-0001": (0, ["登记问题", "交办", "开始整改", "提交验收", "验收销号", "已销号"]),
    "item show LZJ2015-0002": (0, ['"version": 2', '"state": "assigned"']),
    "--expect-version 2": (0, ["LZJ2015-0002 → 整改中（版本 3）"]),
    "deadline request": (0, ["延期待审批（申请号 1）", "2015-10-08 → 2015-10-14"]),
    "deadline approve 1": (0, ["延期已批准", "现期限 2015-10-14"]),
    "system tick": (0, ["集中整改、从严问责", "截至 2015-10-27", "新增红灯 1 项", "制发催办单 1 份、督办单 1 份"]),
    "item list --light": (0, ["LZJ2015-0002", "红灯"]),
    "report units": (0, ["建设管理处"]),
    "case list": (0, ["LZJ2015-W001", "吴刚", "已立案"]),
    "case investigate": (0, ["LZJ2015-W001 → 调查核实"]),
    "case decide": (0, ["已作出处理决定，诫勉谈话"]),
    "case approve": (0, ["已批准，诫勉谈话"]),
    "doc verify": (0, ["真实：诫勉谈话通知书", "现行有效"]),
    "doc render 督办单": (3, ["LZJ2015-0002", "已制发督办单", "duban doc reissue"]),
    "ledger export --out": (0, ["台账已导出：台账.xlsx（2 条）"]),
    "export --unit JGC": (0, ["台账已导出：建设管理处台账.xlsx（2 条）"]),
    "reconcile 建设管理处台账": (0, ["LZJ2015-0002", "未作任何改动"]),
    "reconcile --apply": (0, ["已办理 0 项", "未能办理 LZJ2015-0002：提交验收"]),
    "doc ledger": (0, ["截至 2015-10-27"]),
    "audit verify": (0, ["审计链完好"]),
    "diagram item": (0, ["已写入 item.mmd"]),
}
# Lines whose stdout must be empty: the output went into a variable or a file.
SILENT = ("pdf=$(", "echo ", "export ", "REPO=")
# Words that must never appear in human output: codes instead of labels, English, wrong years.
NEVER = ("rectifying", "identify", "document_issued", "Traceback", "2026", "Usage", "Error")


def command(line: str) -> str:
    """The line without its trailing comment (what EXPECTED keys are matched against)."""
    return re.sub(r"\s+#\s.*$", "", line)


def session_lines() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert MARKER in text, "README.md lost its session marker"
    block = re.search(r"```sh\n(.*?)```", text[text.index(MARKER):], re.S)
    assert block, "no ```sh block after the session marker"
    return [line for line in block.group(1).splitlines() if line.strip() and not line.lstrip().startswith("#")]


def script(lines: list[str], out: Path) -> str:
    """Each line in a brace group (a trailing comment ends at the newline), its streams and code kept."""
    steps = [f'{{ {line}\n}} >"{out}/{i}.out" 2>"{out}/{i}.err"; echo $? >"{out}/{i}.rc"' for i, line in
             enumerate(lines)]
    return "\n".join(steps) + "\n"


def test_readme_session_runs_as_written(tmp_path):
    lines = session_lines()
    for key in EXPECTED:
        matches = [line for line in lines if key in command(line)]
        assert len(matches) == 1, (key, matches)
    out = tmp_path / "out"
    out.mkdir()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}", TMPDIR=str(scratch),
               DUBAN_HOME=str(tmp_path / "home"), COLUMNS="160", PREFECT_HOME=str(tmp_path / "prefect"))
    subprocess.run(["bash", "-c", script(lines, out)], cwd=ROOT, env=env, timeout=900, check=True)
    for i, line in enumerate(lines):
        code = int((out / f"{i}.rc").read_text())
        stdout, stderr = (out / f"{i}.out").read_text(), (out / f"{i}.err").read_text()
        key = next((k for k in EXPECTED if k in command(line)), None)
        expected_code, words = EXPECTED.get(key, (0, []))
        assert code == expected_code, (line, code, stderr)
        shown = stdout if code == 0 else stderr
        for word in words:
            assert word in shown, (line, word, shown[-2000:])
        if code == 0:
            assert stderr == "", (line, stderr)
        else:
            assert stderr.count("\n") == 1 and stderr.startswith("错误："), (line, stderr)
        if line.startswith(SILENT):
            assert stdout == "", (line, stdout)
        for word in NEVER:
            assert word not in stdout + stderr, (line, word)
    # nothing landed in the checkout or in the user's home: the session kept to its scratch folder
    assert list(scratch.iterdir()) and (next(scratch.iterdir()) / "office.sqlite").is_file()
    assert not (ROOT / "office.sqlite").exists() and not (tmp_path / "home").exists()
