"""`hlkb open ID`: the record's note in your editor, at the record's line."""

from __future__ import annotations

import os
import shlex
from typing import Annotated

import typer

from hlkb.cli.commands import options as opt
from hlkb.cli.session import ensure_fresh
from hlkb.errors import UsageError
from hlkb.index import get_record


def register(app) -> None:
    app.command(
        "open",
        help="Open the note holding a record in $VISUAL or $EDITOR at the record's line "
        "(+LINE, as vi, emacs and nano take it); --print prints path:line instead.",
    )(open_command)


def open_command(
    record_id: str = typer.Argument(..., metavar="ID", help="A record id, or a unique prefix of one."),
    print_: Annotated[
        bool, typer.Option("--print", help="Print path:line (for other tools) instead of opening.")
    ] = False,
    vault: opt.Vault = None,
    db: opt.Db = None,
    no_refresh: opt.NoRefresh = False,
) -> int:
    import subprocess

    with ensure_fresh(vault, db, no_refresh) as index:
        rec = get_record(index, record_id)
        path = index.vault / rec["path"]
    line = int(rec.get("line") or 1)
    if print_:
        print(f"{path}:{line}")
        return 0
    if not path.is_file():
        raise UsageError(f"{path}: the note is no longer there (run `hlkb index`)")
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor or not editor.strip():
        raise UsageError("set $VISUAL or $EDITOR to your editor (or use --print for path:line)")
    try:
        command = shlex.split(editor)
    except ValueError as exc:
        raise UsageError(f"cannot read $VISUAL/$EDITOR {editor!r}: {exc}") from None
    try:
        return subprocess.call(command + [f"+{line}", str(path)])
    except OSError as exc:
        raise UsageError(f"cannot run the editor {command[0]!r}: {exc.strerror or exc}") from None
