"""Evidence files: stored once by SHA-256 outside the database row."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from pathlib import Path

from duban import config
from duban.errors import BadInput
from storage.models import Attachment, ProblemItem
from storage.uow import UnitOfWork, campaign_chain


def store_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256


def attach(uow: UnitOfWork, who, item: ProblemItem, path: Path, today: dt.date) -> Attachment:
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"佐证材料文件不存在：{path}")
    size = path.stat().st_size
    if size > config.MAX_ATTACHMENT_BYTES:
        raise BadInput(f"佐证材料过大：{path.name} {size // 1024 // 1024} MB，上限 {config.MAX_ATTACHMENT_BYTES // 1024 // 1024} MB")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    root = config.files_dir(str(uow.engine.url.render_as_string(hide_password=False))) / "evidence"
    target = store_path(root, digest)
    if not target.exists():
        # Content-addressed and written atomically: a failed transaction leaves at
        # most an unreferenced file, never a half-written one.
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    att = Attachment(item=item, sha256=digest, size=size, filename=path.name[:255], uploaded_by_id=who.id)
    uow.session.add(att)
    uow.flush()
    uow.record(chain=campaign_chain(item.campaign), actor=who.login, today=today, trigger="attach",
               item=item, campaign_id=item.campaign_id, note=path.name,
               payload={"sha256": digest, "size": size, "filename": path.name})
    return att
