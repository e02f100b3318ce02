"""Process pools whose workers die with the process that started them.

A ``ProcessPoolExecutor`` worker waits on a queue whose write end it holds itself, so
it never sees its parent go: after a SIGKILL of ``duban doc batch`` the workers, the
forkserver they came from and multiprocessing's resource tracker stayed behind. Here:

* ``spawn``, not ``forkserver``: workers are direct children of the caller (a clean
  interpreter, no inherited connections or threads) and no forkserver is left to orphan;
* each worker asks the kernel for SIGKILL when its parent dies (``PR_SET_PDEATHSIG``,
  Linux), and also watches the parent itself (a pidfd, else polling ``getppid``) in a
  daemon thread, so a parent that died before the worker was watching is seen too.
  The kernel signal fires when the *thread* that started the worker ends: use the pool in
  a ``with`` block in one thread (workers start on ``submit``, in the submitting thread);
* the resource tracker exits by itself once every process holding its pipe is gone,
  i.e. when the caller and its workers are.

Callers need the usual ``if __name__ == "__main__":`` guard in scripts (spawn re-imports
the main module).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import select
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Callable

PR_SET_PDEATHSIG = 1
ORPHAN_EXIT = 70  # exit status of a worker that found its parent gone


def worker_pool(workers: int, initializer: Callable, initargs: tuple = ()) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes, each running ``initializer(*initargs)`` first."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(os.getpid(), initializer, initargs))


def _start_worker(parent_pid: int, initializer: Callable, initargs: tuple) -> None:
    die_with_parent(parent_pid)
    initializer(*initargs)


def die_with_parent(parent_pid: int) -> None:
    """End this process as soon as ``parent_pid`` (our parent) is gone."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the watch thread alone does it
            pass
    pidfd = None
    if hasattr(os, "pidfd_open"):
        try:
            pidfd = os.pidfd_open(parent_pid)
        except OSError:  # already gone, or a kernel without pidfds
            pidfd = None
    # Checked after arming both: a parent that died before that is caught here.
    if os.getppid() != parent_pid:
        os._exit(ORPHAN_EXIT)
    threading.Thread(target=_watch, args=(parent_pid, pidfd), name="parent-watch", daemon=True).start()


def _watch(parent_pid: int, pidfd: int | None) -> None:
    if pidfd is not None:
        select.select([pidfd], [], [])  # a pidfd becomes readable when the process exits
    else:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
    os._exit(ORPHAN_EXIT)
