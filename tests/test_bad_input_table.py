"""Hostile input through the real `duban` process: never exit 1, always one line, nothing written.

Each row runs `python -m duban …` in its own process (so argv bytes that are not UTF-8 arrive
as a real shell would pass them) against a loaded campaign on SQLite and on PostgreSQL, and
asserts the exit code, exactly one stderr line (错误：… or, for a warning, 注意：…) with the
expected words, and a database dump unchanged row for row (refusals logged on the security
chain aside). Add a row for every new way in; keep the table growing.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import PLAN, ROOT, dump

NUL_PLAN = "nul.yaml"
FILES = {
    # name: bytes of a file the rows point at as {name}
    NUL_PLAN: b"code: X\x00\n",
    "soh.yaml": b"code: X\x01\nname: y\n",
    "gbk.yaml": PLAN.read_text(encoding="utf-8").encode("gbk", errors="replace"),
    "empty.yaml": b"",
    "binary.dat": bytes(range(256)) * 8,
    "nul.csv": "类型,编码,名称\n单位,D1,办\x00公室\n".encode(),
    "gbk.csv": "类型,编码,名称\n单位,D1,办公室\n".encode("gbk"),
    "not-excel.xlsx": b"PK\x03\x04 not really a workbook",
    "holidays-nul/2015.yaml": b"holidays: [2015-10-09]\x00\n",
    "holidays-bad/2015.yaml": "holidays: [2015-02-30]\n".encode(),
    "holidays-text/2015.yaml": b"just words\n",
    "existing-file.txt": b"x",
}
INVALID_UTF8 = b"\xff\xfe"

ITEM = ["item", "add", "--unit", "JGC", "--title", "问题"]
ASSIGNED = ["item", "add", "--unit", "JGC", "--title", "问题", "--person", "wu", "--days", "3"]

# (row id, arguments ({name} = a file above, {dir} = a folder, {missing} = no such path),
#  extra environment, exit code, words the one stderr line must contain)
ROWS = [
    # --- files ------------------------------------------------------------------------------
    ("plan NUL", ["campaign", "load", "{nul.yaml}"], {}, 2, ["第1行", "U+0000"]),
    ("plan U+0001", ["campaign", "load", "{soh.yaml}"], {}, 2, ["第1行", "U+0001"]),
    ("plan GBK", ["campaign", "load", "{gbk.yaml}"], {}, 2, ["UTF-8"]),
    ("plan empty", ["campaign", "load", "{empty.yaml}"], {}, 2, ["文件为空"]),
    ("plan binary", ["campaign", "load", "{binary.dat}"], {}, 2, ["UTF-8"]),
    ("plan is a folder", ["campaign", "load", "{dir}"], {}, 2, ["目录"]),
    ("plan missing", ["campaign", "load", "{missing}"], {}, 2, ["不存在"]),
    ("org NUL", ["org", "import", "{nul.csv}"], {}, 2, ["空字符"]),
    ("org GBK", ["org", "import", "{gbk.csv}"], {}, 2, ["UTF-8"]),
    ("org fake xlsx", ["org", "import", "{not-excel.xlsx}"], {}, 2, ["Excel"]),
    ("org binary", ["org", "import", "{binary.dat}"], {}, 2, ["文件类型"]),
    ("org file is a folder", ["org", "import", "{dir}"], {}, 2, ["是目录"]),
    ("doc verify of a folder", ["doc", "verify", "{dir}"], {}, 2, ["目录"]),
    ("doc preview of a file that is no PDF", ["doc", "preview", "{binary.dat}", "--out", "{dir}"], {}, 2, ["不是可读的 PDF"]),
    ("doc preview of a missing file", ["doc", "preview", "{missing}", "--out", "{dir}"], {}, 2, ["不存在"]),
    ("doc preview of files and a folder", ["doc", "preview", "{binary.dat}", "--dir", "{dir}", "--out", "{dir}"], {}, 2,
     ["只能选一"]),
    ("signing key without certificate", ["doc", "render", "--item", "LZJ2015-0001"],
     {"DUBAN_SIGN_KEY": "{existing-file.txt}"}, 2, ["DUBAN_SIGN_CERT"]),
    ("signing key not PEM", ["doc", "render", "--item", "LZJ2015-0001"],
     {"DUBAN_SIGN_KEY": "{binary.dat}", "DUBAN_SIGN_CERT": "{binary.dat}"}, 2, ["无法读取签名私钥"]),
    ("signing key missing", ["doc", "render", "--item", "LZJ2015-0001"],
     {"DUBAN_SIGN_KEY": "{missing}", "DUBAN_SIGN_CERT": "{missing}"}, 2, ["签名密钥或证书文件不存在"]),
    ("keys out is a file", ["keys", "init", "--out", "{existing-file.txt}"], {}, 2, ["不是目录"]),
    ("holidays NUL", ASSIGNED, {"DUBAN_HOLIDAYS_DIR": "{holidays-nul}"}, 2, ["节假日文件", "第1行", "U+0000"]),
    ("holidays bad date", ASSIGNED, {"DUBAN_HOLIDAYS_DIR": "{holidays-bad}"}, 2, ["节假日文件", "2015-02-30"]),
    ("holidays not a list", ASSIGNED, {"DUBAN_HOLIDAYS_DIR": "{holidays-text}"}, 2, ["节假日文件"]),
    ("holidays dir is a file", ASSIGNED, {"DUBAN_HOLIDAYS_DIR": "{existing-file.txt}"}, 2, ["节假日目录"]),
    ("evidence missing", ["--as", "wu", "item", "submit", "LZJ2015-0001", "--evidence", "{missing}"], {}, 2,
     ["佐证材料"]),
    # --- outputs ----------------------------------------------------------------------------
    ("ledger out is a folder", ["ledger", "export", "--out", "{dir}"], {}, 2, ["--out 指向目录"]),
    ("ledger out in missing folder", ["ledger", "export", "--out", "{missing}/台账.xlsx"], {}, 2, ["目录不存在"]),
    ("diagram out in missing folder", ["diagram", "--out", "{missing}/item.mmd"], {}, 2, ["目录不存在"]),
    ("diagram out is a folder", ["diagram", "--out", "{dir}"], {}, 2, ["--out 指向目录"]),
    ("doc ledger out is a file", ["doc", "ledger", "--out", "{existing-file.txt}"], {}, 2, ["不是目录"]),
    # --- arguments --------------------------------------------------------------------------
    ("title not UTF-8", [*ITEM[:-1], INVALID_UTF8], {}, 2, ["--title 的值含有无效的 UTF-8 字节"]),
    ("unit not UTF-8", ["item", "list", "--unit", INVALID_UTF8], {}, 2, ["--unit 的值含有无效的 UTF-8 字节"]),
    ("control character", [*ITEM[:-1], "问\x01题"], {}, 2, ["控制字符"]),
    ("empty title", [*ITEM[:-1], " "], {}, 2, ["不能为空"]),
    ("year 9999 today", ["--today", "9999-12-31", "item", "list", "--light", "red"], {}, 2, ["2000–2099"]),
    ("year 9999 env", ["item", "list", "--light", "red"], {"DUBAN_TODAY": "9999-12-31"}, 2, ["DUBAN_TODAY"]),
    ("sweep year 1", ["sweep", "--as-of", "0001-01-01"], {}, 2, ["0001-01-01", "2000–2099"]),
    ("sweep year 9999", ["sweep", "--as-of", "9999-12-31"], {}, 2, ["9999-12-31"]),
    ("tick 1999", ["tick", "--through", "1999-12-31"], {}, 2, ["1999-12-31"]),
    ("due 2100", [*ASSIGNED[:-2], "--due", "2100-01-01"], {}, 2, ["2100-01-01"]),
    ("days far out", [*ASSIGNED[:-1], "100000"], {}, 2, ["1–250"]),
    ("days negative", [*ASSIGNED[:-1], "-1"], {}, 2, ["1–250"]),
    ("29 February 2015", ["--today", "2015-02-29", "item", "list"], {}, 2, ["日期无效"]),
    ("huge draw id", ["draw", "show", "99999999999999999999"], {}, 2, ["不能大于"]),
    ("huge request id", ["deadline", "approve", "99999999999999999999"], {}, 2, ["不能大于"]),
    ("visit of no draw", ["inspect", "record", "7", "--unit", "JGC", "--result", "无问题"], {}, 2, ["7"]),
    ("visit outcome unknown", ["inspect", "record", "1", "--unit", "JGC", "--result", "还行"], {}, 2, ["--result"]),
    ("hotline in September", ["--today", "2015-09-10", "tip", "add", "--channel", "举报电话", "--content", "离岗"], {}, 3,
     ["举报电话", "未开放"]),
    ("huge escalation id", ["doc", "render", "--escalation", "99999999999999999999"], {}, 2, ["不能大于"]),
    ("light unknown", ["item", "list", "--light", "紫"], {}, 2, ["红灯"]),
    ("state unknown", ["item", "list", "--state", "不存在"], {}, 2, ["状态无效"]),
    ("document kind unknown", ["doc", "render", "乱写", "--item", "LZJ2015-0001"], {}, 2, ["文书种类"]),
    ("diagram format", ["diagram", "--format", "png"], {}, 2, ["png"]),
    ("negative sample", ["satisfaction", "record", "--unit", "JGC", "--method", "电话抽查", "--responses", "-5",
                         "--satisfied", "1"], {}, 2, ["样本"]),
    ("opinion source not an opinion channel", ["--as", "zhao", "opinion", "add", "--source", "举报电话", "--text", "意见",
                                               "--respondent", "群众"], {}, 2, ["意见来源无效", "座谈会"]),
    ("opinion text control character", ["--as", "zhao", "opinion", "add", "--source", "座谈会", "--text", "意\x01见",
                                        "--respondent", "群众"], {}, 2, ["控制字符"]),
    ("opinion respondent not in plan", ["--as", "zhao", "opinion", "add", "--source", "座谈会", "--text", "意见",
                                        "--respondent", "张三"], {}, 2, ["意见提出者类别无效"]),
    ("reconcile GBK CSV", ["--as", "zhao", "ledger", "reconcile", "{gbk.csv}"], {}, 2, ["不是 XLSX 文件"]),
    ("reconcile fake xlsx", ["--as", "zhao", "ledger", "reconcile", "{not-excel.xlsx}"], {}, 2, ["无法作为 XLSX"]),
    ("reconcile missing file", ["--as", "zhao", "ledger", "reconcile", "{missing}.xlsx"], {}, 2, ["文件不存在"]),
    ("opinion unknown", ["--as", "zhao", "opinion", "show", "LZJ2015-Y9999"], {}, 2, ["意见不存在"]),
    ("unknown command", ["frobnicate"], {}, 2, ["没有命令"]),
    ("unknown option", ["item", "list", "--frob"], {}, 2, ["没有选项 --frob"]),
    ("empty actor", ["--as", "", "item", "list"], {}, 2, ["操作人不能为空"]),
    ("unknown actor", ["--as", "ghost", "item", "list"], {}, 2, ["操作人不存在"]),
    # --- databases --------------------------------------------------------------------------
    ("sqlite folder missing", ["--db", "sqlite:////nonexistent-duban/x.sqlite", "item", "list"], {}, 5,
     ["无法打开数据库", "不存在"]),
    ("postgresql port closed", ["--db", "postgresql://postgres@127.0.0.1:1/duban", "item", "list"], {}, 5,
     ["无法连接数据库", "连接被拒绝"]),
    ("not initialised", ["--db", "sqlite:///{missing}.sqlite", "item", "list"], {}, 2, ["数据库尚未初始化"]),
    ("unsupported database", ["--db", "mysql://x/y", "item", "list"], {}, 2, ["不支持的数据库"]),
    ("not a URL", ["--db", "not a url", "item", "list"], {}, 2, ["数据库地址无效"]),
    # --- warnings: the command succeeds, the warning is one 注意 line ---------------------------
    ("calendar fallback", ["--today", "2099-03-02", "item", "list", "--light", "red"],
     {"DUBAN_HOLIDAYS_DIR": "{missing}"}, 0, ["注意：2099年不在 chinesecalendar"]),
]


@pytest.fixture
def hostile_files(tmp_path):
    paths = {"dir": str(tmp_path), "missing": str(tmp_path / "没有这个")}
    for name, data in FILES.items():
        path = tmp_path / "input" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        paths[name] = str(path)
        paths[name.split("/")[0]] = str(path.parent) if "/" in name else str(path)
    return paths


def _fill(value, paths: dict):
    if isinstance(value, bytes):
        return value
    for name, path in paths.items():
        value = value.replace("{" + name + "}", path)
    return value


def test_hostile_inputs_are_one_line_and_change_nothing(campaign_db, hostile_files, cli):
    # one item in work, so commands that need a record reach their checks
    assert cli(*ASSIGNED, db=campaign_db, as_user="zhao").code == 0
    assert cli("item", "start", "LZJ2015-0001", db=campaign_db, as_user="wu").code == 0
    before = dump(campaign_db)
    env = {**os.environ, "DUBAN_DB": campaign_db, "DUBAN_USER": "zhao"}
    failures = []
    for row_id, args, extra_env, code, words in ROWS:
        argv = [sys.executable, "-m", "duban", *[_fill(a, hostile_files) for a in args]]
        row_env = {**env, **{k: _fill(v, hostile_files) for k, v in extra_env.items()}}
        r = subprocess.run(argv, capture_output=True, cwd=ROOT, env=row_env, timeout=120)
        stderr = r.stderr.decode("utf-8", errors="replace")
        prefix = "错误：" if code else "注意："
        problems = []
        if r.returncode != code:
            problems.append(f"exit {r.returncode}, expected {code}")
        if stderr.count("\n") != 1 or not stderr.startswith(prefix):
            problems.append("not one line")
        problems += [f"missing {w!r}" for w in words if w not in stderr]
        if problems:
            failures.append((row_id, problems, stderr[:300]))
    assert not failures, "\n".join(map(str, failures))
    assert dump(campaign_db) == before
    assert not os.path.exists(hostile_files["missing"]) and not os.path.exists(hostile_files["missing"] + ".sqlite")
    assert len(ROWS) >= 50
