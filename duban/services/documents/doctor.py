"""`duban doctor`: what documents will look like on this machine, and what to fix."""

from __future__ import annotations

import ctypes.util
import importlib.metadata
import os
import shutil
from pathlib import Path

from duban import config

# --- duban doctor ------------------------------------------------------------------------------


def doctor(db_url: str) -> dict:
    """What documents will look like on this machine, and what to fix (never raises)."""
    from duban.documents.fonts import ROLES, resolve_fonts

    checks: list[dict] = []

    def check(name: str, value: str, advice: str | None = None) -> None:
        checks.append({"check": name, "value": value, "ok": advice is None, "advice": advice})

    for role, found in resolve_fonts().items():
        label = ROLES[role].label
        if found.file is None:
            check(f"字体 {label}", "未找到任何可用字体",
                  f"安装 fonts-noto-cjk 等中文字体，或设置 DUBAN_FONT_{role.upper()} 指向已安装的字体")
        elif found.is_fallback:
            check(f"字体 {label}", f"{found.resolved_family}（{found.file}）——替代字体，首选 {found.requested} 未安装",
                  f"安装 {found.requested}，或设置 DUBAN_FONT_{role.upper()}=已安装的字体名称")
        else:
            check(f"字体 {label}", f"{found.resolved_family}（{found.file}）")
    harfbuzz = ctypes.util.find_library("harfbuzz-subset")
    check("HarfBuzz 字体子集库", harfbuzz or "未安装",
          None if harfbuzz else "apt-get install libharfbuzz-subset0（否则每份文书需 10 秒以上）")
    try:
        check("WeasyPrint", importlib.metadata.version("weasyprint"))
    except importlib.metadata.PackageNotFoundError:
        check("WeasyPrint", "未安装", "pip install weasyprint")
    _check_database(db_url, check)
    files = config.files_dir(db_url)
    writable = _writable(files)
    check("文件目录", str(files), None if writable else f"确保目录 {files} 可创建且可写（或设置 DUBAN_FILES）")
    dot = shutil.which("dot")
    check("Graphviz", dot or "未安装", None if dot else "apt-get install graphviz（duban diagram --format svg 需要）")
    return {"checks": checks, "warnings": sum(not c["ok"] for c in checks)}


def _check_database(db_url: str, check) -> None:
    from sqlalchemy.engine import make_url

    from storage.migrate import current_revision, head_revision

    try:
        shown = make_url(db_url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - doctor reports, never fails
        shown = db_url
    check("数据库", shown)
    try:
        current, head = current_revision(db_url), head_revision()
    except Exception as error:  # noqa: BLE001
        check("数据库结构版本", getattr(error, "message", f"无法连接（{type(error).__name__}）"),
              "检查 --db / DUBAN_DB，或运行 duban init 建库")
        return
    if current == head:
        check("数据库结构版本", f"{current}（最新）")
    else:
        check("数据库结构版本", f"{current or '未初始化'}，最新为 {head}", "运行 duban init 建库或升级")


def _writable(folder: Path) -> bool:
    probe = folder
    while not probe.exists():
        probe = probe.parent
    return os.access(probe, os.W_OK)
