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

APPLICATION_ID = 0x686C6B62  # "hlkb"

# How FTS5 writes (not what it holds: searches are the same either way). Stored in the
# index; applied when it is created and again before it is rebuilt (store.clear_content),
# so an index made by an older hlkb gets them with `hlkb index --full`.
FTS_SETTINGS = [
    # merge segments 8 at a time, not 4: ~10% less insert work for a cold index (measured),
    # and as small an index
    "INSERT INTO fts(fts, rank) VALUES ('automerge', 8)",
    "INSERT INTO fts(fts, rank) VALUES ('crisismerge', 32)",
    # keep up to 16 MB of new terms in memory before writing them out (default 1 MB): a
    # batch of files is then one segment, not several, and fewer segments are merged
    # later (2,000 bench notes: the writer's CPU 2.2 -> 1.45 s, best of 5)
    "INSERT INTO fts(fts, rank) VALUES ('hashsize', 16777216)",
]

SCHEMA_VERSION = 5

# FTS5 columns, in order (the bm25 weights in search.py follow this order).
FTS_COLUMNS = ("title", "body", "note", "meta", "tag", "author")

# Row ids (records.rid, parts.rid, the fts rowid) are dense: each note file's rows are one
# block files.rid_lo .. rid_hi, the note record first, then its other records (highlights,
# pairs, claims) in file order, then its parts. Dense, because FTS5 stores each doclist
# entry as the distance from the previous one: a block per file at a fixed stride
# (file_id << 24 | seq) made the full-text index 27% larger.

VECTORS_TABLE = """CREATE TABLE IF NOT EXISTS vectors(
        file_id INTEGER PRIMARY KEY,
        hash TEXT NOT NULL,
        path TEXT NOT NULL,
        dims INTEGER NOT NULL,
        slots BLOB NOT NULL,
        bits BLOB NOT NULL,
        keys BLOB NOT NULL,
        vecs BLOB NOT NULL)"""

# `hlkb import` (readwise/state.py): each Readwise highlight as hlkb last wrote it, to tell
# an edit made in the vault from one made in Readwise. Not a cache of the vault, so
# `index --full` (clear_content) keeps it; a rebuild loses it, after which a highlight that
# changed on both sides cannot be told apart and is reported as a conflict, never overwritten.
IMPORT_HIGHLIGHTS = """CREATE TABLE IF NOT EXISTS import_highlights(
        book TEXT NOT NULL,         -- the Readwise book id, or csv-<hash> (the CSV has no ids)
        highlight TEXT NOT NULL,    -- the Readwise highlight id, or t-<hash of its text>
        written TEXT NOT NULL,      -- hash of its lines as hlkb last wrote them
        data TEXT NOT NULL,         -- hash of its Readwise fields as last imported
        PRIMARY KEY (book, highlight)) WITHOUT ROWID"""

# Secondary indexes of the tables a refresh fills row by row. A cold build of many files
# drops them and creates them once at its end (refresh.py: sorting the rows once is
# cheaper than keeping each index in order through 250k inserts); ``prepare`` creates any
# that an interrupted build left missing.
BULK_INDEXES = {
    "records_id": "CREATE INDEX IF NOT EXISTS records_id ON records(id)",
    "tags_tag": "CREATE INDEX IF NOT EXISTS tags_tag ON tags(tag, file_id)",
    "tags_file": "CREATE INDEX IF NOT EXISTS tags_file ON tags(file_id)",
    "fields_kv": "CREATE INDEX IF NOT EXISTS fields_kv ON fields(key, value, file_id)",
    "fields_file": "CREATE INDEX IF NOT EXISTS fields_file ON fields(file_id)",
}

SCHEMA = [
    """CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT)""",
    # One row per note file; size+mtime then the content hash decide whether to re-parse.
    # title/author/category/date/lang are the note's, for the filters of all its records.
    """CREATE TABLE files(
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        hash TEXT NOT NULL,
        note_id TEXT,
        error TEXT,
        title TEXT,
        author TEXT,
        category TEXT,
        date TEXT,
        rid_lo INTEGER,
        rid_hi INTEGER)""",
    """CREATE INDEX files_hash ON files(hash)""",
    """CREATE INDEX files_rids ON files(rid_lo, id)""",
    # The original text, once: each file's records (their exact JSON, less the kind/id/path
    # prefix that the columns hold) and parts, zlib-compressed as one blob per file.
    """CREATE TABLE texts(file_id INTEGER PRIMARY KEY, z BLOB NOT NULL)""",
    # One row per record; rid = the fts rowid (claims have no fts row: they are found
    # through their passage, ``passage`` = the rid of the highlight, pair, part or note
    # that holds them). pos/len: the record's slice of its file's text.
    """CREATE TABLE records(
        rid INTEGER PRIMARY KEY,
        file_id INTEGER NOT NULL,
        id TEXT NOT NULL,
        kind TEXT NOT NULL,
        line INTEGER NOT NULL,
        lang TEXT,
        pos INTEGER NOT NULL,
        len INTEGER NOT NULL,
        passage INTEGER,
        source TEXT,
        "check" TEXT,
        attribution TEXT,
        counterpart TEXT)""",
    BULK_INDEXES["records_id"],
    # Parts: paragraphs of a note's own text (outside its highlights and pairs); searched
    # and shown as that note. pos/len as for records.
    """CREATE TABLE parts(
        rid INTEGER PRIMARY KEY,
        file_id INTEGER NOT NULL,
        line INTEGER NOT NULL,
        end_line INTEGER NOT NULL,
        pos INTEGER NOT NULL,
        len INTEGER NOT NULL)""",
    # Tags: rid NULL = a note's tag (applies to every record of the file); else a record's own.
    """CREATE TABLE tags(file_id INTEGER NOT NULL, rid INTEGER, tag TEXT NOT NULL COLLATE NOCASE)""",
    BULK_INDEXES["tags_tag"],
    BULK_INDEXES["tags_file"],
    # Front matter for --where (whole file); a claim's own fields are columns of records.
    """CREATE TABLE fields(file_id INTEGER NOT NULL, key TEXT NOT NULL COLLATE NOCASE,
        value TEXT COLLATE NOCASE)""",
    BULK_INDEXES["fields_kv"],
    BULK_INDEXES["fields_file"],
    # What the full-text index was built from: every searchable row's columns, folded
    # (cjk.py), computed from the stored original text by hlkb_fts(). FTS5 reads it only
    # to delete a row, to 'rebuild' and for 'integrity-check'; the folded text itself is
    # stored nowhere but inside the index.
    """CREATE VIEW fts_source(rid, """
    + ", ".join(FTS_COLUMNS)
    + """) AS
        SELECT r.rid, """
    + ", ".join(f"hlkb_fts(r.kind, t.z, r.pos, r.len, {i})" for i in range(len(FTS_COLUMNS)))
    + """ FROM records r JOIN texts t ON t.file_id = r.file_id
        WHERE r.kind != 'claim'
        UNION ALL
        SELECT p.rid, """
    + ", ".join(f"hlkb_fts('part', t.z, p.pos, p.len, {i})" for i in range(len(FTS_COLUMNS)))
    + """ FROM parts p JOIN texts t ON t.file_id = p.file_id""",
    # External-content FTS5: rowid = records.rid or parts.rid.
    "CREATE VIRTUAL TABLE fts USING fts5("
    + ", ".join(FTS_COLUMNS)
    + ", content = 'fts_source', content_rowid = 'rid', tokenize = 'unicode61 remove_diacritics 2')",
    # Meaning vectors (hlkb.semantic, `hlkb index --embed`), one row per note file: the
    # vectors of its passages as of files.hash and files.path (valid while both are
    # unchanged: the rows of a changed file are rewritten with new rids, its file id stays;
    # a file id can be reused by another file). ``slots``: one int32 per vector, its row's
    # seq in the file's block << 3 | what it is of (semantic/passages.py: a highlight, a
    # pair's English or Chinese side, a part, the note's row); ``keys``: 8 bytes per vector,
    # a hash of the text embedded (an edit re-embeds only the passages whose text changed);
    # ``vecs``: int8, ``dims`` per vector (a cosine is q·x / |q|: no scale is stored);
    # ``bits``: the signs of each vector, dims/8 bytes, which a search scans (the rest of a
    # row is read only for its shortlist). The small columns come first: SQLite then reads
    # them without walking the pages of the large ones.
    VECTORS_TABLE,
    *FTS_SETTINGS,
    IMPORT_HIGHLIGHTS,
]

# version -> statements that take an index from that version to version + 1.
# Version 1 (the first development schema) had no application_id and no fields.rid;
# version 2 stored every text four to six times (issue 16). Both are rebuilt: the index
# is a cache of the vault, and a rebuild is cheaper and safer than a conversion.
MIGRATIONS: dict[int, list[str]] = {
    3: [VECTORS_TABLE],  # version 4 added the meaning vectors (issue 19); nothing else changed
    4: [IMPORT_HIGHLIGHTS],  # version 5 added what `hlkb import` last wrote (issue 18); nothing else changed
}


class IndexFileError(InputError):
    """The index file cannot be used (not SQLite, not ours, or from a newer hlkb)."""


def _tables(conn: sqlite3.Connection) -> set[str]:
    return _names(conn)[0]


def _names(conn: sqlite3.Connection) -> tuple[set[str], set[str]]:
    """(table and view names, index names): one read of sqlite_master."""
    tables: set[str] = set()
    indexes: set[str] = set()
    for kind, name in conn.execute("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view', 'index')"):
        (indexes if kind == "index" else tables).add(name)
    return tables, indexes


def drop_bulk_indexes(conn: sqlite3.Connection) -> None:
    """Drop the secondary indexes a cold build creates at its end (inside its transaction)."""
    for name in BULK_INDEXES:
        conn.execute(f"DROP INDEX IF EXISTS {name}")


def create_missing_indexes(conn: sqlite3.Connection, have: set[str] | None = None) -> None:
    """Create the secondary indexes a cold build dropped and did not get to create again
    (it was killed). ``have``: the index names, when the caller has read them already. A
    read-only index stays without them (its queries are slower, not wrong)."""
    if have is None:
        have = _names(conn)[1]
    missing = [sql for name, sql in BULK_INDEXES.items() if name not in have]
    if not missing:
        return
    # The sort behind CREATE INDEX spills to a temporary file once it outgrows the page
    # cache, instead of holding every key in memory as temp_store = MEMORY (store.connect)
    # would: at 100k notes that was 150 MB more peak memory, and slower (7.7 s against 5.5).
    previous = conn.execute("PRAGMA temp_store").fetchone()[0]
    try:
        conn.execute("PRAGMA temp_store = FILE")
        for sql in missing:
            conn.execute(sql)
    except sqlite3.OperationalError:
        pass  # read-only file, or another hlkb writing: created by the next refresh
    finally:
        conn.execute(f"PRAGMA temp_store = {int(previous)}")


def _header(conn: sqlite3.Connection) -> tuple[int, int, set[str], set[str]]:
    """application_id, user_version, table names and index names, read in ONE transaction:
    read one by one, another process creating the schema meanwhile could be seen half-way
    (no application_id yet, but tables), which looked like a foreign database."""
    conn.execute("BEGIN")
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        return app_id, version, *_names(conn)
    finally:
        conn.execute("COMMIT")


def create(conn: sqlite3.Connection) -> bool:
    """Create the schema in one write transaction; False if another process created it
    first (two `hlkb index` on a new index at once: the second must not half-create it)."""
    conn.execute("BEGIN IMMEDIATE")  # waits (busy_timeout) while the other one writes
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


def _drop_all(conn: sqlite3.Connection) -> None:
    """Drop every view and table of an index of any version (FTS5's shadow tables go with
    their virtual table). Call inside a transaction."""
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'").fetchall():
        conn.execute(f'DROP VIEW IF EXISTS "{name}"')
    conn.execute("DROP TABLE IF EXISTS fts")
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
    ).fetchall():
        conn.execute(f'DROP TABLE IF EXISTS "{name}"')


def _rebuild(conn: sqlite3.Connection) -> str:
    """Replace an older schema by the current one, empty, in one write transaction (a
    second hlkb doing the same at once finds it done and leaves it)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            conn.execute("COMMIT")
            return "ok"
        _drop_all(conn)
        for stmt in SCHEMA:
            conn.execute(stmt)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("VACUUM")  # give the old index's pages back to the file system
    except sqlite3.OperationalError:
        pass  # another hlkb is reading it: the pages are reused instead
    return "rebuilt"


def prepare(conn: sqlite3.Connection, path: Path) -> str:
    """Bring the database to the current schema; returns "created", "migrated", "rebuilt" or "ok"."""
    shown = str(path)
    try:
        app_id, version, tables, indexes = _header(conn)
    except sqlite3.DatabaseError as exc:
        raise IndexFileError(f"cannot read the index ({exc}); choose another --db", shown) from None
    if not tables and app_id in (0, APPLICATION_ID):
        if create(conn):
            return "created"
        app_id, version, tables, indexes = _header(conn)
    if app_id != APPLICATION_ID:
        if version == 1 and {"files", "records", "fts"} <= tables:
            pass  # a development index from before application_id: ours, rebuild below
        else:
            raise IndexFileError("is an SQLite database but not an hlkb index; choose another --db", shown)
    if version > SCHEMA_VERSION:
        raise IndexFileError(
            f"was written by a newer hlkb (index schema {version}, this hlkb reads up "
            f"to {SCHEMA_VERSION}); upgrade hlkb or use another --db",
            shown,
        )
    if version == SCHEMA_VERSION:
        create_missing_indexes(conn, indexes)  # (read with the header: no second query)
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
    return _rebuild(conn)
