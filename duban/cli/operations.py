"""Commands: see the module of the same name in duban.services."""

from __future__ import annotations

from duban.cli.app import app  # noqa: F401
