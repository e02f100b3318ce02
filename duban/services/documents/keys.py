"""The issuing office's signing key: a self-signed one to try signing out (``duban keys init``)."""

from __future__ import annotations

from pathlib import Path

from duban import permissions
from duban.documents import planfacts, signing
from duban.services.common import actor
from duban.services.documents.issuing import files_root
from storage.uow import UnitOfWork


def init_keys(uow: UnitOfWork, login: str, *, name: str | None = None, organisation: str | None = None,
              out: str | Path | None = None, force: bool = False, campaign: str | None = None) -> dict:
    """Key and self-signed certificate named after the office (default: the plan's office and 署名).

    Written to ``<files>/keys`` (then every document issued afterwards is signed), or to ``out``
    for an office that points DUBAN_SIGN_KEY / DUBAN_SIGN_CERT at them itself."""
    permissions.require(actor(uow, login), "keys.init")
    if not (name and name.strip() and organisation and organisation.strip()):
        names = planfacts.names(uow.campaigns.only_or(campaign))
        name = (name or "").strip() or names["office"]
        organisation = (organisation or "").strip() or names["signature"]
    default_dir = signing.keys_dir(files_root(uow))
    out_dir = Path(out) if out else default_dir
    result = signing.make_self_signed(out_dir, name.strip(), organisation.strip(), force=force)
    return {**result, "signs_documents": out_dir.resolve() == default_dir.resolve()}
