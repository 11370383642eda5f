"""`hlkb tag add|remove|rename|list`: edit tags in the Markdown files themselves.

Thin layer: resolves targets (files, ids through the index, --query hits), asks the
library (hlkb.edit) for per-file plans, then prints diffs (--dry-run) or writes them and
brings the index up to date for the edited files.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import List, Optional

import typer

from hlkb.atomicfile import sweep_one
from hlkb.cli.commands import options as opt
from hlkb.cli.display import rich_text, terminal_safe
from hlkb.cli.output import emit, message, output_format, stdout_console
from hlkb.cli.session import ensure_fresh
from hlkb.edit import normalize_tag, tag_key
from hlkb.edit.batch import Target, plan_renames, plan_targets, write_plans
from hlkb.edit.lock import vault_edit_lock
from hlkb.errors import HlkbError, UsageError
from hlkb.export.jsonout import dumps
from hlkb.filters import Filters, build_filters
from hlkb.index import get_record, search
from hlkb.vault import default_db, inside_vault, iter_note_files, note_path, rel_text, resolve_vault

DryRun = typer.Option(False, "--dry-run", help="Print the unified diff and change nothing.")
Yes = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation (for scripts).")
Hyphenate = typer.Option(False, "--hyphenate", help="Turn spaces in a tag name into hyphens instead of refusing it.")
Query = typer.Option(None, "--query", "-q", help="Tag every search hit of this query (with the filters); \"\" means all.")


def register(app) -> None:
    tag_app = typer.Typer(help="Add, remove, rename and list tags in the note files.", no_args_is_help=True,
                          rich_markup_mode=None)
    tag_app.command("add", help="Add TAG to notes (front matter) or highlights (their Tags: line). "
                    "TARGET is a note file, a note id or a highlight id (a unique prefix is enough).")(add_command)
    tag_app.command("remove", help="Remove TAG from notes or highlights (same TARGETs as add).")(remove_command)
    tag_app.command("rename", help="Rename tag OLD to NEW across the vault: front matter, Document Tags, "
                    "highlight Tags: lines and inline #tags (merging into NEW where both exist).")(rename_command)
    tag_app.command("list", help="Tags with the number of notes and highlights carrying each.")(list_command)
    app.add_typer(tag_app, name="tag")

def add_command(
    tag: str = typer.Argument(..., help="The tag (a leading # is ignored; nested a/b allowed)."),
    targets: Optional[List[str]] = typer.Argument(None, help="Note files, note ids or highlight ids."),
    query: Optional[str] = Query,
    kind: opt.Kind = None, tag_filter: Optional[List[str]] = typer.Option(None, "--tag", help="With --query: only records with this tag (repeatable)."),
    author: opt.Author = None, category: opt.Category = None, lang: opt.Lang = None, where: opt.Where = None,
    since: opt.Since = None, until: opt.Until = None, limit: opt.Limit = None,
    dry_run: bool = DryRun, yes: bool = Yes, hyphenate: bool = Hyphenate,
    vault: opt.Vault = None, db: opt.Db = None, no_refresh: opt.NoRefresh = False, json_: opt.Json = False,
) -> int:
    return _add_or_remove("add", tag, targets, query, dict(kind=kind, tag=tag_filter, author=author,
                          category=category, lang=lang, where=where, since=since, until=until, limit=limit),
                          dry_run, yes, hyphenate, vault, db, no_refresh, json_)

def remove_command(
    tag: str = typer.Argument(..., help="The tag to remove (matched case-insensitively)."),
    targets: Optional[List[str]] = typer.Argument(None, help="Note files, note ids or highlight ids."),
    query: Optional[str] = Query,
    kind: opt.Kind = None, tag_filter: Optional[List[str]] = typer.Option(None, "--tag", help="With --query: only records with this tag (repeatable)."),
    author: opt.Author = None, category: opt.Category = None, lang: opt.Lang = None, where: opt.Where = None,
    since: opt.Since = None, until: opt.Until = None, limit: opt.Limit = None,
    dry_run: bool = DryRun, yes: bool = Yes, hyphenate: bool = Hyphenate,
    vault: opt.Vault = None, db: opt.Db = None, no_refresh: opt.NoRefresh = False, json_: opt.Json = False,
) -> int:
    return _add_or_remove("remove", tag, targets, query, dict(kind=kind, tag=tag_filter, author=author,
                          category=category, lang=lang, where=where, since=since, until=until, limit=limit),
                          dry_run, yes, hyphenate, vault, db, no_refresh, json_)

def rename_command(
    old: str = typer.Argument(..., help="The tag to rename (nested children old/x follow)."),
    new: str = typer.Argument(..., help="Its new name."),
    dry_run: bool = DryRun, yes: bool = Yes, hyphenate: bool = Hyphenate,
    vault: opt.Vault = None, db: opt.Db = None, json_: opt.Json = False,
) -> int:
    return run_rename(old, new, dry_run, yes, hyphenate, vault, db, json_)

def list_command(
    vault: opt.Vault = None, db: opt.Db = None, no_refresh: opt.NoRefresh = False,
    json_: opt.Json = False, jsonl: opt.Jsonl = False,
) -> int:
    return run_list(vault, db, no_refresh, json_, jsonl)

def _add_or_remove(action, tag, targets, query, filter_opts, dry_run, yes, hyphenate, vault, db, no_refresh,
                   json_) -> int:
    return run_add_remove(action, tag, targets or [], query, filter_opts, dry_run, yes, hyphenate, vault, db,
                          no_refresh, json_)

# ----------------------------------------------------------------------------- running ---

def run_add_remove(action, tag, targets, query, filter_opts, dry_run, yes, hyphenate, vault, db, no_refresh,
                   json_) -> int:

    name = normalize_tag(tag, hyphenate=hyphenate)
    if not targets and query is None:
        raise UsageError(f"tag {action}: give one or more TARGETs (note files or ids) or --query")
    filters = build_filters(**filter_opts) if query is not None else None
    root = resolve_vault(vault)
    resolver = _Resolver(root, vault, db, no_refresh)
    try:
        resolved = [resolver.resolve(t) for t in targets]
        if query is not None:
            hits = resolver.query_targets(query, filters)
            if not hits:
                _message("no matches; nothing to tag")
            elif not dry_run:
                _confirm(f"{action} tag {name!r} {'to' if action == 'add' else 'from'} {len(hits)} search hits "
                         f"in {len({h.path for h in hits})} files?", yes)
            resolved += hits
        with _editing(root, dry_run):
            plans, errors = plan_targets(action, name, resolved)
            return _finish(plans, errors, dry_run, json_, resolver, f"{action} {name}")
    finally:
        resolver.close()

def run_rename(old, new, dry_run, yes, hyphenate, vault, db, json_) -> int:

    old_name = normalize_tag(old, hyphenate=hyphenate)
    new_name = normalize_tag(new, hyphenate=hyphenate)
    root = resolve_vault(vault)
    resolver = _Resolver(root, vault, db, no_refresh=True)
    try:
        if old_name == new_name:
            _message("nothing to do: the names are the same")
            return 0
        if tag_key(old_name) == tag_key(new_name):
            _message("note: names that differ only in case are one tag; rewriting its spelling")
        with _editing(root, dry_run):
            def report(path, what):
                _message(f"hlkb: {path}: {what}")

            # a killed earlier edit's temporary files are removed on the way (we hold the lock)
            files = [(f.path, f.rel) for f in iter_note_files(
                root, on_error=report, on_temp_file=lambda path: sweep_one(path, report))]
            plans, errors, unreadable = plan_renames(files, old_name, new_name)
            for line in unreadable:
                _message(f"hlkb: skipped (cannot be read): {line}")
            if plans and not errors and not dry_run:
                _confirm(f"rename tag {old_name!r} to {new_name!r} in {len(plans)} files?", yes, required=False)
            code = _finish(plans, errors, dry_run, json_, resolver, f"rename {old_name} -> {new_name}")
        return 2 if unreadable else code
    finally:
        resolver.close()

def run_list(vault, db, no_refresh, json_, jsonl) -> int:

    fmt = output_format(json_, jsonl)
    counts: dict[str, dict] = {}
    with ensure_fresh(vault, db, no_refresh) as index:
        for rec in search(index, None, Filters(kinds=["note", "highlight"])):
            names = list(rec.get("tags") or [])
            if rec["kind"] == "note":
                names += list(rec.get("document_tags") or [])
            for name in dict.fromkeys(n.lstrip("#") for n in names if str(n).strip("# ")):
                key = tag_key(name)
                entry = counts.setdefault(key, {"tag": name, "notes": 0, "highlights": 0, "spellings": {}})
                entry["spellings"][name] = entry["spellings"].get(name, 0) + 1
                entry["notes" if rec["kind"] == "note" else "highlights"] += 1
    records = []
    for entry in counts.values():
        spelling = max(entry["spellings"].items(), key=lambda kv: (kv[1], kv[0]))[0]
        records.append({"tag": spelling, "notes": entry["notes"], "highlights": entry["highlights"],
                        "total": entry["notes"] + entry["highlights"],
                        "spellings": sorted(entry["spellings"])})
    records.sort(key=lambda r: (-r["total"], tag_key(r["tag"])))
    emit(records, fmt, render=_render_list)
    return 0

def _render_list(records: list[dict]) -> None:
    from rich.table import Table

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
    return vault_edit_lock(root, on_wait=on_wait)

def _finish(plans, errors, dry_run, json_, resolver, what) -> int:


    changed = [p for p in plans if p.changed]
    for plan in plans:
        for line in plan.messages:
            _message(f"hlkb: note: {line}")
    if errors:
        for line in errors:
            _message(f"hlkb: {line}")
        _message(f"hlkb: nothing written ({len(errors)} file(s) could not be edited safely)")
        return 2
    if dry_run:
        if not json_:   # with --json the diff goes inside each entry: stdout stays one JSON array
            for plan in changed:
                sys.stdout.write(_safe(plan.diff()))
        _message(f"dry run: {what}: {len(changed)} file(s) would change")
        written, write_errors = [], []
    else:
        written, write_errors = write_plans(changed, resolver.root)
        for line in write_errors:
            _message(f"hlkb: {line}")
        if written:
            resolver.update_index([p.src.path for p in written])
        _message(f"{what}: {len(written)} file(s) changed, {len(plans) - len(changed)} already as asked")
    if json_:
        out = [{"path": p.src.display, "changed": True, "written": not dry_run and p in written,
                "lines_changed": p.changed_lines, **({"diff": p.diff()} if dry_run else {})} for p in changed]
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

class _Resolver:
    """Targets to files: paths directly, ids and --query through the index (opened lazily)."""

    def __init__(self, root, vault_opt, db_opt, no_refresh):
        self.root = root
        self.vault_opt, self.db_opt, self.no_refresh = vault_opt, db_opt, no_refresh
        self._index = None

    @property
    def index(self):
        if self._index is None:
            from hlkb.cli.session import ensure_fresh

            self._index = ensure_fresh(str(self.root), self.db_opt, self.no_refresh, progress=False)
        return self._index

    def close(self):
        if self._index is not None:
            self._index.close()

    def _display(self, path):

        try:
            return rel_text(Path(path).resolve().relative_to(self.root).as_posix())
        except ValueError:
            return rel_text(str(path))

    def _check_inside(self, path, shown: str) -> None:

        if not inside_vault(path, self.root):
            raise UsageError(f"{shown}: outside the vault {self.root} (symlinks resolved); hlkb edits only "
                             "notes inside the vault (choose it with --vault)")

    def resolve(self, target: str):

        for candidate in (Path(target).expanduser(), self.root / target):
            if candidate.is_file():
                self._check_inside(candidate, target)
                shown = rel_text(target) if candidate == Path(target) else self._display(candidate)
                return Target(candidate.resolve(), shown)
        if "/" in target or "\\" in target or target.lower().endswith((".md", ".markdown", ".txt")):
            raise UsageError(f"{target}: no such note file (nor a record id)")
        try:
            rec = get_record(self.index, target)
        except UsageError as exc:
            raise UsageError(f"{exc.message} (and no file {target!r})") from None
        return self._record_target(rec)

    def _record_target(self, rec: dict):

        path = note_path(self.root, rec["path"])
        self._check_inside(path, rec["path"])
        if rec["kind"] == "highlight":
            return Target(path, rec["path"], rec["id"])
        if rec["kind"] in ("note", "pair", "claim"):
            # A pair or a claim is tagged through its note: tags live on notes and highlights.
            return Target(path, rec["path"], None)
        raise UsageError(f"{rec.get('id')}: a {rec['kind']} record cannot carry tags")

    def query_targets(self, query: str, filters):

        targets = []
        for rec in search(self.index, query or None, filters, snippets=False):
            if rec.get("kind") in ("note", "highlight", "pair", "claim"):
                targets.append(self._record_target(rec))
        return list(dict.fromkeys(targets))

    def update_index(self, paths):
        """Re-index the edited files: the index we opened, or the vault's if it already exists."""

        inside = []
        for p in paths:
            try:
                Path(p).resolve().relative_to(self.root)
                inside.append(Path(p))
            except ValueError:
                continue
        if not inside:
            return
        try:
            if self._index is None:
                from hlkb.index.dbfile import check_index_path

                db = Path(self.db_opt).expanduser() if self.db_opt else default_db(self.root)
                check_index_path(db)   # a .hlkb that is a file, a --db that is a FIFO: say so
                if not db.exists():
                    return   # no index yet: nothing to bring up to date
                from hlkb.index import open_index

                self._index = open_index(self.root, db)
            from hlkb.index import update_files

            update_files(self._index, inside)
        except HlkbError as exc:
            _message(f"hlkb: the files were written but the index was not updated: {exc}")
