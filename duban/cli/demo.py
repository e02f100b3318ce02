"""duban demo: the whole reference campaign, day by day, into a folder."""

from __future__ import annotations

from duban.cli.app import app  # noqa: F401
