"""What ``hlkb import`` last wrote, kept in the index database (table import_highlights,
index/schema.py; the API's last ``updatedAfter`` in its meta table).

For each highlight: a hash of its lines as hlkb last wrote them (``written``) and a hash of
its Readwise fields as last imported (``data``). A highlight whose lines no longer hash to
``written`` was edited in the vault; one whose fields no longer hash to ``data`` changed in
Readwise; both at once is a conflict.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass

from hlkb.index.store import get_meta, set_meta, transaction

UPDATED_AFTER_KEY = "import_updated_after"


def block_hash(lines: list[str]) -> str:
    """A highlight's lines as the vault holds them, line endings and trailing spaces aside
    (an editor that changes either has not changed the highlight)."""
    joined = "\n".join(line.rstrip() for line in lines).strip("\n")
    return hashlib.blake2b(joined.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


# json.dumps(values, sort_keys=True, ensure_ascii=False, default=str), without building an
# encoder for every highlight
_DATA_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)


def data_hash(values: dict) -> str:
    """The Readwise fields a note shows of a highlight (its template values)."""
    text = _DATA_ENCODER.encode(values)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


@dataclass(frozen=True)
class Recorded:
    written: str
    data: str


class ImportState:
    """The import table of one open index (hlkb.index.store.Index)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def for_books(self, books: list[str]) -> dict[str, dict[str, Recorded]]:
        """book key -> highlight key -> what was recorded."""
        out: dict[str, dict[str, Recorded]] = {b: {} for b in books}
        wanted = list(dict.fromkeys(books))
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            rows = self.conn.execute(
                f"SELECT book, highlight, written, data FROM import_highlights WHERE book IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            for book, highlight, written, data in rows:
                out[book][highlight] = Recorded(written, data)
        return out

    def save(self, rows: list[tuple[str, str, str, str]], gone: list[tuple[str, str]]) -> None:
        """Record (book, highlight, written, data) rows and forget (book, highlight) pairs,
        in one transaction."""

        if not rows and not gone:
            return
        with transaction(self.conn):
            self.conn.executemany(
                "INSERT OR REPLACE INTO import_highlights(book, highlight, written, data) VALUES (?, ?, ?, ?)", rows
            )
            self.conn.executemany("DELETE FROM import_highlights WHERE book = ? AND highlight = ?", gone)

    def updated_after(self) -> str | None:

        return get_meta(self.conn, UPDATED_AFTER_KEY)

    def set_updated_after(self, value: str) -> None:

        with transaction(self.conn):
            set_meta(self.conn, UPDATED_AFTER_KEY, value)
