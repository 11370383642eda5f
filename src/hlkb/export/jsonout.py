"""JSON and JSONL export: the docs/records.md records behind a versioned envelope or header line.

Both write as they read, so memory stays flat however many records the index holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import TextIO

from hlkb import SCHEMA_VERSION, __version__

# one encoder for every record (json.dumps with options builds a new one per call)
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)
_CHUNK = 256  # records per write: fewer calls into the text layer, still streaming


def dumps(record: dict) -> str:
    return _ENCODER.encode(record)


def _encoded(records: Iterable[dict | str]) -> Iterator[str]:
    """Each record's JSON text; a record given as a str is already one (search_json)."""
    for rec in records:
        yield rec if isinstance(rec, str) else dumps(rec)


def write_json_array(records: Iterable[dict | str], out: TextIO) -> int:
    """Stream records as one JSON array (constant memory). Returns the count."""
    n = 0
    out.write("[")
    for text in _encoded(records):
        out.write(",\n" if n else "\n")
        out.write(text)
        n += 1
    out.write("\n]\n" if n else "]\n")
    return n


def write_json_lines(records: Iterable[dict | str], out: TextIO) -> int:
    """Stream records one JSON text a line (written in chunks). Returns the count."""
    n = 0
    chunk: list[str] = []
    for text in _encoded(records):
        chunk.append(text)
        if len(chunk) == _CHUNK:
            out.write("\n".join(chunk) + "\n")
            n += len(chunk)
            chunk = []
    if chunk:
        out.write("\n".join(chunk) + "\n")
        n += len(chunk)
    return n


def header_record() -> dict:
    """The first line of a JSONL export (and the envelope's fields for JSON)."""
    return {"kind": "header", "schema_version": SCHEMA_VERSION, "hlkb_version": __version__}


def write_json_envelope(records: Iterable[dict], out: TextIO) -> int:
    """``{"schema_version": …, "hlkb_version": …, "records": [...]}``, one record a line."""
    out.write(f'{{"schema_version": {SCHEMA_VERSION}, "hlkb_version": {dumps(__version__)}, "records": [')
    count = 0
    for record in records:
        out.write(",\n" if count else "\n")
        out.write(dumps(record))
        count += 1
    out.write("\n]}\n" if count else "]}\n")
    return count


def write_jsonl(records: Iterable[dict], out: TextIO) -> int:
    """A header line ``{"kind": "header", "schema_version": …}`` then one record a line."""
    out.write(dumps(header_record()) + "\n")
    return write_json_lines(records, out)
