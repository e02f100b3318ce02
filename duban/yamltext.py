"""What PyYAML's reader refuses before parsing: NUL, U+0001 and other control characters.

Its ReaderError carries an English two-line message; plan files and holidays files
report it as one Chinese line naming the line and the character.
"""

from __future__ import annotations

import yaml


def unreadable_character(text: str, exc: Exception) -> tuple[int, str] | None:
    """(line, problem) for a ReaderError raised on ``text``; None for any other error."""
    if not isinstance(exc, yaml.reader.ReaderError):
        return None
    line = text[: max(exc.position, 0)].count("\n") + 1
    code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
    return line, f"含有不允许的控制字符 U+{code:04X}（请删除该字符后重新保存）"
