"""duban command line: thin wrappers over the services.

Exit codes: 0 ok, 1 internal error, 2 bad input, 3 rule violation, 4 concurrent
modification, 5 database unreachable. Errors are one Simplified Chinese line on stderr,
warnings one line each ("注意：…"). Heavy libraries (Prefect, WeasyPrint, pydantic plans,
SQLAlchemy) are imported only by the commands that use them.
"""

from __future__ import annotations

import os
import sys
import warnings
from functools import lru_cache

from duban.cli.app import app, state  # noqa: F401  (re-exported for tests)
from duban.errors import DubanError, NotInitialised, PermissionDenied, UnknownActor

INTERRUPTED = "已中断，未提交的更改已撤销"


@lru_cache(maxsize=1)
def command_tree():
    """The Click command tree of every registered command, with Chinese help pages."""
    import typer.main

    from duban.cli.usage import localise

    root = typer.main.get_command(app)
    localise(root)
    return root


def run(args: list[str]) -> int:
    """Run one command line; usage mistakes raise, everything else is the command's."""
    from duban.cli.usage import normalise

    state.where = "duban"
    args, state.where = normalise(command_tree(), args)
    code = command_tree().main(args=args, prog_name="duban", standalone_mode=False)
    return code if isinstance(code, int) else 0


def main() -> None:
    import typer

    from duban.cli.usage import UsageMistake, usage_message

    warnings.showwarning = _one_line_warning
    try:
        sys.exit(run(sys.argv[1:]))
    except typer.Abort:
        print(INTERRUPTED, file=sys.stderr)
        sys.exit(130)
    except UsageMistake as exc:
        _usage_error(exc.message, exc.where, exc.exit_code)
    except typer.TyperException as exc:  # Click's usage errors (exit 2) and friends
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx is not None and ctx.command_path else state.where
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
            print(ctx.get_help())
        _usage_error(usage_message(exc), where, exc.exit_code)
    except DubanError as exc:
        if isinstance(exc, (PermissionDenied, UnknownActor)):
            _log_denial(exc)
        print(f"错误：{exc.message}".replace("\n", " "), file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # the last line of defence: still one line, exit 1
        if os.environ.get("DUBAN_DEBUG"):
            raise
        _explain_schema_lag(exc)
        print(f"内部错误：{type(exc).__name__}: {exc}（设置 DUBAN_DEBUG=1 查看详情）".replace("\n", " "),
              file=sys.stderr)
        sys.exit(1)


def _explain_schema_lag(exc: Exception) -> None:
    """A database statement that failed on an older (or newer) schema: say so, exit 2."""
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is None or not isinstance(exc, sa_exc.DBAPIError) or state.settings is None:
        return
    from storage.migrate import schema_lag

    lag = schema_lag(state.settings.db_url)
    if lag:
        print(f"错误：{lag}", file=sys.stderr)
        sys.exit(NotInitialised.exit_code)


def _usage_error(message: str, where: str, code: int) -> None:
    print(f"错误：命令用法不对：{message}（见 {where} --help）".replace("\n", " "), file=sys.stderr)
    sys.exit(code)


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """duban's own warnings as one Chinese line; other libraries' only with DUBAN_DEBUG."""
    ours = category.__module__.split(".")[0] == "duban"
    if ours or os.environ.get("DUBAN_DEBUG"):
        text = str(message) if ours else f"{category.__name__}: {message}"
        print(f"注意：{text}".replace("\n", " "), file=sys.stderr)


def _log_denial(exc: DubanError) -> None:
    """Refusals are part of the audit trail, written after the refused change rolled back."""
    if state.settings is None:
        return
    try:
        from duban.services.security import record_denial

        record_denial(state.settings.db_url, state.settings.actor, exc.message, state.command)
    except Exception:  # logging a refusal must never mask the refusal itself
        pass
