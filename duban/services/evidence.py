"""Evidence files: stored once by SHA-256 outside the database row.

Only regular files are taken. A path naming a directory, a device, a FIFO or a socket
is bad input before anything is opened (a device such as /dev/zero is never read, a
FIFO never waited on); the file is then opened without blocking and checked again on
the open descriptor, so a path swapped meanwhile cannot slip through. At most the size
limit plus one byte is ever read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
import tempfile
from pathlib import Path

from duban import config
from duban.errors import BadInput
from storage.models import Attachment, ProblemItem
from storage.uow import UnitOfWork, item_chain

CHUNK = 1024 * 1024
KINDS = ((stat.S_ISDIR, "目录"), (stat.S_ISCHR, "字符设备文件"), (stat.S_ISBLK, "块设备文件"),
         (stat.S_ISFIFO, "命名管道"), (stat.S_ISSOCK, "套接字"))


def store_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256


def _refuse_unless_regular(path: Path, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in KINDS if test(mode)), "特殊文件")
    raise BadInput(f"佐证材料须是普通文件，{path} 是{kind}")


def _too_large(path: Path, size: int) -> BadInput:
    limit = config.MAX_ATTACHMENT_BYTES
    return BadInput(f"佐证材料过大：{path.name} {size / 1024 / 1024:.1f} MB，上限 {limit // 1024 // 1024} MB")


def _copy_into_store(path: Path, root: Path) -> tuple[str, int]:
    """Hash and copy a regular file into the store; returns (sha256, size)."""
    try:
        _refuse_unless_regular(path, path.stat().st_mode)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except FileNotFoundError:
        raise BadInput(f"佐证材料文件不存在：{path}") from None
    except PermissionError:
        raise BadInput(f"无权读取佐证材料文件：{path}") from None
    except OSError as exc:
        raise BadInput(f"无法读取佐证材料文件：{path}（{exc.strerror}）") from None
    root.mkdir(parents=True, exist_ok=True)
    tmp = None
    try:
        info = os.fstat(fd)
        _refuse_unless_regular(path, info.st_mode)
        if info.st_size > config.MAX_ATTACHMENT_BYTES:
            raise _too_large(path, info.st_size)
        digest, size = hashlib.sha256(), 0
        # Content-addressed and written atomically: a failed transaction leaves at
        # most an unreferenced file, never a half-written one.
        out_fd, tmp = tempfile.mkstemp(dir=root, prefix=".tmp-")
        with os.fdopen(out_fd, "wb") as out:
            while chunk := os.read(fd, CHUNK):
                size += len(chunk)
                if size > config.MAX_ATTACHMENT_BYTES:  # grew after fstat
                    raise _too_large(path, size)
                digest.update(chunk)
                out.write(chunk)
        sha = digest.hexdigest()
        target = store_path(root, sha)
        if target.exists():
            os.unlink(tmp)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, target)
        tmp = None
        return sha, size
    finally:
        os.close(fd)
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def attach(uow: UnitOfWork, who, item: ProblemItem, path: Path, today: dt.date,
           filename: str | None = None) -> Attachment:
    """Store one file as evidence of the item; ``filename`` names an upload kept under another name."""
    att = store(uow, who, item, path, filename)
    record_stored(uow, who, item, att, today)
    return att


def store(uow: UnitOfWork, who, item: ProblemItem, path: Path, filename: str | None = None) -> Attachment:
    """The file in the store and its row (inserted, so it has an id), without its event: a writer
    that locks the item's chain late stores its files first and records them with ``record_stored``."""
    path = Path(path)
    filename = (filename or path.name)[:255]
    root = config.files_dir(str(uow.engine.url.render_as_string(hide_password=False))) / "evidence"
    digest, size = _copy_into_store(path, root)
    att = Attachment(item=item, sha256=digest, size=size, filename=filename, uploaded_by_id=who.id)
    uow.session.add(att)
    uow.flush()
    return att


def record_stored(uow: UnitOfWork, who, item: ProblemItem, att: Attachment, today: dt.date) -> None:
    """The ``attach`` event of a stored file, in the item's chain."""
    uow.record(chain=item_chain(item), actor=who.login, today=today, trigger="attach",
               item=item, campaign_id=item.campaign_id, note=att.filename,
               payload={"attachment": att.id, "sha256": att.sha256, "size": att.size, "filename": att.filename})
