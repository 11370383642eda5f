"""`hlkb export`: records to JSON, JSONL, CSV, a Markdown digest or TMX, streamed.

Library functions take an iterable of record dicts and a text stream; the command supplies
records from the index and the stream (stdout or an atomic ``-o`` file).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Callable, Iterable, TextIO

from hlkb.errors import UsageError
from hlkb.export.csvout import read_csv_records, write_csv
from hlkb.export.jsonout import header_record, write_json_envelope, write_jsonl
from hlkb.export.markdown import write_markdown
from hlkb.export.tmx import write_tmx

FORMATS = ("json", "jsonl", "csv", "md", "tmx")

__all__ = ["FORMATS", "write_export", "write_json_envelope", "write_jsonl", "write_csv", "write_markdown",
           "read_csv_records", "header_record", "record_schema", "schema_text", "fields_by_kind"]


def write_export(records: Iterable[dict], fmt: str, out: TextIO,
                 lookup: Callable[[str], dict | None] | None = None) -> int:
    """Write ``records`` in ``fmt`` to ``out``; returns the number of records."""
    if fmt == "json":
        return write_json_envelope(records, out)
    if fmt == "jsonl":
        return write_jsonl(records, out)
    if fmt == "csv":
        return write_csv(records, out)
    if fmt == "md":
        return write_markdown(records, out, lookup)
    if fmt == "tmx":
        count = 0

        def pairs():
            nonlocal count
            for record in records:
                if record.get("kind") == "pair":
                    count += 1
                    yield record

        write_tmx(pairs(), out)
        return count
    raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def schema_text() -> str:
    from importlib.resources import files

    return files("hlkb").joinpath("schema", "records.schema.json").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def record_schema() -> dict:
    """The shipped JSON Schema (``$defs``: note, highlight, pair, claim, diagnostic, header, envelope)."""
    return json.loads(schema_text())


def fields_by_kind() -> dict[str, list[str]]:
    """Each record kind's documented fields, from the schema (used to read CSV back)."""
    defs = record_schema()["$defs"]
    return {kind: list(defs[kind]["properties"]) for kind in ("note", "highlight", "pair", "claim", "diagnostic")}
