"""The functions of hlkb's public API that are more than a name for a library function
(hlkb/__init__.py lists the whole API; docs/api.md shows it at work)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from hlkb.config import template_for
from hlkb.errors import UsageError
from hlkb.export.formats import write_records as _write_records
from hlkb.filters import Filters, build_filters
from hlkb.index import Index
from hlkb.index import search as _index_search
from hlkb.model import Claim, Diagnostic, Highlight, Location, Note, Pair
from hlkb.parse import parse_file as _parse_file
from hlkb.parse import parse_text as _parse_text
from hlkb.pipeline import analyze

Record = Note | Highlight | Pair | Claim | Diagnostic | Location
JSONRecord = dict[str, Any]  # a record as docs/records.md describes it


def parse_file(
    path: str | Path,
    *,
    analysis: bool = True,
    strict: bool = False,
    template: str | None = "auto",
    display_path: str | None = None,
) -> Note:
    """Read one note file into a ``Note`` with its highlights and, with ``analysis`` (the
    default), its English/Chinese pairs and its claims, as ``hlkb parse`` does.

    ``strict``: invalid front matter raises ``InputError`` instead of becoming a warning
    in ``note.warnings``. ``template="auto"`` reads the note with the export template
    configured above it (hlkb.toml / pyproject.toml ``[template]``); None reads it without.
    A file that cannot be read raises ``InputError`` (an ``HlkbError``)."""
    compiled = template_for(path) if template == "auto" else None
    note = _parse_file(path, display_path, strict=strict, template=compiled)
    return analyze(note) if analysis else note


def parse_text(text: str, path: str = "<string>", *, analysis: bool = True, strict: bool = False) -> Note:
    """``parse_file`` for a note's text (``path`` names it in ids, records and messages)."""
    note = _parse_text(text.replace("\r\n", "\n").replace("\r", "\n"), path, strict=strict)
    return analyze(note) if analysis else note


def to_record(obj: Record) -> JSONRecord:
    """The JSON record (docs/records.md) of a note, highlight, pair, claim or diagnostic."""
    return obj.to_record()


def records(note: Note) -> list[JSONRecord]:
    """Every record of a note, as ``hlkb parse --json`` prints them: the note, its
    highlights, its pairs, its claims."""
    return list(note.records())  # type: ignore[no-untyped-call]


def search(
    index: Index,
    query: str | None = None,
    filters: Filters | None = None,
    *,
    snippets: bool = False,
    kind: Sequence[str] | None = None,
    tag: Sequence[str] | None = None,
    author: str | None = None,
    category: str | None = None,
    lang: str | None = None,
    where: Sequence[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int | None = None,
) -> Iterator[JSONRecord]:
    """The records of ``index`` matching ``query`` (docs/search.md#query-syntax), best first,
    as ``hlkb search --json`` prints them (hits carry ``rank``); with no query, every record
    passing the filters, in path and line order. Streams.

    The filters are those of the CLI (docs/commands.md#filters), checked as it checks them
    (a bad value raises ``UsageError``): ``kind`` and ``tag`` lists, ``where`` as
    ``"KEY=VALUE"`` strings, ``since``/``until`` as ``YYYY-MM-DD``; or a ``Filters`` made
    by ``build_filters``."""
    options = (kind, tag, author, category, lang, where, since, until, limit)
    if any(v is not None for v in options):
        if filters is not None:
            raise UsageError("give either filters= or filter options, not both")
        filters = build_filters(kind, tag, author, category, lang, where, since, until, limit)
    return _index_search(index, query or None, filters, snippets=snippets)


def write_records(records: Iterable[JSONRecord], fmt: str, out: TextIO, *, versioned: bool = True) -> int:
    """Write ``records`` to ``out`` in ``fmt`` (json, jsonl, csv, md, tmx, tsv: the
    registry hlkb.export.formats), JSON and JSONL in the versioned shapes ``hlkb export``
    writes unless ``versioned=False``. Returns the number of records written."""
    return _write_records(fmt, records, out, versioned=versioned)
