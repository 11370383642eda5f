"""`hlkb import`: build and update the vault's notes from Readwise's own exports.

Thin layer: reads the inputs (or the export endpoint), plans every note (hlkb.readwise),
then prints diffs (--dry-run) or writes, records what it wrote and re-indexes those files.
"""

from __future__ import annotations

import datetime as _dt
import gc
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import List, Optional

import typer

from hlkb.cli.commands import options as opt
from hlkb.cli.display import terminal_safe
from hlkb.cli.output import message, progress
from hlkb.edit.lock import vault_edit_lock
from hlkb.errors import HlkbError, InputError, UsageError
from hlkb.export.jsonout import dumps
from hlkb.index import open_index, update_files
from hlkb.index.dbfile import check_index_path
from hlkb.readwise.exports import merge_books, read_export
from hlkb.readwise.importer import (
    WriteResult,
    checked_new_notes,
    plan_import,
    prepared_rows,
    render_new_notes,
    write_import,
)
from hlkb.readwise.plans import ON_CONFLICT, Options
from hlkb.readwise.settings import import_settings, import_template
from hlkb.readwise.state import ImportState
from hlkb.vault import default_db, resolve_vault

JSON_VERSION = 1


def register(app) -> None:
    app.command(
        "import",
        help="Create and update notes from Readwise: its CSV export, its API export JSON "
        "(pages, a list of books, JSONL), or the API itself (--api). Notes are found again by their "
        "Readwise ids wherever they have moved; edits in the vault are kept.",
    )(import_command)


def import_command(
    inputs: Optional[List[str]] = typer.Argument(
        None, help="Export files: Readwise's CSV, or API export JSON/JSONL (- reads stdin)."
    ),
    api: bool = typer.Option(
        False,
        "--api",
        help="Fetch from the Readwise API (token: READWISE_TOKEN or --token-file); "
        "only what changed since the last --api import.",
    ),
    token_file: Optional[str] = typer.Option(None, "--token-file", help="Read the Readwise token from this file."),
    full: bool = typer.Option(
        False, "--full", help="With --api: fetch everything, not only what changed since the last import."
    ),
    api_url: str = typer.Option(
        "https://readwise.io/api/v2/", "--api-url", help="The Readwise API's address (for a proxy or a test server)."
    ),
    prune: bool = typer.Option(
        False, "--prune", help="Remove highlights deleted or discarded in Readwise (without it they are only reported)."
    ),
    on_conflict: str = typer.Option(
        "report",
        "--on-conflict",
        help="A highlight edited in the vault that also "
        "changed in Readwise: report (exit 1), keep (yours; not reported again) or "
        "readwise (take Readwise's).",
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the unified diff of every note and change nothing."),
    vault: opt.Vault = None,
    db: opt.Db = None,
    json_: bool = typer.Option(
        False, "--json", help="Print a JSON summary of the import (docs/records.md#import-summary)."
    ),
) -> int:
    return run_import(inputs or [], api, token_file, full, api_url, prune, on_conflict, dry_run, vault, db, json_)


def run_import(inputs, api, token_file, full, api_url, prune, on_conflict, dry_run, vault, db, json_) -> int:

    if api and inputs:
        raise UsageError("hlkb import: give export files or --api, not both")
    if not api and not inputs:
        raise UsageError("hlkb import: give one or more export files (CSV or JSON), or --api")
    if (full or token_file) and not api:
        raise UsageError("hlkb import: --full and --token-file go with --api")
    if on_conflict not in ON_CONFLICT:
        raise UsageError(f"--on-conflict must be one of {', '.join(ON_CONFLICT)}")
    root = resolve_vault(vault)
    settings = import_settings(root)  # a bad [import] or [template] table stops us here
    template = import_template(root)
    db_path = Path(db).expanduser() if db else default_db(root)
    _check_index_path(db_path)
    # every input is read (and the API asked) before anything is written, the index included
    started = _dt.datetime.now(_dt.timezone.utc)
    client = None
    if api:
        books, client = _fetch(token_file, api_url, None if full else _remembered_since(root, db_path))
    else:
        books = _read_inputs(inputs)
    # the books live until the end: kept out of the cyclic collector's full passes, which
    # would otherwise walk every highlight again and again (and touch the memory the
    # rendering processes share with this one)
    gc.freeze()
    index = _open_index(root, db_path, dry_run)
    try:
        state = ImportState(index.conn) if index is not None else None
        recorded = state.for_books([b.key for b in books]) if state is not None else {}
        options = Options(prune=prune, on_conflict=on_conflict)
        with _editing(root, dry_run):
            plan = _plan(root, books, recorded, options, settings, template, client, index_rows=not dry_run)
            result = _write(plan, root, dry_run, json_, index)
            if not dry_run:
                rows = [r for p in result.written for r in p.rows]
                rows += [r for p in plan.notes if not p.changed for r in p.rows]
                state.save(rows, [g for p in result.written for g in p.gone])
        complete = not (plan.errors or result.errors or plan.conflicts)
        if api and not dry_run and complete and state is not None:
            from hlkb.readwise.api import utc_stamp

            # a minute early: a clock that differs from Readwise's loses nothing (a change
            # seen twice is imported once)
            state.set_updated_after(utc_stamp(started - _dt.timedelta(minutes=1)))
    finally:
        if index is not None:
            index.close()
    return _report(plan, result, dry_run, json_)


# ---------------------------------------------------------------------------- inputs ---


def _read_inputs(inputs: list[str]):

    exports = []
    for path in inputs:
        export = read_export(path, "<stdin>" if path == "-" else path)
        for line in export.warnings:
            message(f"hlkb: warning: {line}")
        exports.append(export)
    return merge_books(exports)


def _fetch(token_file, api_url, updated_after):
    # here, not at the top: the HTTP client (urllib, http, ssl: 25-40 ms) is for --api only
    from hlkb.readwise.api import ReadwiseClient, read_token

    token = read_token(token_file)
    client = ReadwiseClient(token, api_url)
    since = f" changed since {updated_after}" if updated_after else ""
    with progress(None, f"fetching books from Readwise{since}") as advance:
        seen = {"n": 0}

        def on_page(books_so_far, count):
            advance(books_so_far - seen["n"])
            seen["n"] = books_so_far

        export = client.export(updated_after=updated_after, on_page=on_page)
    books = merge_books([export])
    for book in books:
        book.complete = book.complete and not updated_after
    message(f"hlkb: fetched {len(books)} books from Readwise{since}")
    return books, client


# ---------------------------------------------------------------------------- planning ---


def _plan(root, books, recorded, options, settings, template, client, index_rows):

    refetch = None
    if client is not None:

        def refetch(ids):
            # an incremental fetch has only a book's changed highlights: a book without a
            # note yet is fetched whole before one is made for it
            return client.books(ids)

    with progress(len(books), "planning notes") as advance:
        plan = plan_import(
            root,
            books,
            recorded,
            options,
            settings,
            template,
            advance=advance,
            on_error=lambda path, msg: message(f"hlkb: {path}: {msg}"),
            refetch=refetch,
            render_new=False,
            index_rows=index_rows,
        )
    return plan  # its new notes are rendered by _write


def _write(plan, root, dry_run, json_, index):

    # New notes are rendered in worker processes, forked here (after the planning progress
    # bar's thread has ended, before the writing one's starts); each is checked there by the
    # parser, and for a real import by the index's own parse of it, whose rows then index
    # it once written (not read and parsed again). A real import writes each new note as
    # it comes, while the others are rendered, and the index is updated for the notes
    # written a batch at a time meanwhile.
    if dry_run:
        render_new_notes(plan)
        if not json_:  # with --json the diffs go inside it: stdout stays one JSON object
            for note in plan.changed:
                sys.stdout.write(_safe(note.diff()))
        return WriteResult()
    indexed = _indexer(index)  # before the workers are forked: it may fork its own
    new_notes = checked_new_notes(plan)
    with progress(len(plan.changed), "writing notes") as advance:
        return write_import(plan, root, advance=advance, new_notes=new_notes, on_written=indexed)


# ---------------------------------------------------------------------------- index ---


def _check_index_path(db_path) -> None:

    check_index_path(db_path)  # a .hlkb that is a file, a --db that is a FIFO: said before any work


def _remembered_since(root, db_path) -> str | None:
    """The ``updatedAfter`` the last complete --api import left (None: never, or no index)."""

    if not db_path.exists():
        return None
    with open_index(root, db_path) as index:
        return ImportState(index.conn).updated_after()


def _open_index(root, db_path, dry_run):
    """The index that holds what hlkb wrote; a dry run does not create one."""

    if dry_run and not db_path.exists():
        return None
    index = open_index(root, db_path)
    if index.read_only and not dry_run:
        index.close()
        raise InputError(
            "the index is read-only here; hlkb import keeps in it what it wrote (to tell your "
            "edits from Readwise's), so it cannot import (nothing was written)",
            str(db_path),
        )
    return index


def _indexer(index):
    """``on_written`` for write_import: each batch of notes written is indexed at once,
    from the rows made when they were checked; after a failure (said once) no more tries:
    the next refresh indexes them. Made before anything is written: an index that must be
    built whole (a new one, or one folded by other rules) is built now, from the vault as it
    is, so that a batch's refresh reads no note that is still being written."""
    try:
        update_files(index, [])
        ok = [True]
    except HlkbError as exc:
        message(f"hlkb: the index cannot be updated: {exc}")
        ok = [False]

    def index_written(notes) -> None:
        if ok[0]:
            ok[0] = _update_index(index, [p.path for p in notes], prepared_rows(notes))

    return index_written


def _update_index(index, paths, prepared=None) -> bool:

    try:
        update_files(index, paths, prepared)
        return True
    except HlkbError as exc:
        message(f"hlkb: the notes were written but the index was not updated: {exc}")
        return False


def _editing(root, dry_run: bool):
    """The vault's edit lock from planning to the last write (a dry run writes nothing)."""

    if dry_run:
        return nullcontext()

    def on_wait():
        if sys.stderr.isatty():
            message("hlkb: waiting for another hlkb that is editing this vault")

    return vault_edit_lock(root, on_wait=on_wait)


# ---------------------------------------------------------------------------- report ---


def _report(plan, result, dry_run, json_) -> int:

    written = result.written if not dry_run else plan.changed
    created = [p for p in written if p.new]
    updated = [p for p in written if not p.new]
    for finding in plan.findings:
        message(f"hlkb: {finding}")
    for conflict in plan.conflicts:
        message(f"hlkb: {conflict}")
    for line in plan.errors + result.errors:
        message(f"hlkb: {line}")
    added = sum(p.added for p in written)
    changed = sum(p.updated for p in written)
    removed = sum(p.removed for p in written)
    verb = "would be" if dry_run else ""
    message(
        f"{'dry run: ' if dry_run else ''}import: {len(created)} notes {verb + ' ' if verb else ''}created, "
        f"{len(updated)} {verb + ' ' if verb else ''}updated, {plan.books_unchanged} unchanged; highlights "
        f"{added} added, {changed} updated, {removed} removed; {len(plan.conflicts)} conflicts"
    )
    if json_:
        out = {
            "version": JSON_VERSION,
            "dry_run": dry_run,
            "created": [p.rel for p in created],
            "updated": [p.rel for p in updated],
            "unchanged": plan.books_unchanged,
            "highlights": {"added": added, "updated": changed, "removed": removed},
            "conflicts": [c.to_record() for c in plan.conflicts],
            "findings": [f.to_record() for f in plan.findings],
            "errors": plan.errors + result.errors,
        }
        if dry_run:
            out["diffs"] = {p.rel: p.diff() for p in written}
        sys.stdout.write(dumps(out) + "\n")
    if plan.errors or result.errors:
        return 2
    return 1 if plan.conflicts else 0


def _safe(text: str) -> str:

    return "\n".join(terminal_safe(line) for line in text.split("\n"))
