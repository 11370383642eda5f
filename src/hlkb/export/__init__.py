"""`hlkb export`: records to JSON, JSONL, CSV, a Markdown digest or TMX, streamed.

Library functions take an iterable of record dicts and a text stream; the command supplies
records from the index and the stream (stdout or an atomic ``-o`` file).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib.resources import files
from typing import TextIO

from hlkb.export.csvout import read_csv_records, write_csv
from hlkb.export.formats import REGISTRY, Format, get_format, write_records
from hlkb.export.jsonout import header_record, write_json_envelope, write_jsonl
from hlkb.export.markdown import write_markdown

FORMATS = ("json", "jsonl", "csv", "md", "tmx")

__all__ = [
    "FORMATS",
    "REGISTRY",
    "Format",
    "get_format",
    "write_records",
    "write_export",
    "write_json_envelope",
    "write_jsonl",
    "write_csv",
    "write_markdown",
    "read_csv_records",
    "header_record",
    "record_schema",
    "schema_text",
    "fields_by_kind",
]


def write_export(
    records: Iterable[dict], fmt: str, out: TextIO, lookup: Callable[[str], dict | None] | None = None
) -> int:
    """Write ``records`` in ``fmt`` (one of ``FORMATS``) to ``out``, JSON and JSONL in their
    versioned shapes; returns the number of records written."""
    return write_records(fmt, records, out, versioned=True, lookup=lookup, choices=FORMATS)


def schema_text() -> str:

    return files("hlkb").joinpath("schema", "records.schema.json").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def record_schema() -> dict:
    """The shipped JSON Schema (``$defs``: note, highlight, pair, claim, diagnostic, header, envelope)."""
    return json.loads(schema_text())


def fields_by_kind() -> dict[str, list[str]]:
    """Each record kind's documented fields, from the schema (used to read CSV back)."""
    defs = record_schema()["$defs"]
    return {kind: list(defs[kind]["properties"]) for kind in ("note", "highlight", "pair", "claim", "diagnostic")}
