"""`hlkb export [QUERY] [filters] --format json|jsonl|csv|md|tmx [-o FILE] [--force]`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from hlkb.atomicfile import check_new_file_target, new_file_writer
from hlkb.cli.commands import options as opt
from hlkb.cli.output import TerminalSafeWriter, message
from hlkb.cli.session import ensure_fresh
from hlkb.errors import UsageError
from hlkb.export import FORMATS, schema_text, write_export
from hlkb.filters import Filters
from hlkb.index import get_record, search


def register(app) -> None:
    app.command(
        "export",
        help="Export records (all, or those matching QUERY and the filters) as JSON, JSONL, "
        "CSV, a Markdown digest or TMX; --schema prints the JSON Schema of the records.",
    )(export_command)


@opt.with_filters
def export_command(
    query: Optional[str] = typer.Argument(
        None,
        help="Optional search query (as for `hlkb search`); "
        "without it, every record matching the filters, in file order.",
    ),
    format_: str = typer.Option("json", "--format", "-f", help="json, jsonl, csv, md or tmx."),
    output: Optional[str] = typer.Option(
        None,
        "--output",
        "-o",
        help="Write to this file (atomically; a regular file or a new name) instead of stdout; - is stdout.",
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite the -o file if it exists."),
    schema: bool = typer.Option(False, "--schema", help="Print the JSON Schema of all record kinds and exit."),
    filters: Filters = None,
    vault: opt.Vault = None,
    db: opt.Db = None,
    no_refresh: opt.NoRefresh = False,
) -> int:

    if schema:
        sys.stdout.write(schema_text())
        return 0
    fmt = format_.strip().lower()
    if fmt == "markdown":
        fmt = "md"
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not {format_!r}")
    if fmt == "tmx":
        if filters.kinds and filters.kinds != ["pair"]:
            raise UsageError("--format tmx exports pairs only; drop --kind or use --kind pair")
        filters.kinds = ["pair"]
    if output == "-":
        output = None
    if output:
        check_new_file_target(Path(output), force)  # fail before the (possibly long) index refresh

    with ensure_fresh(vault, db, no_refresh) as index:
        records = _export_records(index, query, filters, search)

        def lookup(note_id: str):
            try:
                return get_record(index, note_id)
            except UsageError:
                return None

        if output:
            with new_file_writer(
                output,
                force=force,
                newline="" if fmt == "csv" else "\n",
                on_leftover=lambda path, what: message(f"hlkb: {path}: {what}"),
            ) as stream:
                count = write_export(records, fmt, stream, lookup)
            message(f"hlkb: exported {count} record{'s' * (count != 1)} to {output}")
        else:
            out = sys.stdout
            if out.isatty():  # people read this: note text must not drive their terminal
                out = TerminalSafeWriter(out, json_escapes=fmt in ("json", "jsonl"))
            write_export(records, fmt, out, lookup)
    return 0


def _export_records(index, query, filters, search):
    """docs/records.md records: search hits lose the ranking fields (``rank``, ``snippet``) it adds."""
    for record in search(index, query, filters, snippets=False):
        record.pop("rank", None)
        record.pop("snippet", None)
        yield record
