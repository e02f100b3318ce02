"""State diagrams of the lifecycles (Mermaid always; SVG where Graphviz is installed)."""

from __future__ import annotations

import shutil
import subprocess

from duban.errors import BadInput


def lifecycle(name: str):
    if name == "item":
        from statemachines.item import ITEM
        return ITEM
    if name == "case":
        from statemachines.case import CASE
        return CASE
    raise BadInput(f"未知状态机：{name}（可选：item、case）")


def render_diagram(name: str, fmt: str) -> str | bytes:
    machine = lifecycle(name)
    if fmt == "mermaid":
        return machine.mermaid()
    if fmt == "dot":
        return machine.graphviz()
    if fmt == "svg":
        dot = shutil.which("dot")
        if dot is None:
            raise BadInput("未安装 Graphviz（dot），无法输出 SVG；可改用 --format mermaid")
        return subprocess.run([dot, "-Tsvg"], input=machine.graphviz().encode(), capture_output=True,
                              check=True, timeout=60).stdout
    raise BadInput(f"未知格式：{fmt}（可选：mermaid、dot、svg）")
