"""`hlkb tag add|remove|rename|list`: edit tags in the Markdown files themselves.

Thin layer: resolves targets (files, ids through the index, --query hits), asks the
library (hlkb.edit) for per-file plans, then prints diffs (--dry-run) or writes them and
brings the index up to date for the edited files.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, List, Optional

import typer

from hlkb.cli.commands import options as opt
from hlkb.cli.display import rich_text, terminal_safe
from hlkb.cli.output import emit, message, output_format, stdout_console
from hlkb.cli.session import ensure_fresh
from hlkb.edit import normalize_tag, tag_key
from hlkb.edit.targets import TargetResolver, tag_counts
from hlkb.errors import UsageError
from hlkb.export.jsonout import dumps
from hlkb.filters import Filters
from hlkb.tagging import TagPlan, apply_tags, edit_lock, plan_resolved, plan_tag_rename
from hlkb.vault import resolve_vault

DryRun = typer.Option(False, "--dry-run", help="Print the unified diff and change nothing.")
Yes = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation (for scripts).")
Hyphenate = typer.Option(False, "--hyphenate", help="Turn spaces in a tag name into hyphens instead of refusing it.")
Query = typer.Option(None, "--query", "-q", help='Tag every search hit of this query (with the filters); "" means all.')


def register(app) -> None:
    tag_app = typer.Typer(
        help="Add, remove, rename and list tags in the note files.", no_args_is_help=True, rich_markup_mode=None
    )
    tag_app.command(
        "add",
        help="Add TAG to notes (front matter) or highlights (their Tags: line). "
        "TARGET is a note file, a note id or a highlight id (a unique prefix is enough).",
    )(add_command)
    tag_app.command("remove", help="Remove TAG from notes or highlights (same TARGETs as add).")(remove_command)
    tag_app.command(
        "rename",
        help="Rename tag OLD to NEW across the vault: front matter, Document Tags, "
        "highlight Tags: lines and inline #tags (merging into NEW where both exist).",
    )(rename_command)
    tag_app.command("list", help="Tags with the number of notes and highlights carrying each.")(list_command)
    app.add_typer(tag_app, name="tag")


QueryTag = Annotated[
    Optional[List[str]], typer.Option("--tag", help="With --query: only records with this tag (repeatable).")
]


def _add_or_remove_command(action: str, tag_help: str):
    """`tag add` and `tag remove`: the same options, one action each."""

    @opt.with_filters(tag_option=QueryTag, tag_param="tag_filter")
    def command(
        tag: str = typer.Argument(..., help=tag_help),
        targets: Optional[List[str]] = typer.Argument(None, help="Note files, note ids or highlight ids."),
        query: Optional[str] = Query,
        filters: Filters = None,
        dry_run: bool = DryRun,
        yes: bool = Yes,
        hyphenate: bool = Hyphenate,
        vault: opt.Vault = None,
        db: opt.Db = None,
        no_refresh: opt.NoRefresh = False,
        json_: opt.Json = False,
    ) -> int:
        return run_add_remove(
            action,
            tag,
            targets or [],
            query,
            filters if query is not None else None,
            dry_run,
            yes,
            hyphenate,
            vault,
            db,
            no_refresh,
            json_,
        )

    return command


add_command = _add_or_remove_command("add", "The tag (a leading # is ignored; nested a/b allowed).")
remove_command = _add_or_remove_command("remove", "The tag to remove (matched case-insensitively).")


def rename_command(
    old: str = typer.Argument(..., help="The tag to rename (nested children old/x follow)."),
    new: str = typer.Argument(..., help="Its new name."),
    dry_run: bool = DryRun,
    yes: bool = Yes,
    hyphenate: bool = Hyphenate,
    vault: opt.Vault = None,
    db: opt.Db = None,
    json_: opt.Json = False,
) -> int:
    return run_rename(old, new, dry_run, yes, hyphenate, vault, db, json_)


def list_command(
    vault: opt.Vault = None,
    db: opt.Db = None,
    no_refresh: opt.NoRefresh = False,
    json_: opt.Json = False,
    jsonl: opt.Jsonl = False,
    format_: opt.Format = None,
) -> int:
    return run_list(vault, db, no_refresh, output_format(json_, jsonl, format_))


# ----------------------------------------------------------------------------- running ---


def _resolver(root, db, no_refresh) -> TargetResolver:
    """Ids and queries through the index as every command opens it (refreshed, quietly)."""
    return TargetResolver(
        root, lambda: ensure_fresh(str(root), db, no_refresh, progress=False), db=Path(db) if db else None
    )


def run_add_remove(action, tag, targets, query, filters, dry_run, yes, hyphenate, vault, db, no_refresh, json_) -> int:
    name = normalize_tag(tag, hyphenate=hyphenate)
    if not targets and query is None:
        raise UsageError(f"tag {action}: give one or more TARGETs (note files or ids) or --query")
    root = resolve_vault(vault)
    resolver = _resolver(root, db, no_refresh)
    try:
        resolved = [resolver.resolve(t) for t in targets]
        if query is not None:
            hits = resolver.query_targets(query, filters)
            if not hits:
                _message("no matches; nothing to tag")
            elif not dry_run:
                _confirm(
                    f"{action} tag {name!r} {'to' if action == 'add' else 'from'} {len(hits)} search hits "
                    f"in {len({h.path for h in hits})} files?",
                    yes,
                )
            resolved += hits
        with _editing(root, dry_run):
            plan = plan_resolved(action, name, resolved)
            return _finish(plan, dry_run, json_, resolver, root)
    finally:
        resolver.close()


def run_rename(old, new, dry_run, yes, hyphenate, vault, db, json_) -> int:
    old_name = normalize_tag(old, hyphenate=hyphenate)
    new_name = normalize_tag(new, hyphenate=hyphenate)
    root = resolve_vault(vault)
    resolver = _resolver(root, db, no_refresh=True)
    try:
        if old_name == new_name:
            _message("nothing to do: the names are the same")
            return 0
        if tag_key(old_name) == tag_key(new_name):
            _message("note: names that differ only in case are one tag; rewriting its spelling")
        with _editing(root, dry_run):
            plan = plan_tag_rename(
                old_name, new_name, vault=root, on_error=lambda path, what: _message(f"hlkb: {path}: {what}")
            )
            for line in plan.unreadable:
                _message(f"hlkb: skipped (cannot be read): {line}")
            if plan.files and not plan.errors and not dry_run:
                _confirm(f"rename tag {old_name!r} to {new_name!r} in {len(plan.files)} files?", yes, required=False)
            code = _finish(plan, dry_run, json_, resolver, root)
        return 2 if plan.unreadable else code
    finally:
        resolver.close()


def run_list(vault, db, no_refresh, fmt: str) -> int:
    with ensure_fresh(vault, db, no_refresh) as index:
        records = tag_counts(index)
    emit(records, fmt, render=_render_list)
    return 0


def _render_list(records: list[dict]) -> None:
    from rich.table import Table  # rich only when drawing

    if not records:
        _message("no tags")
        return
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("tag")
    table.add_column("notes", justify="right")
    table.add_column("highlights", justify="right")
    for r in records:
        table.add_row(rich_text(r["tag"]), str(r["notes"]), str(r["highlights"]))
    stdout_console().print(table)


def _editing(root, dry_run: bool):
    """The vault's edit lock from planning to the last write (a dry run writes nothing)."""
    if dry_run:
        return nullcontext()

    def on_wait():
        if sys.stderr.isatty():
            _message("hlkb: waiting for another hlkb that is editing this vault")

    return edit_lock(root, on_wait=on_wait)


def _finish(plan: TagPlan, dry_run, json_, resolver, root) -> int:
    changed = plan.changed
    what = plan.description
    for line in plan.notes:
        _message(f"hlkb: note: {line}")
    if plan.errors:
        for line in plan.errors:
            _message(f"hlkb: {line}")
        _message(f"hlkb: nothing written ({len(plan.errors)} file(s) could not be edited safely)")
        return 2
    write_errors: list[str] = []
    written: list = []
    if dry_run:
        if not json_:  # with --json the diff goes inside each entry: stdout stays one JSON array
            for file_plan in changed:
                sys.stdout.write(_safe(file_plan.diff()))
        _message(f"dry run: {what}: {len(changed)} file(s) would change")
    else:
        result = apply_tags(plan, vault=root, resolver=resolver, lock=False)  # _editing holds the lock
        written, write_errors = result.written, result.errors
        for line in write_errors:
            _message(f"hlkb: {line}")
        if result.index_warning:
            _message(f"hlkb: {result.index_warning}")
        _message(f"{what}: {len(written)} file(s) changed, {len(plan.files) - len(changed)} already as asked")
    if json_:
        out = [
            {
                "path": p.src.display,
                "changed": True,
                "written": not dry_run and p in written,
                "lines_changed": p.changed_lines,
                **({"diff": p.diff()} if dry_run else {}),
            }
            for p in changed
        ]
        sys.stdout.write("[" + ",\n".join(dumps(r) for r in out) + "]\n")
    return 2 if write_errors else 0


def _safe(text: str) -> str:
    return "\n".join(terminal_safe(line) for line in text.split("\n"))


def _message(text: str) -> None:
    message(text)


def _confirm(question: str, yes: bool, required: bool = True) -> None:
    """Ask on a terminal; without one, --yes is required (unless ``required`` is False)."""
    if yes:
        return
    if not sys.stdin.isatty():
        if required:
            raise UsageError(f"{question.rstrip('?')}: add --yes to confirm (stdin is not a terminal)")
        return
    if not typer.confirm(question, default=False, err=True):
        _message("hlkb: not confirmed; nothing changed")
        raise typer.Exit(0)
