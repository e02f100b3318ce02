"""duban command line: thin wrappers over the services.

Exit codes: 0 ok, 1 internal error, 2 bad input, 3 rule violation, 4 concurrent
modification. Errors are one Simplified Chinese line on stderr. Heavy libraries
(Prefect, WeasyPrint, pydantic plans) are imported only by the commands that use them.
"""

from __future__ import annotations

import os
import sys

from duban.cli.app import app, state  # noqa: F401  (re-exported for tests)
from duban.errors import DubanError, PermissionDenied


def main() -> None:
    import typer

    try:
        # Not standalone: Click would print usage errors as an English box and turn
        # Ctrl-C into "Aborted!"; here every failure becomes one Chinese line.
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except typer.Abort:
        print("已中断，未提交的更改已撤销", file=sys.stderr)
        sys.exit(130)
    except typer.TyperException as exc:  # Click's usage errors (exit 2) and friends
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path.replace(ctx.find_root().info_name or "duban", "duban", 1) if ctx else "duban"
        message = exc.format_message().replace("\n", " ") or "缺少子命令"
        print(f"错误：命令用法不对：{message}（见 {where} --help）", file=sys.stderr)
        sys.exit(exc.exit_code)
    except DubanError as exc:
        if isinstance(exc, PermissionDenied):
            _log_denial(exc)
        print(f"错误：{exc.message}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("已中断，未提交的更改已撤销", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # the last line of defence: still one line, exit 1
        if os.environ.get("DUBAN_DEBUG"):
            raise
        print(f"内部错误：{type(exc).__name__}: {exc}（设置 DUBAN_DEBUG=1 查看详情）".replace("\n", " "),
              file=sys.stderr)
        sys.exit(1)


def _log_denial(exc: PermissionDenied) -> None:
    """Refusals are part of the audit trail, written after the refused change rolled back."""
    if state.settings is None:
        return
    try:
        from duban.services.security import record_denial

        record_denial(state.settings.db_url, state.settings.actor, exc.message, state.command)
    except Exception:  # logging a refusal must never mask the refusal itself
        pass
