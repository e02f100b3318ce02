"""Sentences the software writes on its own (reminders, generated records), read from
``templates/text/programme.yaml`` so that wording stays out of Python."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import yaml


@lru_cache(maxsize=1)
def _texts() -> dict:
    # the same folder duban.documents.render.templates_dir() names, without loading WeasyPrint
    root = os.environ.get("DUBAN_TEMPLATES_DIR") or Path(__file__).resolve().parents[1] / "templates"
    path = Path(root) / "text" / "programme.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def reminder_text(kind: str, **fields) -> str:
    return _texts()["reminders"][kind].format(**fields)


def text(section: str, kind: str, **fields) -> str:
    return _texts()[section][kind].format(**fields)
