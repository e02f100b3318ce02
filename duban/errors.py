"""Error hierarchy shared by every layer.

Each error carries the process exit code the CLI uses and a one-line
Simplified Chinese message meant for the operator.
"""


class DubanError(Exception):
    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadInput(DubanError):
    """Malformed or unknown input: files, dates, names. Exit 2."""

    exit_code = 2


class NotFound(BadInput):
    """A referenced campaign, unit, person, item… does not exist. Exit 2."""


class RuleViolation(DubanError):
    """Illegal transition, guard failure, permission or separation of duties. Exit 3."""

    exit_code = 3


class PermissionDenied(RuleViolation):
    """The acting person's roles do not allow the action. Exit 3."""


class IntegrityFailure(RuleViolation):
    """The audit chain or a document hash does not verify. Exit 3."""


class ConcurrentModification(DubanError):
    """Someone else changed the record first (optimistic lock lost). Exit 4."""

    exit_code = 4


class StaleRecord(ConcurrentModification):
    """A row changed since this transaction read it (its version moved on). Exit 4."""


class NotInitialised(BadInput):
    """The database has no schema yet (or an older one): run ``duban init``. Exit 2."""


class UnknownActor(NotFound):
    """``--as`` names nobody (or is empty). Exit 2, and logged like a refusal."""


class AlreadyIssued(RuleViolation):
    """The document was issued before; a correction is a reissue. Exit 3."""


class DatabaseUnavailable(DubanError):
    """The database cannot be opened or reached (missing folder, server down). Exit 5."""

    exit_code = 5


class OutsideCampaignWarning(UserWarning):
    """The business date lies outside the campaign's dates (forgotten DUBAN_TODAY?)."""


def read_named_file(path) -> bytes:
    """The bytes of a file the user named, or BadInput saying in one line why it cannot be read."""
    from pathlib import Path

    path = Path(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"文件不存在：{path}") from None
    except IsADirectoryError:
        raise BadInput(f"这是目录，不是文件：{path}") from None
    except OSError as error:
        raise BadInput(f"无法读取文件：{path}（{error.strerror or error}）") from None
