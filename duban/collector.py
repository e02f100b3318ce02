"""Python's cyclic garbage collector paused for a bulk job (``paused``).

A sweep over a million items makes millions of short-lived tuples and dicts, all freed by
reference counting as soon as a batch is written; the cyclic collector nevertheless walks them
every 700 allocations and, at each of its full passes, walks the whole heap again (the
selection's million due items included): a quarter of the sweep's CPU, for the few hundred
cycles (sessions, connections) the whole job leaves behind. Paused, those wait until the job
ends, when the collector is switched back on.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def paused():
    """No cyclic garbage collection inside the block (a decorator too); the collector's state
    before it is restored after it, however it ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
