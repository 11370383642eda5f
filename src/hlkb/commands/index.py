"""`hlkb index`, `hlkb search`, `hlkb show`, `hlkb stats`: the index and what reads it."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from hlkb.commands import options as opt


def register(app) -> None:
    app.command("index", help="Build or refresh the index (incremental; --full re-parses every file).")(index_command)
    app.command("search", help="Ranked full-text search over records (English and Chinese, "
                "Traditional/Simplified-insensitive). Syntax: words ANDed, OR, -word/NOT, "
                "\"exact phrase\", prefix*, title:/author:/tag:/note: fields.")(search_command)
    app.command("show", help="Print one record, whole, by its id (a unique prefix is enough).")(show_command)
    app.command("stats", help="Counts of records by kind, category, tag and language.")(stats_command)


def index_command(
    vault: opt.Vault = None,
    db: opt.Db = None,
    full: bool = typer.Option(False, "--full", help="Re-parse every file, not only the changed ones."),
    follow_links: Optional[bool] = typer.Option(None, "--follow-links/--no-follow-links",
                                                help="Also index notes that symlinks lead to outside the vault "
                                                     "(kept for later refreshes; default: skip them)."),
    json_: opt.Json = False,
) -> int:
    from pathlib import Path

    from hlkb.index import open_index, refresh
    from hlkb.output import dumps, message
    from hlkb.vault import resolve_vault

    root = resolve_vault(vault)
    with open_index(root, Path(db).expanduser() if db else None) as index:
        summary = refresh(index, full=full, progress=True, follow_links=follow_links)
    for line in summary.errors:
        message(f"hlkb: {line}")
    message(summary.line())
    if json_:
        print(dumps(summary.to_record()))
    return 0


def search_command(
    query: str = typer.Argument(..., help="What to look for (see the syntax above); \"\" lists all records."),
    kind: opt.Kind = None,
    tag: opt.Tag = None,
    author: opt.Author = None,
    category: opt.Category = None,
    lang: opt.Lang = None,
    where: opt.Where = None,
    since: opt.Since = None,
    until: opt.Until = None,
    limit: opt.Limit = None,
    vault: opt.Vault = None,
    db: opt.Db = None,
    no_refresh: opt.NoRefresh = False,
    json_: opt.Json = False,
    jsonl: opt.Jsonl = False,
    snippets: Annotated[bool, typer.Option("--snippets", help="Add a 'snippet' excerpt to each JSON hit (the table always shows one).")] = False,
) -> int:
    import sys

    from hlkb.filters import build_filters
    from hlkb.index import ensure_fresh, search, search_json
    from hlkb.index.query import parse_query
    from hlkb.output import emit, message, output_format

    fmt = output_format(json_, jsonl)
    filters = build_filters(kind, tag, author, category, lang, where, since, until, limit)
    terms = parse_query(query).terms if query.strip() else []   # a bad query fails before any refresh
    if fmt == "table" and filters.limit is None and sys.stdout.isatty():
        filters.limit = 50   # a screenful for people; scripts get everything
    with ensure_fresh(vault, db, no_refresh) as index:
        render = None
        if fmt == "table":
            def render(records):
                _render_hits(index, records, terms)
        # an excerpt costs a read of the note; scripts ask for it, people always get it
        if fmt == "table" or snippets:
            hits = search(index, query, filters, snippets=True)
        else:
            hits = search_json(index, query, filters)   # the same records, not re-encoded
        count = emit(hits, fmt, render=render)
    if count == 0:
        message("hlkb: no matches")
    return 0


def _render_hits(index, records: list[dict], terms) -> None:
    from rich.table import Table

    from hlkb.display import rich_text
    from hlkb.index.search import match_spans, note_titles
    from hlkb.output import stdout_console

    if not records:
        return
    titles = note_titles(index, {r.get("note_id") or r["id"] for r in records})
    table = Table(show_lines=True, expand=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("snippet", ratio=3, overflow="fold")
    # title and path:line share a column so the snippet keeps most of a narrow terminal
    table.add_column("note", ratio=2, overflow="fold")
    table.add_column("id", no_wrap=True)
    for rec in records:
        title = rec.get("title") if rec["kind"] == "note" else titles.get(rec.get("note_id"), "")
        snippet = rich_text(rec.get("snippet") or _plain(rec))
        for start, end in match_spans(snippet.plain, terms):
            snippet.stylize("bold yellow", start, end)
        where = rich_text(title or "", "bold")
        where.append("\n")
        where.append(rich_text(f"{rec['path']}:{rec['line']}", "dim"))
        table.add_row(rec["kind"], snippet, where, rich_text(rec["id"]))
    stdout_console().print(table)


def _plain(rec: dict) -> str:
    if rec["kind"] == "pair":
        return " / ".join([" ".join(rec.get("en") or []), " ".join(rec.get("zh") or [])])[:200]
    return (rec.get("text") or rec.get("title") or "")[:200]


def show_command(
    record_id: str = typer.Argument(..., metavar="ID", help="A record id, or a unique prefix of one."),
    vault: opt.Vault = None,
    db: opt.Db = None,
    no_refresh: opt.NoRefresh = False,
    json_: opt.Json = False,
) -> int:
    from hlkb.index import ensure_fresh, get_record
    from hlkb.index.search import note_records
    from hlkb.output import dumps

    with ensure_fresh(vault, db, no_refresh) as index:
        rec = get_record(index, record_id)
        siblings = note_records(index, rec.get("note_id") or rec["id"], rec["path"])
    view = dict(rec)
    if rec["kind"] == "note":
        view["highlights"] = [r for r in siblings if r["kind"] == "highlight"]
    else:
        note = next((r for r in siblings if r["kind"] == "note"), None)
        view["note_title"] = note.get("title") if note else None
        same = [r for r in siblings if r["kind"] == rec["kind"]]
        pos = next((i for i, r in enumerate(same) if r["id"] == rec["id"]), None)
        view["previous_id"] = same[pos - 1]["id"] if pos else None
        view["next_id"] = same[pos + 1]["id"] if pos is not None and pos + 1 < len(same) else None
    if json_:
        print(dumps(view))
        return 0
    _render_record(view)
    return 0


def _render_record(view: dict) -> None:
    import json

    from hlkb.display import rich_text
    from hlkb.output import stdout_console

    console = stdout_console()
    head = view.get("title") if view["kind"] == "note" else view.get("note_title")
    console.print(rich_text(f"{view['kind']} {view['id']}  {view['path']}:{view['line']}", "bold"))
    if head:
        console.print(rich_text(head, "bold"))
    for key, value in view.items():
        if key in ("kind", "id", "path", "line", "highlights", "note_title"):
            continue
        if isinstance(value, (dict, list)):
            if not value:
                continue
            value = json.dumps(value, ensure_ascii=False)
        if value is None or value == "":
            continue
        console.print(rich_text(f"{key}: ", "dim") + rich_text(str(value)))
    for h in view.get("highlights", []):
        console.print(rich_text(f"  {h['id']}  {h['line']:>5}  ", "dim") + rich_text(h.get("text") or ""))


def stats_command(
    vault: opt.Vault = None,
    db: opt.Db = None,
    no_refresh: opt.NoRefresh = False,
    json_: opt.Json = False,
) -> int:
    from hlkb.index import ensure_fresh, stats
    from hlkb.output import dumps

    with ensure_fresh(vault, db, no_refresh) as index:
        counts = stats(index)
    if json_:
        print(dumps(counts))
        return 0
    from rich.table import Table

    from hlkb.display import rich_text
    from hlkb.output import stdout_console

    console = stdout_console()
    console.print(rich_text(f"{counts['files']} files ({counts['files_failed']} failed to parse), "
                            f"{counts['records']} records"))
    for title, key in (("kind", "kinds"), ("category", "categories"), ("language", "languages"), ("tag", "tags")):
        table = Table(title=title, title_justify="left")
        table.add_column(title)
        table.add_column("count", justify="right")
        for name, n in counts[key].items():
            table.add_row(rich_text(str(name)), str(n))
        console.print(table)
    return 0
