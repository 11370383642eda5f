"""The index schema, in one place, versioned.

``PRAGMA application_id`` marks the file as an hlkb index and ``PRAGMA user_version`` holds
the schema version. Opening an index:

- a new or empty file gets the current schema;
- an older schema is migrated by the steps in ``MIGRATIONS``; a version we have no step
  for is rebuilt from scratch (the index is a cache of the vault: nothing is lost);
- a newer schema (written by a newer hlkb), a foreign SQLite database or a file that is
  not SQLite at all is refused with a one-line error naming the file.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hlkb.errors import InputError

APPLICATION_ID = 0x686C6B62   # "hlkb"
SCHEMA_VERSION = 2

# FTS5 columns, in order (the bm25 weights in search.py follow this order).
FTS_COLUMNS = ("title", "body", "note", "meta", "tag", "author", "ntitle")

SCHEMA = [
    """CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT)""",
    # One row per note file; size+mtime then the content hash decide whether to re-parse.
    """CREATE TABLE files(
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        hash TEXT NOT NULL,
        note_id TEXT,
        error TEXT)""",
    """CREATE INDEX files_hash ON files(hash)""",
    # One row per record; json is the exact DESIGN.md record, the rest are filter columns
    # (title/author/category/date are the note's, inherited by its highlights, pairs, claims).
    """CREATE TABLE records(
        rid INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        kind TEXT NOT NULL,
        file_id INTEGER NOT NULL,
        note_id TEXT,
        path TEXT NOT NULL,
        line INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        title TEXT,
        author TEXT,
        category TEXT,
        lang TEXT,
        date TEXT,
        json TEXT NOT NULL)""",
    """CREATE INDEX records_id ON records(id)""",
    """CREATE INDEX records_file ON records(file_id)""",
    """CREATE INDEX records_order ON records(path, line, seq)""",
    # Tags: rid NULL = a note's tag (applies to every record of the file); else a record's own.
    """CREATE TABLE tags(file_id INTEGER NOT NULL, rid INTEGER, tag TEXT NOT NULL COLLATE NOCASE)""",
    """CREATE INDEX tags_tag ON tags(tag, file_id)""",
    """CREATE INDEX tags_file ON tags(file_id)""",
    # Fields for --where: front matter (rid NULL, whole file) and record fields (claims).
    """CREATE TABLE fields(file_id INTEGER NOT NULL, rid INTEGER, key TEXT NOT NULL COLLATE NOCASE,
        value TEXT COLLATE NOCASE)""",
    """CREATE INDEX fields_kv ON fields(key, value, file_id)""",
    """CREATE INDEX fields_file ON fields(file_id)""",
    # Folded text (see cjk.py); rowid = records.rid.
    "CREATE VIRTUAL TABLE fts USING fts5(" + ", ".join(FTS_COLUMNS)
    + ", tokenize = 'unicode61 remove_diacritics 2')",
]

# version -> statements that take an index from that version to version + 1.
# Version 1 (the first development schema) had no application_id and no fields.rid; it is
# cheaper and safer to rebuild it than to patch it, so it has no step and is rebuilt.
MIGRATIONS: dict[int, list[str]] = {}


class IndexFileError(InputError):
    """The index file cannot be used (not SQLite, not ours, or from a newer hlkb)."""


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}


def _header(conn: sqlite3.Connection) -> tuple[int, int, set[str]]:
    """application_id, user_version and table names, read in ONE transaction: read one by
    one, another process creating the schema meanwhile could be seen half-way (no
    application_id yet, but tables), which looked like a foreign database."""
    conn.execute("BEGIN")
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        return app_id, version, _tables(conn)
    finally:
        conn.execute("COMMIT")


def create(conn: sqlite3.Connection) -> bool:
    """Create the schema in one write transaction; False if another process created it
    first (two `hlkb index` on a new index at once: the second must not half-create it)."""
    conn.execute("BEGIN IMMEDIATE")   # waits (busy_timeout) while the other one writes
    try:
        if _tables(conn):
            conn.execute("ROLLBACK")
            return False
        for stmt in SCHEMA:
            conn.execute(stmt)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
        return True
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def drop_all(conn: sqlite3.Connection) -> None:
    with conn:
        for (name, kind) in conn.execute(
                "SELECT name, type FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
                "AND name NOT LIKE 'fts_%'").fetchall():
            conn.execute(f'DROP TABLE IF EXISTS "{name}"')


def prepare(conn: sqlite3.Connection, path: Path) -> str:
    """Bring the database to the current schema; returns "created", "migrated", "rebuilt" or "ok"."""
    shown = str(path)
    try:
        app_id, version, tables = _header(conn)
    except sqlite3.DatabaseError as exc:
        raise IndexFileError(f"cannot read the index ({exc}); choose another --db", shown) from None
    if not tables and app_id in (0, APPLICATION_ID):
        if create(conn):
            return "created"
        app_id, version, tables = _header(conn)
    if app_id != APPLICATION_ID:
        if version == 1 and {"files", "records", "fts"} <= tables:
            pass   # a development index from before application_id: ours, rebuild below
        else:
            raise IndexFileError("is an SQLite database but not an hlkb index; choose another --db", shown)
    if version > SCHEMA_VERSION:
        raise IndexFileError(f"was written by a newer hlkb (index schema {version}, this hlkb reads up "
                             f"to {SCHEMA_VERSION}); upgrade hlkb or use another --db", shown)
    if version == SCHEMA_VERSION:
        return "ok"
    steps = []
    v = version
    while v < SCHEMA_VERSION and v in MIGRATIONS:
        steps.extend(MIGRATIONS[v])
        v += 1
    if v == SCHEMA_VERSION:
        with conn:
            for stmt in steps:
                conn.execute(stmt)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return "migrated"
    drop_all(conn)
    conn.execute("VACUUM")
    create(conn)
    return "rebuilt"
