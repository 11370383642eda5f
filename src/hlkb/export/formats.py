"""Every output format of records, in one registry (as check-jsonschema keeps its reporters).

A format is a name, a one-line description and a writer ``write(records, out, lookup)``
that streams record dicts to a text stream and returns how many it wrote. ``--format NAME``
of every command that prints records looks its writer up here (``--json`` and ``--jsonl``
are aliases of ``--format json`` / ``--format jsonl``); ``hlkb export`` writes the
versioned variants (a JSON envelope, a JSONL header line: docs/records.md). A format that
carries only some kinds of record (TMX and TSV: pairs) leaves the others out.

The diagnostics of ``hlkb validate`` are not records: its reporters (text, json, github)
live beside the checker in hlkb.validate.reporters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from hlkb.errors import UsageError
from hlkb.export.csvout import write_csv
from hlkb.export.jsonout import write_json_array, write_json_envelope, write_json_lines, write_jsonl
from hlkb.export.markdown import write_markdown
from hlkb.export.tmx import write_tmx
from hlkb.export.tsv import write_tsv

Lookup = Callable[[str], "dict[str, Any] | None"]
Writer = Callable[[Iterable[dict[str, Any]], TextIO, "Lookup | None"], int]


@dataclass(frozen=True)
class Format:
    name: str
    description: str
    write: Writer  # plain records
    write_versioned: Writer | None = None  # what `hlkb export` writes, if it differs
    kinds: frozenset[str] | None = None  # the record kinds it carries (None: all)

    def writer(self, versioned: bool = False) -> Writer:
        return (self.write_versioned or self.write) if versioned else self.write


REGISTRY: dict[str, Format] = {}


def register(fmt: Format) -> Format:
    REGISTRY[fmt.name] = fmt
    return fmt


def get_format(name: str, choices: Iterable[str] | None = None, option: str = "--format") -> Format:
    """The format called ``name`` (case-insensitive) among ``choices`` (default: all)."""
    allowed = list(choices) if choices is not None else list(REGISTRY)
    key = (name or "").strip().lower()
    if key not in allowed or key not in REGISTRY:
        raise UsageError(f"{option} must be one of {', '.join(allowed)}, not {name!r}")
    return REGISTRY[key]


def _only(kinds: frozenset[str], records: Iterable[dict[str, Any]], seen: list[int]) -> Iterator[dict[str, Any]]:
    for record in records:
        if record.get("kind") in kinds:
            seen[0] += 1
            yield record


def write_records(
    name: str,
    records: Iterable[dict[str, Any]],
    out: TextIO,
    *,
    versioned: bool = False,
    lookup: Lookup | None = None,
    choices: Iterable[str] | None = None,
) -> int:
    """Write ``records`` in format ``name`` to ``out``; returns the number of records written
    (for a format of some kinds only, the number of those)."""
    fmt = get_format(name, choices)
    write = fmt.writer(versioned)
    if fmt.kinds is None:
        return write(records, out, lookup)
    seen = [0]
    write(_only(fmt.kinds, records, seen), out, lookup)
    return seen[0]


PAIRS = frozenset({"pair"})

register(
    Format(
        "json",
        "one JSON array of records (export: in a versioned envelope)",
        lambda r, out, _l: write_json_array(r, out),
        lambda r, out, _l: write_json_envelope(r, out),
    )
)
register(
    Format(
        "jsonl",
        "one JSON record a line (export: after a header line)",
        lambda r, out, _l: write_json_lines(r, out),
        lambda r, out, _l: write_jsonl(r, out),
    )
)
register(
    Format(
        "csv",
        "one row a record, the columns of every kind (docs/commands.md#csv-columns)",
        lambda r, out, _l: write_csv(r, out),
    )
)
register(Format("md", "a Markdown digest grouped by note", write_markdown))
register(Format("tmx", "pairs as a TMX 1.4 translation memory", lambda r, out, _l: write_tmx(r, out), kinds=PAIRS))
register(Format("tsv", "pairs as en<TAB>zh<TAB>score lines", lambda r, out, _l: write_tsv(r, out), kinds=PAIRS))
