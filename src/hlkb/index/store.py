"""The index file: opening it (Index), the writer lock, and writing each note file's rows.

Rows for one file are produced by ``rows.rows_for_note`` (in the parsing worker processes,
so the CPU-heavy folding runs on every core) and written by ``Writer`` in the one writer
process, in the file's block of rids (schema.py).
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import time
import zlib
from contextlib import contextmanager
from pathlib import Path

from hlkb.errors import IndexBusyError, InputError
from hlkb.index import rows as r
from hlkb.index import schema
from hlkb.index.dbfile import check_before_opening, index_writable, open_read_only
from hlkb.vault import default_db

# How long `hlkb index` waits for another writer before saying the index is busy.
LOCK_WAIT_SECONDS = 30.0


class Index:
    """An open index: ``vault`` (absolute), ``db`` (the file), ``conn`` (sqlite3)."""

    read_only = False  # opened read-only (this user cannot write it): reads work, refreshes do not

    def __init__(self, vault: Path, db: Path, conn: sqlite3.Connection):
        self.vault = vault
        self.db = db
        self.conn = conn
        self._lock_fd: int | None = None

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None
        self.unlock()

    # ---- writer lock: one `hlkb index` at a time; readers never wait for it (WAL) ----
    def lock(self, wait: float = LOCK_WAIT_SECONDS) -> None:
        import fcntl

        if self._lock_fd is not None:
            return
        if self.read_only:
            raise InputError(
                "the index is read-only here (no permission to write it); it cannot be updated", str(self.db)
            )
        lock_path = str(self.db) + ".lock"
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise InputError(f"cannot create the index lock file: {exc.strerror or exc}", lock_path) from None
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    os.close(fd)
                    raise InputError(f"cannot lock the index: {exc.strerror or exc}", lock_path) from None
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise IndexBusyError(
                        "the index is busy: another hlkb is updating it; try again when it has finished", str(self.db)
                    ) from None
                time.sleep(0.1)
        self._lock_fd = fd

    def unlock(self) -> None:
        if self._lock_fd is not None:
            import fcntl

            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            finally:
                os.close(self._lock_fd)
                self._lock_fd = None


def connect(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(db), timeout=30.0, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA busy_timeout = 30000")
        _enable_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA cache_size = -32000")
    except sqlite3.OperationalError as exc:
        conn.close()
        if "locked" in str(exc) or "busy" in str(exc):
            raise IndexBusyError("the index is busy: another hlkb is creating it; try again", str(db)) from None
        raise schema.IndexFileError(f"cannot open the index ({exc}); choose another --db", str(db)) from None
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise schema.IndexFileError(f"cannot open the index ({exc}); choose another --db", str(db)) from None
    return conn


def _enable_wal(conn: sqlite3.Connection, wait: float = LOCK_WAIT_SECONDS) -> None:
    """Switch to WAL (readers never wait for the writer). On a new file this needs an
    exclusive lock, and SQLite answers "database is locked" at once rather than waiting
    when another process is switching it too (two `hlkb index` on a new index), so retry."""
    deadline = time.monotonic() + wait
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            return
        except sqlite3.OperationalError as exc:
            if not ("locked" in str(exc) or "busy" in str(exc)) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


def open_index(vault: Path, db: Path | None = None) -> Index:
    """Open (creating folder and file if needed) the index of ``vault``; an Index context manager."""

    vault = Path(vault).resolve()
    db = Path(db) if db is not None else default_db(vault)
    # a file that is not an index this hlkb may write is refused before any write (dbfile.py)
    check_before_opening(db)
    if not index_writable(db):
        index = Index(vault, db, open_read_only(db))
        index.read_only = True
        return index
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the index folder: {exc.strerror or exc}", str(db.parent)) from None
    try:
        conn = connect(db)
    except sqlite3.OperationalError as exc:
        raise InputError(f"cannot open the index: {exc}", str(db)) from None
    register_functions(conn)
    try:
        schema.prepare(conn, db)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise schema.IndexFileError(
            f"the index is damaged ({exc}); rebuild it with `hlkb index --full` after removing it", str(db)
        ) from None
    except BaseException:
        conn.close()
        raise
    return Index(vault, db, conn)


# ---------------------------------------------------------------- writing ---

FTS_INSERT = (
    "INSERT INTO fts(rowid, " + ", ".join(schema.FTS_COLUMNS) + ") VALUES (?" + ", ?" * len(schema.FTS_COLUMNS) + ")"
)
RECORD_INSERT = (
    'INSERT INTO records(rid, file_id, id, kind, line, lang, pos, len, passage, source, "check", '
    "attribution, counterpart) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class FtsSource:
    """``hlkb_fts(kind, z, pos, len, column)``: a row's folded FTS column, recomputed from
    the stored text (the fts_source view; FTS5 calls it to delete a row and to check
    itself). Remembers the last file's text and row: FTS5 asks for each column in turn."""

    def __init__(self):
        self._text_key = None
        self._data = b""
        self._row_key = None
        self._columns: tuple = ()

    def __call__(self, kind, z, pos, length, column):

        text_key = (len(z), zlib.crc32(z))
        if text_key != self._text_key:
            self._data, self._text_key = r.unpack(z), text_key
        row_key = (text_key, kind, pos, length)
        if row_key != self._row_key:
            piece = r.piece_at(self._data, pos, length)
            rec = json.loads(piece if kind == "part" else r.record_text(kind, "", "", piece))
            self._columns, self._row_key = r.folded_columns(kind, rec), row_key
        return self._columns[column]


def register_functions(conn: sqlite3.Connection) -> None:
    conn.create_function("hlkb_fts", 5, FtsSource(), deterministic=True)


def file_rids(conn: sqlite3.Connection, file_id: int) -> tuple[int, int] | None:
    """(rid_lo, rid_hi) of a file's block of rows, or None if it has none."""
    row = conn.execute("SELECT rid_lo, rid_hi FROM files WHERE id = ?", (file_id,)).fetchone()
    return (row[0], row[1]) if row and row[0] is not None else None


def delete_file_records(conn: sqlite3.Connection, file_id: int) -> int:
    """Remove a file's rows; returns how many records went."""
    deleted = 0
    block = file_rids(conn, file_id)
    if block is not None:
        lo, hi = block
        # FTS5 reads each row's columns back through fts_source to delete them: first, while
        # the stored text is still there
        rids = conn.execute(
            "SELECT rid FROM records WHERE rid BETWEEN ? AND ? AND kind != 'claim' "
            "UNION ALL SELECT rid FROM parts WHERE rid BETWEEN ? AND ?",
            (lo, hi, lo, hi),
        ).fetchall()
        conn.executemany("DELETE FROM fts WHERE rowid = ?", rids)
        deleted = conn.execute("DELETE FROM records WHERE rid BETWEEN ? AND ?", (lo, hi)).rowcount
        conn.execute("DELETE FROM parts WHERE rid BETWEEN ? AND ?", (lo, hi))
        conn.execute("UPDATE files SET rid_lo = NULL, rid_hi = NULL WHERE id = ?", (file_id,))
    conn.execute("DELETE FROM texts WHERE file_id = ?", (file_id,))
    conn.execute("DELETE FROM tags WHERE file_id = ?", (file_id,))
    conn.execute("DELETE FROM fields WHERE file_id = ?", (file_id,))
    return deleted


def delete_file(conn: sqlite3.Connection, file_id: int) -> int:
    deleted = delete_file_records(conn, file_id)
    conn.execute("DELETE FROM files WHERE id = ?", (file_id,))
    return deleted


def clear_content(conn: sqlite3.Connection) -> None:
    """Empty the index but keep the files (call inside a transaction): every file is
    re-parsed by the refresh that follows, and by the next one if this one is cut short."""
    conn.execute("INSERT INTO fts(fts) VALUES ('delete-all')")
    for stmt in schema.FTS_SETTINGS:
        conn.execute(stmt)
    for table in ("records", "parts", "texts", "tags", "fields"):
        conn.execute(f"DELETE FROM {table}")
    conn.execute("UPDATE files SET hash = '', mtime_ns = -1, rid_lo = NULL, rid_hi = NULL")


class Writer:
    """Writes FileRows; call inside a transaction. Each file's rows get the next free block
    of rids (the lock makes this the only writer)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.records_written = 0
        self.records_deleted = 0
        # both maxima are one B-tree descent (rowid tables)
        self.next_rid = (
            conn.execute(
                "SELECT max(coalesce((SELECT max(rid) FROM records), 0), coalesce((SELECT max(rid) FROM parts), 0))"
            ).fetchone()[0]
            or 0
        ) + 1

    def write(self, rows, file_id: int | None) -> int:
        conn = self.conn
        values = (
            rows.rel,
            rows.size,
            rows.mtime_ns,
            rows.hash,
            rows.note_id,
            rows.error,
            rows.title,
            rows.author,
            rows.category,
            rows.date,
        )
        if rows.records:
            base = self.next_rid
            count = len(rows.records) + len(rows.parts)
            self.next_rid += count
            block: tuple = (base, base + count - 1)
        else:
            base, block = 0, (None, None)
        if file_id is not None:
            self.records_deleted += delete_file_records(conn, file_id)
            conn.execute(
                "UPDATE files SET path=?, size=?, mtime_ns=?, hash=?, note_id=?, error=?, title=?, "
                "author=?, category=?, date=?, rid_lo=?, rid_hi=? WHERE id=?",
                values + block + (file_id,),
            )
        else:
            file_id = conn.execute(
                "INSERT INTO files(path, size, mtime_ns, hash, note_id, error, title, author, category, date, "
                "rid_lo, rid_hi) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                values + block,
            ).lastrowid
        if not rows.records:
            return file_id
        self.records_written += len(rows.records)
        conn.execute("INSERT INTO texts(file_id, z) VALUES (?, ?)", (file_id, rows.text))
        conn.executemany(
            RECORD_INSERT,
            [
                (
                    base + seq,
                    file_id,
                    rid,
                    kind,
                    line,
                    lang,
                    pos,
                    length,
                    None if passage is None else base + passage,
                    source,
                    check,
                    attribution,
                    counterpart,
                )
                for seq, rid, kind, line, lang, pos, length, passage, source, check, attribution, counterpart in rows.records
            ],
        )
        if rows.parts:
            conn.executemany(
                "INSERT INTO parts(rid, file_id, line, end_line, pos, len) VALUES (?, ?, ?, ?, ?, ?)",
                [(base + seq, file_id, line, end, pos, length) for seq, line, end, pos, length in rows.parts],
            )
        conn.executemany(FTS_INSERT, [(base + row[0],) + row[1:] for row in rows.fts])
        tag_rows = [(file_id, None, t) for t in rows.note_tags]
        tag_rows += [(file_id, base + seq, t) for seq, t in rows.record_tags]
        if tag_rows:
            conn.executemany("INSERT INTO tags(file_id, rid, tag) VALUES (?, ?, ?)", tag_rows)
        if rows.fields:
            conn.executemany(
                "INSERT INTO fields(file_id, key, value) VALUES (?, ?, ?)", [(file_id, k, v) for k, v in rows.fields]
            )
        return file_id

    def rename(self, file_id: int, old_rel: str, new_rel: str, size: int, mtime_ns: int) -> None:
        """A file moved with its content unchanged: same records, same ids, new path. The
        stored records leave the path out (it is the files table's), except one whose JSON
        did not start with kind, id, path: that one is rewritten."""

        conn = self.conn
        conn.execute("UPDATE files SET path=?, size=?, mtime_ns=? WHERE id=?", (new_rel, size, mtime_ns, file_id))
        got = conn.execute("SELECT z FROM texts WHERE file_id = ?", (file_id,)).fetchone()
        if got is None:
            return
        data = r.unpack(got[0])
        lo, hi = file_rids(conn, file_id) or (0, -1)
        spans = [
            ("r", rid, pos, length)
            for rid, pos, length in conn.execute(
                "SELECT rid, pos, len FROM records WHERE rid BETWEEN ? AND ? ORDER BY pos", (lo, hi)
            )
        ]
        spans += [
            ("p", rid, pos, length)
            for rid, pos, length in conn.execute(
                "SELECT rid, pos, len FROM parts WHERE rid BETWEEN ? AND ? ORDER BY pos", (lo, hi)
            )
        ]
        pieces = [r.piece_at(data, pos, length) for _t, _rid, pos, length in spans]
        whole = [i for i, (t, *_rest) in enumerate(spans) if t == "r" and pieces[i].startswith("{")]
        if not whole:
            return
        for i in whole:
            rec = json.loads(pieces[i])
            rec["path"] = new_rel
            pieces[i] = r.dumps(rec)
        z, new_spans = r.pack(pieces)
        conn.execute("UPDATE texts SET z = ? WHERE file_id = ?", (z, file_id))
        for (t, rid, _pos, _len), (pos, length) in zip(spans, new_spans):
            conn.execute(
                f"UPDATE {'records' if t == 'r' else 'parts'} SET pos = ?, len = ? WHERE rid = ?", (pos, length, rid)
            )


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_meta(conn: sqlite3.Connection, key: str, value: str | None) -> None:
    """Call inside a transaction; None removes the key."""
    if value is None:
        conn.execute("DELETE FROM meta WHERE key = ?", (key,))
    else:
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))


@contextmanager
def transaction(conn: sqlite3.Connection):
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
