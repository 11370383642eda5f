"""Reporters: each turns a stream of diagnostics into one output format (the checker knows none of them)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TextIO

from hlkb.cli.display import terminal_safe
from hlkb.cli.output import stderr_console
from hlkb.errors import UsageError
from hlkb.export.jsonout import dumps
from hlkb.model import Diagnostic


class Reporter:
    """Receives every diagnostic as found, then the totals; writes to ``out``."""

    def __init__(self, out: TextIO | None = None):
        self.out = out or sys.stdout

    def report(self, diagnostic: Diagnostic) -> None:
        raise NotImplementedError

    def finish(self, files: int, errors: int, warnings: int) -> None:
        return None


class TextReporter(Reporter):
    """``path:line:col: CODE message`` a line (warnings end in ``(warning)``); a rich summary on a TTY."""

    def __init__(self, out: TextIO | None = None, summary: bool | None = None):
        super().__init__(out)
        self.summary = sys.stderr.isatty() if summary is None else summary

    def report(self, diagnostic: Diagnostic) -> None:

        line = terminal_safe(str(diagnostic))
        if diagnostic.severity == "warning":
            line += " (warning)"
        self.out.write(line + "\n")

    def finish(self, files: int, errors: int, warnings: int) -> None:
        if not self.summary:
            return
        from rich.text import Text

        text = Text()
        text.append(f"{files} file{'s' * (files != 1)} checked: ")
        text.append(f"{errors} error{'s' * (errors != 1)}", style="bold red" if errors else "green")
        text.append(", ")
        text.append(f"{warnings} warning{'s' * (warnings != 1)}", style="yellow" if warnings else "green")
        stderr_console().print(text)


class JsonReporter(Reporter):
    """One JSON array of diagnostic records, streamed."""

    def __init__(self, out: TextIO | None = None):
        super().__init__(out)
        self.count = 0

    def report(self, diagnostic: Diagnostic) -> None:

        self.out.write(",\n" if self.count else "[\n")
        self.out.write(dumps(diagnostic.to_record()))
        self.count += 1

    def finish(self, files: int, errors: int, warnings: int) -> None:
        self.out.write("\n]\n" if self.count else "[]\n")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReporter(Reporter):
    """GitHub Actions workflow commands: ``::error file=…,line=…,col=…,title=CODE::message``."""

    def report(self, diagnostic: Diagnostic) -> None:
        level = "warning" if diagnostic.severity == "warning" else "error"
        self.out.write(
            f"::{level} file={_escape_property(diagnostic.path)},line={diagnostic.line},"
            f"col={diagnostic.column},title={_escape_property(diagnostic.code)}::"
            f"{_escape_data(diagnostic.code + ' ' + diagnostic.message)}\n"
        )


REPORTERS = {"text": TextReporter, "json": JsonReporter, "github": GithubReporter}


def make_reporter(fmt: str, out: TextIO | None = None) -> Reporter:

    try:
        return REPORTERS[fmt](out)
    except KeyError:
        raise UsageError(f"--format must be one of {', '.join(REPORTERS)}, not {fmt!r}") from None


def write_all(diagnostics: Iterable[Diagnostic], reporter: Reporter) -> None:
    for d in diagnostics:
        reporter.report(d)
