"""JSON and JSONL export: the docs/records.md records behind a versioned envelope or header line.

Both write as they read, so memory stays flat however many records the index holds.
"""

from __future__ import annotations

from typing import Iterable, TextIO

from hlkb import SCHEMA_VERSION, __version__
from hlkb.output import dumps as _dumps
from hlkb.output import write_jsonl as _write_record_lines


def header_record() -> dict:
    """The first line of a JSONL export (and the envelope's fields for JSON)."""
    return {"kind": "header", "schema_version": SCHEMA_VERSION, "hlkb_version": __version__}


def write_json_envelope(records: Iterable[dict], out: TextIO) -> int:
    """``{"schema_version": …, "hlkb_version": …, "records": [...]}``, one record a line."""
    out.write('{"schema_version": %d, "hlkb_version": %s, "records": [' % (SCHEMA_VERSION, _dumps(__version__)))
    count = 0
    for record in records:
        out.write(",\n" if count else "\n")
        out.write(_dumps(record))
        count += 1
    out.write("\n]}\n" if count else "]}\n")
    return count


def write_jsonl(records: Iterable[dict], out: TextIO) -> int:
    """A header line ``{"kind": "header", "schema_version": …}`` then one record a line."""
    out.write(_dumps(header_record()) + "\n")
    return _write_record_lines(records, out)
