"""`hlkb claims [FILE...] [--check]`: claims with their figures and sources; `--check`
compares the figures of aligned English/Chinese pairs and exits 1 on a mismatch."""

from __future__ import annotations

import sys
from typing import Annotated, List, Optional

import typer

from hlkb.claims import check_note
from hlkb.cli.commands import options as opt
from hlkb.cli.display import records_by_path, rich_text, terminal_safe
from hlkb.cli.output import emit, message, output_format, stdout_console
from hlkb.errors import HlkbError
from hlkb.pipeline import parse_and_analyze
from hlkb.vault import expand_paths, iter_note_files, resolve_vault

Check = Annotated[
    bool,
    typer.Option(
        "--check",
        help="Compare figures across aligned English/Chinese pairs; print each mismatch "
        "as path:line and exit 1 when any is found.",
    ),
]


def register(app) -> None:
    app.command(
        "claims",
        help="Claims (sentences stating figures or attributed to a source, and "
        "researcher-written claims), with figures; --check compares figures "
        "across languages.",
    )(claims_command)


def claims_command(
    files: Optional[List[str]] = typer.Argument(None, help="Note files or folders (default: every note of the vault)."),
    check: Check = False,
    vault: opt.Vault = None,
    json_: opt.Json = False,
    jsonl: opt.Jsonl = False,
    format_: opt.Format = None,
) -> int:

    fmt = output_format(json_, jsonl, format_)
    failed = 0
    mismatches: list[str] = []
    # Findings go to stdout when they are the output (no --json/--jsonl), else to stderr
    # so that stdout stays one JSON document.
    findings_out = sys.stdout if fmt == "table" else sys.stderr

    def records():
        nonlocal failed
        for source, shown in _note_sources(files, vault, _on_missing):
            try:
                note = _analyze(source, shown)
            except HlkbError as exc:
                failed += 1
                message(f"hlkb: {exc}")
                continue
            if check:
                for m in check_note(note):
                    line = m.describe(note.path)
                    mismatches.append(line)
                    if fmt != "table":
                        print(_safe(line), file=findings_out)
            for claim in note.claims:
                yield claim.to_record()

    def _on_missing(shown: str) -> None:
        nonlocal failed
        failed += 1
        message(f"hlkb: {shown}: no such file")

    if check and fmt == "table":
        # A linter's view: the mismatch lines are the output.
        for _ in records():
            pass
        for line in mismatches:
            print(_safe(line), file=findings_out)
    else:
        emit(records(), fmt, render=_render)
    if check:
        message(f"hlkb claims --check: {len(mismatches)} mismatch{'es' if len(mismatches) != 1 else ''}")
    if failed:
        return 2
    return 1 if mismatches else 0


def _safe(text: str) -> str:

    return terminal_safe(text)


def _analyze(source, shown):

    return parse_and_analyze(source, shown)


def _note_sources(files, vault, on_missing):
    """(path on disk, path shown) of every note to read: the FILE arguments (a folder is
    walked like a vault), or every note of the vault. What the walker skips (a symlink
    loop, a folder it cannot read) is reported as `parse` and `validate` report it, not
    failed; ``on_missing(shown)`` is told of a named file that does not exist."""

    def on_error(path: str, problem: str) -> None:
        message(f"hlkb: {path}: {problem}")

    if not files:
        root = resolve_vault(vault)
        for nf in iter_note_files(root, on_error=on_error):
            yield nf.path, nf.rel
        return
    for path, shown in expand_paths(files, on_error):
        if not path.exists():
            on_missing(shown)
        else:
            yield path, shown


def _render(records: list[dict]) -> None:
    from rich.table import Table

    if not records:
        return
    console = stdout_console()
    styles = {"ok": "green", "mismatch": "bold red", "unverified": "dim"}
    for path, recs in records_by_path(records).items():
        table = Table(title=rich_text(f"{path} — {len(recs)} claims"), expand=True)
        table.add_column("line", justify="right", no_wrap=True)
        table.add_column("source", no_wrap=True)
        table.add_column("check", no_wrap=True)
        table.add_column("claim", ratio=3, overflow="fold")
        table.add_column("figures", ratio=1, overflow="fold")
        table.add_column("who", ratio=1, overflow="fold")
        for rec in recs:
            figures = ", ".join(f"{f['raw']} ({f['unit']})" for f in rec["figures"])
            check = rec["check"] + (
                f": {rec['counterpart']}" if rec["check"] == "mismatch" and rec["counterpart"] else ""
            )
            table.add_row(
                str(rec["line"]),
                rec["source"],
                rich_text(check, styles.get(rec["check"], "")),
                rich_text(rec["text"]),
                rich_text(figures),
                rich_text(rec["attribution"] or ""),
            )
        console.print(table)
