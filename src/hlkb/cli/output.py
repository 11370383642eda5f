"""One set of output options for every command (modelled on sqlite-utils).

stdout carries data only; messages, warnings and progress go to stderr.
``--json`` writes one JSON array, ``--jsonl`` one record a line, otherwise a rich view.
"""

from __future__ import annotations

import codecs
import io
import os
import sys
from contextlib import contextmanager
from typing import Callable, Iterable, TextIO

from hlkb.cli.escape import CONTROL_CHARS, terminal_safe
from hlkb.errors import UsageError
from hlkb.export.formats import get_format, write_records

_stdout_console = None
_stderr_console = None


class OutputError(Exception):
    """stdout cannot take the output (a full disk, a quota, an I/O error). Not an HlkbError,
    so no per-file ``except HlkbError`` in a command swallows it."""


def _escape_unencodable(exc: UnicodeError):
    """Text stdout's encoding cannot hold (PYTHONIOENCODING=ascii, or a file name's
    undecodable byte) becomes \\uXXXX escapes: the same text for people, and inside a
    JSON string a valid JSON escape of the same character (surrogate pairs above U+FFFF)."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = []
    for ch in exc.object[exc.start : exc.end]:
        code = ord(ch)
        if code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out), exc.end


codecs.register_error("hlkb-escape", _escape_unencodable)


class _StdoutFile(io.FileIO):
    """fd 1, whose write errors (other than a closed pipe) become OutputError."""

    def write(self, data):
        try:
            return super().write(data)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputError(exc.strerror or str(exc)) from None


def configure_streams() -> None:
    """For the console script: stdout writes through _StdoutFile, and both streams escape
    what their encoding cannot hold instead of raising."""
    try:
        sys.stderr.reconfigure(errors="hlkb-escape")
    except (AttributeError, ValueError):
        pass
    old = sys.stdout
    try:
        fd = old.fileno()
        old.flush()
    except (AttributeError, OSError, ValueError):
        return
    raw = _StdoutFile(fd, "w", closefd=False)
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(raw), encoding=old.encoding, errors="hlkb-escape", line_buffering=old.line_buffering
    )


def silence_stdout() -> None:
    """After stdout failed (closed pipe, full disk): send what is still buffered, and any
    later write, to /dev/null, so nothing fails again at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):
        pass


def stdout_console():
    global _stdout_console
    if _stdout_console is None or _stdout_console.file is not sys.stdout:
        from rich.console import Console

        _stdout_console = Console(file=sys.stdout, highlight=False, soft_wrap=False)
    return _stdout_console


def stderr_console():
    global _stderr_console
    if _stderr_console is None or _stderr_console.file is not sys.stderr:
        from rich.console import Console

        _stderr_console = Console(file=sys.stderr, highlight=False, soft_wrap=True)
    return _stderr_console


def message(text: str) -> None:
    """A plain one-line message on stderr (never markup-parsed)."""

    try:
        print(terminal_safe(text), file=sys.stderr)
    except (OSError, ValueError):
        pass  # stderr itself is gone or full: there is no one left to tell


class TerminalSafeWriter:
    """A text stream onto a terminal that shows control characters in what is written as
    visible escapes instead of letting the terminal act on them (an OSC 8 link, a clear
    screen, a CR that overwrites the line). For data formats shown on a TTY (`export`):
    ``json_escapes`` writes them as \\u00XX, which a JSON reader turns back into the same
    text (json already escapes C0 controls; this adds DEL, C1 and bidi overrides). A CRLF
    line end (CSV) is shown as a plain line end."""

    def __init__(self, out: TextIO, json_escapes: bool = False):
        self.out = out
        self.json_escapes = json_escapes

    def write(self, text: str) -> int:

        shown = text.replace("\r\n", "\n")
        if self.json_escapes:
            shown = CONTROL_CHARS.sub(lambda m: f"\\u{ord(m.group(0)):04x}", shown)
        else:
            shown = terminal_safe(shown)
        self.out.write(shown)
        return len(text)

    def flush(self) -> None:
        self.out.flush()

    def isatty(self) -> bool:
        return True


# the formats a command that prints records offers unless it says otherwise
RECORD_FORMATS = ("json", "jsonl")


def output_format(
    json_: bool = False,
    jsonl: bool = False,
    format_: str | None = None,
    choices: tuple[str, ...] = RECORD_FORMATS,
    **aliases: bool,
) -> str:
    """The format chosen by ``--format NAME`` or one of its aliases (``--json``, ``--jsonl``,
    and a command's own, e.g. ``tsv=True`` for ``--tsv``); "table" (the terminal view) when
    none is given. Two different choices are a usage error."""
    chosen = {name for name, on in (("json", json_), ("jsonl", jsonl), *aliases.items()) if on}
    if format_ is not None:
        key = format_.strip().lower()
        if key != "table" and key not in choices:
            raise UsageError(f"--format must be one of table, {', '.join(choices)}, not {format_!r}")
        chosen.add("table" if key == "table" else get_format(key).name)
    if len(chosen) > 1:
        raise UsageError("choose one output format: " + ", ".join(f"--format {c}" for c in sorted(chosen)))
    return chosen.pop() if chosen else "table"


def emit(
    records: Iterable[dict], fmt: str, render: Callable[[list[dict]], None] | None = None, out: TextIO | None = None
) -> int:
    """Write records in the chosen format (hlkb.export.formats); ``render`` draws the
    terminal view ("table")."""
    out = out or sys.stdout
    if fmt != "table":
        return write_records(fmt, records, out)
    recs = list(records)
    if render is not None:
        render(recs)
    else:
        write_records("jsonl", recs, out)
    return len(recs)


@contextmanager
def progress(total: int | None, description: str, enabled: bool | None = None):
    """A rich progress bar on stderr when it is a terminal; a no-op advance() otherwise."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield lambda n=1: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=stderr_console(),
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)
