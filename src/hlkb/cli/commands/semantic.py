"""`hlkb related ID`, and what `hlkb index --embed` and `hlkb search --semantic/--hybrid`
call: search by meaning (hlkb.semantic, the optional extra ``hlkb[semantic]``)."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import typer

import hlkb.semantic as semantic_extra
from hlkb.cli.commands import options as opt
from hlkb.cli.display import search_view
from hlkb.cli.output import emit, message, output_format, stdout_console
from hlkb.cli.output import progress as progress_bar
from hlkb.cli.session import ensure_fresh
from hlkb.config import find_section
from hlkb.errors import HlkbError, IndexBusyError, UsageError
from hlkb.filters import Filters
from hlkb.semantic import INSTALL_HINT, require, results, vectors
from hlkb.semantic.embed import embed_index
from hlkb.semantic.engine import QueryEncoder, engine_id, numpy
from hlkb.semantic.ranking import hybrid_hits, related_hits, semantic_hits
from hlkb.semantic.results import groups

RELATED_LIMIT = 10  # hits without --limit
SEMANTIC_LIMIT = 20
CATCH_UP_FILES = 32  # a semantic command embeds up to this many changed notes itself


def register(app) -> None:
    app.command(
        "related",
        help="The passages nearest in meaning to one record (a highlight, pair, note or "
        "claim, by id or unique prefix), in English and Chinese alike; itself and its own pair left "
        "out. Needs `hlkb index --embed` and the semantic extra.",
    )(related_command)


def _import_numpy_meanwhile() -> None:
    """Import numpy in a thread while the index is opened and refreshed (the walk's system
    calls leave the interpreter free): ~70 ms of a query's start-up, overlapped."""

    threading.Thread(target=numpy, daemon=True).start()


@opt.with_filters
def related_command(
    record_id: str = typer.Argument(..., metavar="ID", help="A record id, or a unique prefix of one."),
    filters: Filters = None,
    vault: opt.Vault = None,
    db: opt.Db = None,
    no_refresh: opt.NoRefresh = False,
    json_: opt.Json = False,
    jsonl: opt.Jsonl = False,
    format_: opt.Format = None,
    snippets: bool = typer.Option(False, "--snippets", help="Add a 'snippet' excerpt to each JSON hit."),
) -> int:

    fmt = output_format(json_, jsonl, format_)
    require("hlkb related")
    _import_numpy_meanwhile()

    with ensure_fresh(vault, db, no_refresh) as index:
        vs = fresh_vectors(index, no_refresh)
        _rec, ranked = related_hits(index, vs, record_id, filters, filters.limit or RELATED_LIMIT)
        return _emit(index, ranked, fmt, snippets, [], fused=False)


def search_by_meaning(
    query: str, parsed, filters, fmt: str, snippets: bool, vault, db, no_refresh: bool, hybrid: bool
) -> int:
    """`hlkb search QUERY --semantic` (or ``--hybrid``)."""

    option = "--hybrid" if hybrid else "--semantic"
    if not query.strip():
        raise UsageError(f'hlkb search {option} needs a query ("" lists records only without it)')
    require(f"hlkb search {option}")
    _import_numpy_meanwhile()

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

    conn = index.conn
    vs = vectors.load(conn)
    stale = vectors.indexed_files(conn) - vs.files
    if stale and not no_refresh and not index.read_only:
        try:
            summary = embed_index(index, progress=progress_bar, lock_wait=0, max_files=CATCH_UP_FILES)
            if summary.files or summary.removed:
                vs = vectors.load(conn)
            stale = summary.stale
        except IndexBusyError:
            message("hlkb: the index is being updated by another hlkb; using its vectors as they are")
        except HlkbError:
            pass
    if vectors.stored_engine(conn) not in (None, engine_id()):
        raise UsageError(
            "the index's vectors were made by another version of the encoder; run "
            "`hlkb index --embed` to make them again"
        )
    if not len(vs):
        raise UsageError(
            "the index has no vectors yet: run `hlkb index --embed` (or set embed = true under [index] in hlkb.toml)"
        )
    if stale:
        message(
            f"hlkb: {stale} note{'s are' if stale != 1 else ' is'} new or changed since `hlkb index --embed` "
            "and left out until it runs"
        )
    return vs


def _emit(index, ranked, fmt: str, snippets: bool, terms, fused: bool) -> int:

    if fmt == "table":
        count = _show(index, ranked, terms)
    else:
        count = emit(results.records(index, ranked, snippets=snippets, fused=fused), fmt)
    if count == 0:
        message("hlkb: no matches")
    sys.stdout.flush()
    return 0


def _show(index, ranked, terms) -> int:

    if not ranked.hits:
        return 0
    shown = groups(index, ranked)
    console = stdout_console()
    total_notes = max(ranked.total_notes, len({h.file_id for h in ranked.hits}))
    for line in search_view(
        shown, terms, console.width, ranked.total, total_notes, len(ranked.hits), len(ranked.hits) < ranked.total
    ):
        console.print(line, no_wrap=True, crop=True)
    return len(ranked.hits)


# ------------------------------------------------------------------ hlkb index --embed ---


def embed_setting(vault, requested: bool | None) -> tuple[bool, str | None]:
    """(embed?, where the choice came from): ``--embed/--no-embed``, else ``embed`` under
    ``[index]`` in hlkb.toml (``[tool.hlkb.index]`` in pyproject.toml)."""

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

    wanted, source = embed_setting(index.vault, requested)
    if not wanted:
        return None
    if not semantic_extra.available():  # looked up at call time (tests switch the extra off)
        # --embed itself is refused before indexing; a settings file shared with a machine
        # without the extra must not stop the index
        message(
            f"hlkb: {source}: embed = true, but the semantic extra is not installed ({INSTALL_HINT}); "
            "vectors not updated"
        )
        return None

    summary = embed_index(index, progress=progress_bar, jobs=jobs)
    message(summary.line())
    return summary
