"""Evidence uploads: size-limited, sniffed, never stored under a name the client chose.

The upload is copied into a private temporary file (at most the limit plus one byte is
read), its first bytes must be one of the kinds an office files as evidence and agree with
the name's extension, and the client's file name is kept only as a label (its last path
segment, without control characters). The evidence service then stores it content-addressed.
"""

from __future__ import annotations

import os
import tempfile
import unicodedata
from contextlib import contextmanager
from pathlib import Path

from duban import config
from duban.errors import BadInput

CHUNK = 1024 * 1024
# kind -> (extensions, test on the first bytes)
KINDS = {
    "PDF": ((".pdf",), lambda head: head.startswith(b"%PDF-")),
    "PNG": ((".png",), lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "JPEG": ((".jpg", ".jpeg"), lambda head: head.startswith(b"\xff\xd8\xff")),
    "OFD/Office": ((".docx", ".xlsx", ".pptx", ".ofd", ".zip"), lambda head: head.startswith(b"PK\x03\x04")),
    "Office 97": ((".doc", ".xls", ".ppt", ".wps", ".et"), lambda head: head.startswith(b"\xd0\xcf\x11\xe0")),
    "文本": ((".txt", ".csv"), lambda head: b"\x00" not in head and _text(head)),
}


def _text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3  # a character cut by the sniffing window
    return True


def clean_name(name: str | None) -> str:
    """The label of an uploaded file: its last path segment, printable, at most 255 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip().lstrip(".")
    return base[:255]


def sniff(name: str, head: bytes) -> str:
    ext = Path(name).suffix.lower()
    kind = next((k for k, (exts, _) in KINDS.items() if ext in exts), None)
    allowed = "、".join(e for exts, _ in KINDS.values() for e in exts)
    if kind is None:
        raise BadInput(f"佐证材料类型不支持：{name or '（无文件名）'}（可上传 {allowed}）")
    if not KINDS[kind][1](head):
        raise BadInput(f"佐证材料内容与扩展名不符：{name} 不是 {kind} 文件")
    return kind


@contextmanager
def received(upload):
    """(temporary path, label) of a checked upload; the temporary file is removed afterwards."""
    name = clean_name(upload.filename)
    limit = config.MAX_ATTACHMENT_BYTES
    # the label's extension (checked by sniff below) tells readers such as the list import the format
    fd, tmp = tempfile.mkstemp(prefix="duban-upload-", suffix=Path(name).suffix.lower()[:10])
    try:
        size, head = 0, b""
        with os.fdopen(fd, "wb") as out:
            while chunk := upload.file.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise BadInput(f"佐证材料过大：{name} 超过上限 {limit // 1024 // 1024} MB")
                if len(head) < 512:
                    head += chunk[:512 - len(head)]
                out.write(chunk)
        if size == 0:
            raise BadInput("请选择要上传的佐证材料文件（文件不能为空）")
        sniff(name, head)
        yield Path(tmp), name
    finally:
        Path(tmp).unlink(missing_ok=True)
