"""Release a publication: the office's act that writes what it decided to publish into a folder.

A release is numbered per campaign and writes, from ``content.public_content`` only:

* ``publicity-<campaign>-<date>.pdf``: the 公示 (``duban doc publicity``'s document);
* ``bulletin-<campaign>-<date>.pdf``: the A4 整改公开栏 for the bulletin board (same renderer);
* ``index.html`` and its pages with ``site.css``: a static site that opens from the folder;
* ``screen-<campaign>-<date>.txt``: one message a line, for the 电子显示屏's loop.

Both PDFs are registered like every report (``report_issued``). Once every file is written, one
short transaction records the ``Publication`` (items, rounds, each file's SHA-256) and its
``publication_released`` event; a release that fails before that leaves no publication.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import func, select

from duban import config, permissions
from duban.errors import BadInput, ConcurrentModification
from duban.services.common import actor, business_date
from duban.services.publication.content import public_content
from duban.wording import cn_date, templates_dir, text
from storage.models import Campaign, Publication
from storage.uow import UnitOfWork, campaign_chain

TRIGGER = "publication_released"
SITE_PAGES = ("index", "problems", "results", "rankings", "commendations")


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(templates_dir()), undefined=StrictUndefined,
                      autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["cn_date"] = cn_date
    return env


def _next_seq(uow: UnitOfWork, campaign: Campaign) -> int:
    return (uow.session.scalar(select(func.max(Publication.seq)).where(Publication.campaign_id == campaign.id))
            or 0) + 1


def _folder(uow: UnitOfWork, campaign: Campaign, out: str | Path | None, seq: int, day: dt.date) -> Path:
    if out is None:
        db_url = uow.engine.url.render_as_string(hide_password=False)
        return config.files_dir(db_url) / "publications" / campaign.code / f"{seq:03d}-{day.isoformat()}"
    folder = Path(out)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BadInput(f"输出目录须为空目录或不存在：{folder}（每期公开内容单独成一目录）")
    return folder


def _write(path: Path, data: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(data, encoding="utf-8")
    tmp.replace(path)


def write_site(folder: Path, content: dict) -> list[str]:
    """The static pages (and their stylesheet) of a release; returns the file names."""
    env = _env()
    names = []
    for page in SITE_PAGES:
        _write(folder / f"{page}.html", env.get_template(f"publication/site/{page}.html.j2").render(**content))
        names.append(f"{page}.html")
    shutil.copyfile(templates_dir() / "publication" / "site" / "site.css", folder / "site.css")
    return names + ["site.css"]


def screen_text(content: dict) -> str:
    """The 电子显示屏's loop: one message a line, no blank lines."""
    rendered = _env().get_template("publication/screen.txt.j2").render(**content)
    return "\n".join(line.strip() for line in rendered.splitlines() if line.strip()) + "\n"


def bulletin_context(content: dict) -> dict:
    campaign = content["campaign"]
    return {"issuer": campaign["issuer"], "seal_text": None,
            "title": text("publication", "bulletin_title", campaign=campaign["name"], seq=content["seq"]),
            "title_names": [campaign["name"]],
            "campaign_name": campaign["name"], "counts": content["counts"], "units": content["units"],
            "rankings": content["rankings"], "commendations": content["commendations"],
            "hotlines": content["hotlines"], "office": campaign["office"]}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def release(start_uow, login: str, *, out: str | Path | None = None, campaign: str | None = None,
            today: dt.date | None = None) -> dict:
    """Write the next publication into ``out`` (default ``<files>/publications/<campaign>/<NNN>-<date>``)."""
    from duban.services.documents import render_bulletin, render_publicity

    with start_uow() as uow:
        uow.read_only()
        camp = uow.campaigns.only_or(campaign)
        permissions.require(actor(uow, login), "publish")
        code, day = camp.code, business_date(camp, today)
        seq = _next_seq(uow, camp)
        folder = _folder(uow, camp, out, seq, day)
        content = {**public_content(uow, camp, day), "seq": seq}
    if not folder.exists():
        try:  # made here, not found: a release running at the same time cannot write into it too
            folder.mkdir(parents=True)
        except FileExistsError:
            raise BadInput(f"输出目录已被占用：{folder}") from None
    stem = f"{code}-{day.isoformat()}"
    with start_uow() as uow:
        written = render_publicity(uow, login, folder, campaign=code, today=day)
    files = {"publicity": Path(written["pdf"]).name, "bulletin": f"bulletin-{stem}.pdf",
             "screen": f"screen-{stem}.txt"}
    content["files"] = files
    content["show_owner"] = any(p["owner"] for p in content["problems"])
    with start_uow() as uow:
        render_bulletin(uow, login, folder / files["bulletin"], bulletin_context(content), campaign=code, today=day)
    _write(folder / files["screen"], screen_text(content))
    write_site(folder, content)
    digests = {path.name: _sha256(path) for path in sorted(folder.iterdir()) if path.is_file()}
    items = [p["no"] for p in content["problems"]]
    rounds = content["rankings"]["round_ids"]
    with start_uow() as uow:
        camp = uow.campaigns.get(code)
        uow.lock(campaign_chain(camp))
        who = actor(uow, login)
        if _next_seq(uow, camp) != seq:
            raise ConcurrentModification(f"第{seq}期公开内容已由他人同时发布，请重新发布")
        row = Publication(campaign_id=camp.id, seq=seq, released_on=day, actor=who.login, folder=str(folder),
                          items=items, rounds=rounds, files=digests)
        uow.session.add(row)
        uow.flush()
        uow.record(chain=campaign_chain(camp), actor=who.login, today=day, trigger=TRIGGER, campaign_id=camp.id,
                   note=f"第{seq}期", payload=publication_payload(row))
        uow.commit()
    return {"campaign": code, "seq": seq, "date": day.isoformat(), "folder": str(folder),
            "index": str(folder / "index.html"), "items": len(items), "rectified": content["counts"]["rectified"],
            "rounds": len(rounds), "commendations": len(content["commendations"]),
            "files": {kind: str(folder / name) for kind, name in files.items()}}


def publication_payload(row: Publication) -> dict:
    """What the event records of a publication, and what the audit compares with its row."""
    return {"publication": row.id, "seq": row.seq, "date": row.released_on.isoformat(), "items": list(row.items),
            "rounds": list(row.rounds), "files": dict(row.files)}


def list_publications(uow: UnitOfWork, login: str, *, campaign: str | None = None) -> list[dict]:
    uow.read_only()
    camp = uow.campaigns.only_or(campaign)
    permissions.require(actor(uow, login), "read")
    rows = uow.session.scalars(select(Publication).where(Publication.campaign_id == camp.id)
                               .order_by(Publication.seq)).all()
    return [{"seq": r.seq, "date": r.released_on.isoformat(), "actor": r.actor, "folder": r.folder,
             "items": len(r.items), "rounds": len(r.rounds), "files": sorted(r.files)} for r in rows]
