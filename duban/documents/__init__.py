"""Campaign documents: 公文 (GB/T 9704-2012) and forms rendered to PDF.

    from duban.documents import DocumentRenderer, sample_context
    pdf = DocumentRenderer().render("rectification_notice", sample_context("rectification_notice"))

The database-free core: callers pass plain dicts (see `kinds` for the fields).
Importing this package is cheap; WeasyPrint and matplotlib load on first use.
"""

from duban.documents.fonts import Resolution, resolve_fonts
from duban.documents.kinds import KINDS, Kind, get_kind
from duban.documents.samples import sample_context

__all__ = ["KINDS", "DocumentRenderer", "Kind", "Resolution", "get_kind", "render_many",
           "resolve_fonts", "sample_context"]


def __getattr__(name):
    # Lazy: WeasyPrint + matplotlib cost ~1 s to import, the CLI should not pay it.
    if name in ("DocumentRenderer", "render_many", "BatchRenderError", "write_atomically"):
        from duban.documents import render
        return getattr(render, name)
    raise AttributeError(name)
