"""`hlkb index`, `hlkb search`, `hlkb show`, `hlkb stats`: the index and what reads it."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from hlkb.cli.commands import options as opt
from hlkb.cli.commands.semantic import embed_after_index, search_by_meaning
from hlkb.cli.display import record_card, rich_text, search_view
from hlkb.cli.output import emit, message, output_format, stdout_console
from hlkb.cli.output import progress as progress_bar
from hlkb.cli.session import ensure_fresh
from hlkb.errors import UsageError
from hlkb.export.jsonout import dumps
from hlkb.filters import Filters
from hlkb.index import open_index, refresh, search, search_json, stats
from hlkb.index.lookup import list_records, record_rows, record_view
from hlkb.index.query import ParsedQuery, parse_query
from hlkb.index.results import group_hits
from hlkb.index.search import Hit, evaluate, filter_sql, find_hits
from hlkb.semantic import require
from hlkb.vault import resolve_vault


def register(app) -> None:
    app.command("index", help="Build or refresh the index (incremental; --full re-parses every file).")(index_command)
    app.command(
        "search",
        help="Ranked full-text search (English and Chinese, Traditional/Simplified-"
        "insensitive); each passage is one hit, grouped by note. Syntax: words ANDed, OR, -word/NOT, "
        '"exact phrase", prefix*, title:/author:/tag:/note: fields.',
    )(search_command)
    app.command(
        "show",
        help="One record as a card (its note's title and author, where it is, its text, "
        "the reader's note, tags, neighbours) by its id (a unique prefix is enough); --json for the record.",
    )(show_command)
    app.command("stats", help="Counts of records by kind, category, tag and language.")(stats_command)


def index_command(
    vault: opt.Vault = None,
    db: opt.Db = None,
    full: bool = typer.Option(False, "--full", help="Re-parse every file, not only the changed ones."),
    jobs: Optional[int] = typer.Option(
        None,
        "--jobs",
        "-j",
        help="Parsing processes (default: one per core, at most 4; 1 parses in the writing process).",
    ),
    follow_links: Optional[bool] = typer.Option(
        None,
        "--follow-links/--no-follow-links",
        help="Also index notes that symlinks lead to outside the vault (kept for later refreshes; default: skip them).",
    ),
    embed: Optional[bool] = typer.Option(
        None,
        "--embed/--no-embed",
        help="Also embed every changed passage "
        "for `hlkb related` and `search --semantic` (default: embed = true|false "
        "under [index] in hlkb.toml; needs the semantic extra).",
    ),
    json_: opt.JsonObject = False,
) -> int:

    if jobs is not None and not 1 <= jobs <= 64:
        raise UsageError("--jobs takes a number of processes from 1 to 64")
    if embed:
        require("hlkb index --embed")

    root = resolve_vault(vault)
    with open_index(root, Path(db).expanduser() if db else None) as index:
        summary = refresh(index, full=full, progress=progress_bar, jobs=jobs, follow_links=follow_links)
        for line in summary.errors:
            message(f"hlkb: {line}")
        message(summary.line())
        embedded = embed_after_index(index, embed, jobs)
    if json_:
        record = summary.to_record()
        if embedded is not None:
            record["embed"] = embedded.to_record()
        print(dumps(record))
    return 0


@opt.with_filters
def search_command(
    query: str = typer.Argument(..., help='What to look for (see the syntax above); "" lists all records.'),
    filters: Filters = None,
    vault: opt.Vault = None,
    db: opt.Db = None,
    no_refresh: opt.NoRefresh = False,
    json_: opt.Json = False,
    jsonl: opt.Jsonl = False,
    format_: opt.Format = None,
    snippets: Annotated[
        bool,
        typer.Option(
            "--snippets", help="Add a 'snippet' excerpt to each JSON hit (the terminal view always shows one)."
        ),
    ] = False,
    interactive: Annotated[
        bool,
        typer.Option(
            "--interactive",
            "-i",
            help="Choose among the hits in fzf, with `hlkb show` as the preview; prints the chosen hits' ids and path:line.",
        ),
    ] = False,
    semantic: Annotated[
        bool,
        typer.Option(
            "--semantic",
            help="Rank by meaning, in English and Chinese alike (needs `hlkb index --embed` and the semantic extra); JSON hits gain 'similarity'.",
        ),
    ] = False,
    hybrid: Annotated[
        bool, typer.Option("--hybrid", help="Fuse the keyword and the meaning rankings (reciprocal rank fusion).")
    ] = False,
) -> int:

    fmt = output_format(json_, jsonl, format_)
    if semantic or hybrid:
        if semantic and hybrid:
            raise UsageError("choose one of --semantic and --hybrid")
        if interactive:
            raise UsageError("--interactive works with keyword search; drop --semantic/--hybrid")

        # a query by meaning is a sentence: the query syntax applies only to --hybrid's keywords
        parsed = parse_query(query) if hybrid and query.strip() else None
        return search_by_meaning(query, parsed, filters, fmt, snippets, vault, db, no_refresh, hybrid)
    parsed = parse_query(query) if query.strip() else None  # a bad query fails before any refresh
    if interactive:
        if fmt != "table":
            raise UsageError("--interactive shows the hits in fzf: drop --json/--jsonl/--format")
        return _interactive(query, filters, vault, db, no_refresh)
    with ensure_fresh(vault, db, no_refresh) as index:
        if fmt == "table":
            screen = filters.limit or (50 if sys.stdout.isatty() else None)  # a screenful for people
            filters.limit = None
            count = _show_hits(index, parsed, filters, screen)
        else:
            # an excerpt costs a read of the note text; scripts ask for it
            hits = search(index, query, filters, snippets=True) if snippets else search_json(index, query, filters)
            count = emit(hits, fmt)
    if count == 0:
        message("hlkb: no matches")
    return 0


def _listing_hits(index, filters, limit):
    """A listing (query "") as hits, for the grouped view."""

    where, args = filter_sql(filters)
    rids = [rid for rid, _text in list_records(index.conn, where, args, limit)]
    meta = record_rows(index.conn, rids)
    hits = []
    for rid in rids:
        _r, file_id, rec_id, kind, pos, length, path, line, passage = meta[rid]
        hits.append(
            Hit(
                rid,
                kind,
                0.0,
                rec_id,
                path,
                line,
                pos,
                length,
                rows=[rid] if kind == "note" else [],
                passage=passage,
                file_id=file_id,
            )
        )
    return hits


def _show_hits(index, parsed, filters, screen: int | None) -> int:
    """The grouped terminal view; returns the number of hits."""

    if parsed is None:
        hits = _listing_hits(index, filters, screen)
        parsed, ev = ParsedQuery(match="", terms=[], tree=None), None
    else:
        ev = evaluate(index, parsed)
        hits = find_hits(index, parsed, filters, ev)
    if not hits:
        return 0
    shown = hits[:screen] if screen else hits
    groups = group_hits(index, shown, parsed, ev)
    console = stdout_console()
    total_notes = len({h.file_id for h in hits})
    for line in search_view(
        groups, parsed.terms, console.width, len(hits), total_notes, len(shown), len(shown) < len(hits)
    ):
        console.print(line, no_wrap=True, crop=True)
    return len(hits)


def _interactive(query, filters, vault, db, no_refresh) -> int:
    """The hits in fzf (one line each: path:line, kind, text), `hlkb show` as the preview;
    the chosen hits are printed as ``id<TAB>path:line``."""
    import shutil
    import subprocess

    fzf = shutil.which("fzf")
    if fzf is None:
        raise UsageError(
            "hlkb search -i needs fzf, which is not installed (apt install fzf, brew install fzf, "
            "or https://github.com/junegunn/fzf); search without -i instead"
        )
    with ensure_fresh(vault, db, no_refresh) as index:
        lines = []
        for rec in search(index, query, filters, snippets=True):
            line = (rec.get("match_lines") or [rec["line"]])[0]
            text = rec.get("snippet") or rec.get("title") or rec.get("text") or ""
            text = " ".join(str(text).replace("\t", " ").split())
            lines.append(f"{rec['id']}\t{rec['path']}:{line}\t{rec['kind']}\t{text}")
        where = ["--vault", str(index.vault), "--db", str(index.db)]
    if not lines:
        message("hlkb: no matches")
        return 0
    show = (
        " ".join(shlex.quote(a) for a in [sys.executable, "-m", "hlkb", "show"])
        + " {1} "
        + " ".join(shlex.quote(a) for a in where + ["--no-refresh"])
    )
    cmd = [
        fzf,
        "--multi",
        "--delimiter",
        "\t",
        "--with-nth",
        "2..",
        "--preview",
        show,
        "--preview-window",
        "right,50%,wrap",
        "--prompt",
        f"{query}> ",
    ]
    try:
        proc = subprocess.run(
            cmd,
            input="\n".join(lines) + "\n",
            stdout=subprocess.PIPE,
            text=True,
            env=dict(os.environ, HLKB_VAULT=str(index.vault)),
        )
    except OSError as exc:
        raise UsageError(f"cannot run fzf: {exc.strerror or exc}") from None
    if proc.returncode == 130:
        return 130  # Esc or Ctrl-C in fzf: nothing chosen
    if proc.returncode not in (0, 1):
        raise UsageError(f"fzf failed (exit {proc.returncode})")
    for chosen in proc.stdout.splitlines():
        fields = chosen.split("\t")
        if len(fields) >= 2:
            print(f"{fields[0]}\t{fields[1]}")
    return 0


def show_command(
    record_id: str = typer.Argument(..., metavar="ID", help="A record id, or a unique prefix of one."),
    vault: opt.Vault = None,
    db: opt.Db = None,
    no_refresh: opt.NoRefresh = False,
    json_: opt.JsonObject = False,
) -> int:

    with ensure_fresh(vault, db, no_refresh) as index:
        view, note, siblings = record_view(index, record_id)
    if json_:
        print(dumps(view))
        return 0

    console = stdout_console()
    for renderable in record_card(view, note, siblings, console.width):
        console.print(renderable)
    return 0


def stats_command(
    vault: opt.Vault = None,
    db: opt.Db = None,
    no_refresh: opt.NoRefresh = False,
    json_: opt.JsonObject = False,
) -> int:

    with ensure_fresh(vault, db, no_refresh) as index:
        counts = stats(index)
    if json_:
        print(dumps(counts))
        return 0
    from rich.table import Table

    console = stdout_console()
    console.print(
        rich_text(f"{counts['files']} files ({counts['files_failed']} failed to parse), {counts['records']} records")
    )
    for title, key in (("kind", "kinds"), ("category", "categories"), ("language", "languages"), ("tag", "tags")):
        table = Table(title=title, title_justify="left")
        table.add_column(title)
        table.add_column("count", justify="right")
        for name, n in counts[key].items():
            table.add_row(rich_text(str(name)), str(n))
        console.print(table)
    return 0
