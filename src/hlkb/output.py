"""One set of output options for every command (modelled on sqlite-utils).

stdout carries data only; messages, warnings and progress go to stderr.
``--json`` writes one JSON array, ``--jsonl`` one record a line, otherwise a rich view.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from typing import Callable, Iterable, TextIO

_stdout_console = None
_stderr_console = None


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
    from hlkb.display import terminal_safe

    print(terminal_safe(text), file=sys.stderr)


def dumps(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, default=str)


def write_json_array(records: Iterable[dict], out: TextIO) -> int:
    """Stream records as one JSON array (constant memory). Returns the count."""
    n = 0
    out.write("[")
    for rec in records:
        out.write(",\n" if n else "\n")
        out.write(dumps(rec))
        n += 1
    out.write("\n]\n" if n else "]\n")
    return n


def write_jsonl(records: Iterable[dict], out: TextIO) -> int:
    n = 0
    for rec in records:
        out.write(dumps(rec))
        out.write("\n")
        n += 1
    return n


def output_format(json_: bool = False, jsonl: bool = False) -> str:
    from hlkb.errors import UsageError

    if json_ and jsonl:
        raise UsageError("choose one of --json and --jsonl")
    return "json" if json_ else "jsonl" if jsonl else "table"


def emit(records: Iterable[dict], fmt: str, render: Callable[[list[dict]], None] | None = None,
         out: TextIO | None = None) -> int:
    """Write records in the chosen format; ``render`` draws the human view."""
    out = out or sys.stdout
    if fmt == "json":
        return write_json_array(records, out)
    if fmt == "jsonl":
        return write_jsonl(records, out)
    recs = list(records)
    if render is not None:
        render(recs)
    else:
        write_jsonl(recs, out)
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

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=stderr_console(), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)
