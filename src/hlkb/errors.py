"""Errors that reach the user as one line: ``path:line:col: message``."""

from __future__ import annotations


class HlkbError(Exception):
    """A problem with the user's input or environment; the CLI prints it on one line.

    ``exit_code`` is 2 for usage and input errors (docs/design.md#exit-codes).
    """

    exit_code = 2

    def __init__(self, message: str, path: str | None = None, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = str(self.path)
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        # One line, always: a message must never smuggle a newline into a log.
        return where + " ".join(self.message.split())


class InputError(HlkbError):
    """A file that cannot be read or parsed."""


class UsageError(HlkbError):
    """Bad command-line arguments."""


class IndexBusyError(HlkbError):
    """Another process holds the index."""
