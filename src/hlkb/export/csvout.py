"""CSV export: one row a record, a fixed header, lists joined, safe to open in a spreadsheet.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some, tab or
CR) as a formula, so such text cells get a leading ``'`` (OWASP's advice); a cell that already
starts with ``'`` gets one more, which keeps the escaping reversible (``read_csv_records``)
and shows the text unchanged in the spreadsheet. Numbers are never escaped: ``-3`` stays a number.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import TextIO

# (column, type): str, int, float, bool, list (strings joined by LIST_SEP), lines (joined by
# newlines: paragraphs), json (objects and lists of objects as JSON text).
COLUMNS: list[tuple[str, str]] = [
    ("kind", "str"),
    ("id", "str"),
    ("path", "str"),
    ("line", "int"),
    ("note_id", "str"),
    ("title", "str"),
    ("author", "str"),
    ("category", "str"),
    ("url", "str"),
    ("date", "str"),
    ("tags", "list"),
    ("document_tags", "list"),
    ("text", "str"),
    ("markdown", "str"),
    ("note", "str"),
    ("location", "json"),
    ("readwise_id", "str"),
    ("lang", "str"),
    ("section", "str"),
    ("end_line", "int"),
    ("en", "lines"),
    ("zh", "lines"),
    ("en_lines", "json"),
    ("zh_lines", "json"),
    ("score", "float"),
    ("repairs", "json"),
    ("zh_script", "str"),
    ("figures", "json"),
    ("attribution", "str"),
    ("source", "str"),
    ("check", "str"),
    ("counterpart", "str"),
    ("evidence", "list"),
    ("highlight_id", "str"),
    ("pair_id", "str"),
    ("highlight_count", "int"),
    ("pair_count", "int"),
    ("claim_count", "int"),
    ("summary", "str"),
    ("format", "str"),
    ("metadata", "json"),
    ("front_matter", "json"),
    ("column", "int"),
    ("code", "str"),
    ("severity", "str"),
    ("message", "str"),
]
COLUMN_NAMES = [name for name, _ in COLUMNS]
COLUMN_TYPES = dict(COLUMNS)
LIST_SEP = "; "
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "'")


def spreadsheet_safe(text: str) -> str:
    return "'" + text if text.startswith(_DANGEROUS) else text


def _cell(value, kind: str) -> str:
    if value is None:
        return ""
    if kind in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return spreadsheet_safe(str(value))
        return repr(value) if isinstance(value, float) else str(value)
    if kind == "list":
        text = LIST_SEP.join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)
    elif kind == "lines":
        text = "\n".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)
    elif kind == "json":
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    return spreadsheet_safe(text)


def write_csv(records: Iterable[dict], out: TextIO) -> int:
    """Fields a record does not have are empty cells; fields without a column are left out."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMN_NAMES)
    count = 0
    for record in records:
        writer.writerow([_cell(record.get(name), kind) if name in record else "" for name, kind in COLUMNS])
        count += 1
    return count


def _uncell(text: str, kind: str):
    if text.startswith("'"):
        text = text[1:]
    if kind == "int":
        return int(text)
    if kind == "float":
        return float(text)
    if kind == "list":
        return text.split(LIST_SEP) if text else []
    if kind == "lines":
        return text.split("\n") if text else []
    if kind == "json":
        return json.loads(text)
    return text


def read_csv_records(lines: Iterable[str], fields_by_kind: dict[str, list[str]]) -> Iterator[dict]:
    """Records back from an export (for scripts and tests): each kind keeps only its own fields;
    an empty cell is null (an empty list for list columns)."""
    reader = csv.reader(lines)
    header = next(reader)
    for row in reader:
        cells = dict(zip(header, row))
        kind = cells["kind"]
        record = {}
        for name in fields_by_kind.get(kind, []):
            if name not in cells:
                continue
            col_type = COLUMN_TYPES.get(name, "str")
            text = cells[name]
            if text == "":
                record[name] = [] if col_type in ("list", "lines") else None
            else:
                record[name] = _uncell(text, col_type)
        yield record
