"""Sentences the software writes, read from templates so that wording stays out of Python.

* Short sentences it writes on its own (reminders, generated records): format strings in
  ``templates/text/programme.yaml`` (`reminder_text`, `text`).
* The sentences of documents: Jinja macros in ``templates/wording/*.txt.j2`` (`wording`). Context
  builders (`duban.documents.contexts` and friends) gather facts from the plan and the records; a
  macro puts them into a clerk's sentences and returns one paragraph, or one list entry per line,
  or a table as lines of tab-separated cells.
  Plain text: the document templates escape it when they print it.
"""

from __future__ import annotations

import datetime as dt
import os
from functools import lru_cache
from pathlib import Path

import yaml

TEMPLATES_ENV = "DUBAN_TEMPLATES_DIR"
SENTENCE_ENDS = "。！？；.!?;"


def templates_dir() -> Path:
    """The templates folder (``DUBAN_TEMPLATES_DIR`` overrides it); cheap: loads no renderer."""
    override = os.environ.get(TEMPLATES_ENV)
    return Path(override) if override else Path(__file__).resolve().parents[1] / "templates"


def cn_date(value: dt.date | str | None) -> str:
    """2015年10月8日: Arabic numerals, no zero padding (GB/T 9704 7.3.5); also of an ISO date string."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value) if value else None
    return "" if value is None else f"{value.year}年{value.month}月{value.day}日"


def sentence(text: str | None) -> str:
    """Text someone typed, closed as a sentence (a 。 added unless it ends with one)."""
    text = (text or "").strip()
    return text if not text or text[-1] in SENTENCE_ENDS else text + "。"


# --- templates/text/programme.yaml ----------------------------------------------------------


@lru_cache(maxsize=1)
def _texts() -> dict:
    path = templates_dir() / "text" / "programme.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def reminder_text(kind: str, **fields) -> str:
    return _texts()["reminders"][kind].format(**fields)


def text(section: str, kind: str, **fields) -> str:
    return _texts()[section][kind].format(**fields)


# --- templates/wording/*.txt.j2 ---------------------------------------------------------------


class Wording:
    """The macros of one wording template: ``say("decision", subject=…)`` → one paragraph,
    ``lines("requirements", …)`` → its non-empty lines (list entries), ``rows("table_x", …)`` →
    those lines split at tabs (a table's title, headings and rows)."""

    def __init__(self, folder: Path, name: str):
        from jinja2 import Environment, FileSystemLoader, StrictUndefined

        env = Environment(loader=FileSystemLoader(folder), autoescape=False, undefined=StrictUndefined)
        env.filters.update(cn_date=cn_date, sentence=sentence)
        self._module = env.get_template(f"{name}.txt.j2").module

    def say(self, macro: str, **facts) -> str:
        return str(getattr(self._module, macro)(**facts)).strip()

    def lines(self, macro: str, **facts) -> list[str]:
        return [line.strip() for line in self.say(macro, **facts).splitlines() if line.strip()]

    def rows(self, macro: str, **facts) -> list[list[str]]:
        return [line.split("\t") for line in self.say(macro, **facts).splitlines() if line.strip()]


@lru_cache(maxsize=32)
def _wording(folder: str, name: str) -> Wording:
    return Wording(Path(folder), name)


def wording(name: str) -> Wording:
    """The macros of ``templates/wording/<name>.txt.j2`` (parsed once per process)."""
    return _wording(str(templates_dir() / "wording"), name)
