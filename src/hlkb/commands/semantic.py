"""`hlkb related ID`, and what `hlkb index --embed` and `hlkb search --semantic/--hybrid`
call: search by meaning (hlkb.semantic, the optional extra ``hlkb[semantic]``)."""

from __future__ import annotations

import typer

from hlkb.commands import options as opt

RELATED_LIMIT = 10          # hits without --limit
SEMANTIC_LIMIT = 20
CATCH_UP_FILES = 32         # a semantic command embeds up to this many changed notes itself


def register(app) -> None:
    app.command("related", help="The passages nearest in meaning to one record (a highlight, pair, note or "
                "claim, by id or unique prefix), in English and Chinese alike; itself and its own pair left "
                "out. Needs `hlkb index --embed` and the semantic extra.")(related_command)


def _import_numpy_meanwhile() -> None:
    """Import numpy in a thread while the index is opened and refreshed (the walk's system
    calls leave the interpreter free): ~70 ms of a query's start-up, overlapped."""
    import threading

    from hlkb.semantic.engine import numpy

    threading.Thread(target=numpy, daemon=True).start()


def related_command(
    record_id: str = typer.Argument(..., metavar="ID", help="A record id, or a unique prefix of one."),
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
    snippets: bool = typer.Option(False, "--snippets", help="Add a 'snippet' excerpt to each JSON hit."),
) -> int:
    from hlkb.filters import build_filters
    from hlkb.output import output_format
    from hlkb.semantic import require

    fmt = output_format(json_, jsonl)
    filters = build_filters(kind, tag, author, category, lang, where, since, until, limit)
    require("hlkb related")
    _import_numpy_meanwhile()
    from hlkb.index import ensure_fresh
    from hlkb.semantic.ranking import related_hits

    with ensure_fresh(vault, db, no_refresh) as index:
        vs = fresh_vectors(index, no_refresh)
        _rec, ranked = related_hits(index, vs, record_id, filters, filters.limit or RELATED_LIMIT)
        return _emit(index, ranked, fmt, snippets, [], fused=False)


def search_by_meaning(query: str, parsed, filters, fmt: str, snippets: bool, vault, db, no_refresh: bool,
                      hybrid: bool) -> int:
    """`hlkb search QUERY --semantic` (or ``--hybrid``)."""
    from hlkb.errors import UsageError
    from hlkb.semantic import require

    option = "--hybrid" if hybrid else "--semantic"
    if not query.strip():
        raise UsageError(f"hlkb search {option} needs a query (\"\" lists records only without it)")
    require(f"hlkb search {option}")
    _import_numpy_meanwhile()
    from hlkb.index import ensure_fresh
    from hlkb.semantic.engine import QueryEncoder
    from hlkb.semantic.ranking import hybrid_hits, semantic_hits

    with ensure_fresh(vault, db, no_refresh) as index:
        vs = fresh_vectors(index, no_refresh)
        encoder = QueryEncoder()
        want = filters.limit or SEMANTIC_LIMIT
        if hybrid:
            ranked = hybrid_hits(index, vs, encoder, query, parsed, filters, want)
        else:
            ranked = semantic_hits(index, vs, encoder, query, filters, want)
        return _emit(index, ranked, fmt, snippets, parsed.terms if hybrid else [], fused=hybrid)


def fresh_vectors(index, no_refresh: bool):
    """The index's vectors, after embedding a few changed notes (unless --no-refresh);
    a usage error if there are none."""
    from hlkb.errors import HlkbError, IndexBusyError, UsageError
    from hlkb.output import message
    from hlkb.semantic import vectors
    from hlkb.semantic.embed import embed_index
    from hlkb.semantic.engine import engine_id

    conn = index.conn
    vs = vectors.load(conn)
    stale = vectors.indexed_files(conn) - vs.files
    if stale and not no_refresh and not index.read_only:
        try:
            summary = embed_index(index, progress=True, lock_wait=0, max_files=CATCH_UP_FILES)
            if summary.files or summary.removed:
                vs = vectors.load(conn)
            stale = summary.stale
        except IndexBusyError:
            message("hlkb: the index is being updated by another hlkb; using its vectors as they are")
        except HlkbError:
            pass
    if vectors.stored_engine(conn) not in (None, engine_id()):
        raise UsageError("the index's vectors were made by another version of the encoder; run "
                         "`hlkb index --embed` to make them again")
    if not len(vs):
        raise UsageError("the index has no vectors yet: run `hlkb index --embed` (or set embed = true "
                         "under [index] in hlkb.toml)")
    if stale:
        message(f"hlkb: {stale} note{'s are' if stale != 1 else ' is'} new or changed since `hlkb index --embed` "
                "and left out until it runs")
    return vs


def _emit(index, ranked, fmt: str, snippets: bool, terms, fused: bool) -> int:
    import sys

    from hlkb.output import emit, message
    from hlkb.semantic import results

    if fmt == "table":
        count = _show(index, ranked, terms)
    else:
        count = emit(results.records(index, ranked, snippets=snippets, fused=fused), fmt)
    if count == 0:
        message("hlkb: no matches")
    sys.stdout.flush()
    return 0


def _show(index, ranked, terms) -> int:
    from hlkb.display import search_view
    from hlkb.output import stdout_console
    from hlkb.semantic.results import groups

    if not ranked.hits:
        return 0
    shown = groups(index, ranked)
    console = stdout_console()
    total_notes = max(ranked.total_notes, len({h.file_id for h in ranked.hits}))
    for line in search_view(shown, terms, console.width, ranked.total, total_notes, len(ranked.hits),
                            len(ranked.hits) < ranked.total):
        console.print(line, no_wrap=True, crop=True)
    return len(ranked.hits)


# ------------------------------------------------------------------ hlkb index --embed ---

def embed_setting(vault, requested: bool | None) -> tuple[bool, str | None]:
    """(embed?, where the choice came from): ``--embed/--no-embed``, else ``embed`` under
    ``[index]`` in hlkb.toml (``[tool.hlkb.index]`` in pyproject.toml)."""
    from pathlib import Path

    from hlkb.config import find_section
    from hlkb.errors import UsageError

    if requested is not None:
        return requested, None
    section, source = find_section(Path(vault), "index")
    if not section or "embed" not in section:
        return False, None
    value = section["embed"]
    if not isinstance(value, bool):
        raise UsageError(f"[index] embed must be true or false, not {value!r}", str(source))
    return value, str(source)


def embed_after_index(index, requested: bool | None, jobs: int | None):
    """Embed after `hlkb index` when asked (or configured); returns the summary or None."""
    from hlkb.output import message
    from hlkb.semantic import INSTALL_HINT, available

    wanted, source = embed_setting(index.vault, requested)
    if not wanted:
        return None
    if not available():
        # --embed itself is refused before indexing; a settings file shared with a machine
        # without the extra must not stop the index
        message(f"hlkb: {source}: embed = true, but the semantic extra is not installed ({INSTALL_HINT}); "
                "vectors not updated")
        return None
    from hlkb.semantic.embed import embed_index

    summary = embed_index(index, progress=True, jobs=jobs)
    message(summary.line())
    return summary
