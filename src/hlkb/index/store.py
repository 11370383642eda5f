"""The index file: opening it (Index), the writer lock, and the rows written per note file.

Rows for one file are produced by ``rows_for_note`` (in the parsing worker processes, so
the CPU-heavy folding runs on both cores) and written by ``write_file_rows`` in the one
writer process. ``rid`` values are assigned by the writer (it holds the lock, so it is the
only one inserting).
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from hlkb.errors import IndexBusyError, InputError
from hlkb.index import schema
from hlkb.index.cjk import fold_for_index
from hlkb.index.dbfile import check_before_opening, index_writable, open_read_only

# How long `hlkb index` waits for another writer before saying the index is busy.
LOCK_WAIT_SECONDS = 30.0


class Index:
    """An open index: ``vault`` (absolute), ``db`` (the file), ``conn`` (sqlite3)."""

    read_only = False   # opened read-only (this user cannot write it): reads work, refreshes do not

    def __init__(self, vault: Path, db: Path, conn: sqlite3.Connection):
        self.vault = vault
        self.db = db
        self.conn = conn
        self._lock_fd: int | None = None

    def __enter__(self) -> "Index":
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
            raise InputError("the index is read-only here (no permission to write it); it cannot be "
                             "updated", str(self.db))
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
                    raise IndexBusyError("the index is busy: another hlkb is updating it; try again "
                                         "when it has finished", str(self.db)) from None
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
    from hlkb.vault import default_db

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
    try:
        schema.prepare(conn, db)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise schema.IndexFileError(f"the index is damaged ({exc}); rebuild it with `hlkb index --full` "
                                    "after removing it", str(db)) from None
    except BaseException:
        conn.close()
        raise
    return Index(vault, db, conn)


# ---------------------------------------------------------------- rows for one file ---

@dataclass
class FileRows:
    """Everything the writer needs for one note file (picklable; built in a worker)."""
    rel: str
    size: int
    mtime_ns: int
    hash: str
    note_id: str | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)   # e.g. front matter that was ignored
    records: list[tuple] = field(default_factory=list)   # (id, kind, note_id, line, seq, lang, json)
    fts: list[tuple] = field(default_factory=list)       # FTS columns per record (same order)
    note_tags: list[str] = field(default_factory=list)
    record_tags: list[tuple[int, str]] = field(default_factory=list)   # (record index, tag)
    fields: list[tuple[int | None, str, str]] = field(default_factory=list)  # (record index|None, key, value)
    title: str | None = None
    author: str | None = None
    category: str | None = None
    date: str | None = None


def _scalar_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return None
    return str(value)


def _front_matter_fields(fm: dict) -> list[tuple[str, str]]:
    out = []
    for key, value in fm.items():
        items = value if isinstance(value, list) else [value]
        for item in items:
            text = _scalar_text(item)
            if text is not None:
                out.append((str(key), text))
    return out


def _meta_text(values) -> str:
    return " ".join(v for v in values if v)


def rows_for_note(note, rows: FileRows) -> FileRows:
    """Fill ``rows`` from a parsed and analysed Note (runs in a worker process)."""
    from hlkb.model import json_safe

    dumps = json.dumps
    note_rec = note.to_record()
    rows.note_id = note.id
    rows.title, rows.author, rows.category = note.title, note.author, note.category
    rows.date = note.date
    note_tags = [str(t).lstrip("#") for t in note.tags if str(t).strip()]
    rows.note_tags = note_tags
    fm = json_safe(note.front_matter) if isinstance(note.front_matter, dict) else {}
    rows.fields = [(None, k, v) for k, v in _front_matter_fields(fm)]
    ntitle = note.title or ""
    author = note.author or ""
    tag_text = " ".join(note_tags)
    meta_values = [note.author, note.category, note.url, tag_text]
    meta_values += [str(v) for v in note.metadata.values()] if note.metadata else []
    meta_values += [v for _, _, v in rows.fields]
    seq = 0
    rows.records.append((note.id, "note", note.id, note.line, seq, note.lang,
                         dumps(note_rec, ensure_ascii=False, default=str)))
    rows.fts.append((fold_for_index(ntitle), fold_for_index(note.text), fold_for_index(note.summary),
                     fold_for_index(_meta_text(meta_values)), fold_for_index(tag_text),
                     fold_for_index(author), ""))
    f_author, f_ntitle = fold_for_index(author), fold_for_index(ntitle)
    for h in note.highlights:
        seq += 1
        idx = len(rows.records)
        own = [str(t).lstrip("#") for t in h.tags if str(t).strip()]
        rows.records.append((h.id, "highlight", note.id, h.line, seq, h.lang,
                             dumps(h.to_record(), ensure_ascii=False, default=str)))
        rows.record_tags.extend((idx, t) for t in own)
        loc = h.location.label if h.location else None
        rows.fts.append(("", fold_for_index(h.text), fold_for_index(h.note),
                         fold_for_index(_meta_text([" ".join(own), loc, h.section])),
                         fold_for_index(" ".join(own + note_tags)), f_author, f_ntitle))
    for p in note.pairs:
        seq += 1
        rows.records.append((p.id, "pair", note.id, p.line, seq, "mixed",
                             dumps(p.to_record(), ensure_ascii=False, default=str)))
        rows.fts.append(("", fold_for_index("\n".join(p.en) + "\n" + "\n".join(p.zh)), "", "",
                         fold_for_index(tag_text), f_author, f_ntitle))
    for c in note.claims:
        seq += 1
        idx = len(rows.records)
        rec = c.to_record()
        rows.records.append((c.id, "claim", note.id, c.line, seq, c.lang,
                             dumps(rec, ensure_ascii=False, default=str)))
        for key in ("attribution", "source", "check", "counterpart"):
            if rec.get(key) is not None:
                rows.fields.append((idx, key, str(rec[key])))
        rows.fts.append(("", fold_for_index(c.text), "",
                         fold_for_index(_meta_text([c.attribution] + [f.raw for f in c.figures])),
                         fold_for_index(tag_text), f_author, f_ntitle))
    return rows


# ---------------------------------------------------------------- writing ---

FTS_INSERT = ("INSERT INTO fts(rowid, " + ", ".join(schema.FTS_COLUMNS) + ") VALUES (?"
              + ", ?" * len(schema.FTS_COLUMNS) + ")")


def delete_file_records(conn: sqlite3.Connection, file_id: int) -> None:
    conn.execute("DELETE FROM fts WHERE rowid IN (SELECT rid FROM records WHERE file_id = ?)", (file_id,))
    conn.execute("DELETE FROM records WHERE file_id = ?", (file_id,))
    conn.execute("DELETE FROM tags WHERE file_id = ?", (file_id,))
    conn.execute("DELETE FROM fields WHERE file_id = ?", (file_id,))


def delete_file(conn: sqlite3.Connection, file_id: int) -> None:
    delete_file_records(conn, file_id)
    conn.execute("DELETE FROM files WHERE id = ?", (file_id,))


class Writer:
    """Writes FileRows; call inside a transaction. Tracks the next free rid."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.next_rid = (conn.execute("SELECT max(rid) FROM records").fetchone()[0] or 0) + 1
        self.records_written = 0

    def write(self, rows: FileRows, file_id: int | None) -> int:
        conn = self.conn
        if file_id is not None:
            delete_file_records(conn, file_id)
            conn.execute("UPDATE files SET path=?, size=?, mtime_ns=?, hash=?, note_id=?, error=? WHERE id=?",
                         (rows.rel, rows.size, rows.mtime_ns, rows.hash, rows.note_id, rows.error, file_id))
        else:
            file_id = conn.execute(
                "INSERT INTO files(path, size, mtime_ns, hash, note_id, error) VALUES (?, ?, ?, ?, ?, ?)",
                (rows.rel, rows.size, rows.mtime_ns, rows.hash, rows.note_id, rows.error)).lastrowid
        if not rows.records:
            return file_id
        base = self.next_rid
        self.next_rid += len(rows.records)
        self.records_written += len(rows.records)
        conn.executemany(
            "INSERT INTO records(rid, id, kind, file_id, note_id, path, line, seq, title, author, category, "
            "lang, date, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(base + i, rid, kind, file_id, note_id, rows.rel, line, seq, rows.title, rows.author,
              rows.category, lang, rows.date, js)
             for i, (rid, kind, note_id, line, seq, lang, js) in enumerate(rows.records)])
        conn.executemany(FTS_INSERT, [(base + i,) + cols for i, cols in enumerate(rows.fts)])
        tag_rows = [(file_id, None, t) for t in rows.note_tags]
        tag_rows += [(file_id, base + i, t) for i, t in rows.record_tags]
        if tag_rows:
            conn.executemany("INSERT INTO tags(file_id, rid, tag) VALUES (?, ?, ?)", tag_rows)
        if rows.fields:
            conn.executemany("INSERT INTO fields(file_id, rid, key, value) VALUES (?, ?, ?, ?)",
                             [(file_id, None if i is None else base + i, k, v) for i, k, v in rows.fields])
        return file_id

    def rename(self, file_id: int, old_rel: str, new_rel: str, size: int, mtime_ns: int) -> None:
        """A file moved with its content unchanged: same records, same ids, new path."""
        conn = self.conn
        conn.execute("UPDATE files SET path=?, size=?, mtime_ns=? WHERE id=?", (new_rel, size, mtime_ns, file_id))
        rows = conn.execute("SELECT rid, json FROM records WHERE file_id=?", (file_id,)).fetchall()
        updated = []
        for rid, js in rows:
            rec = json.loads(js)
            rec["path"] = new_rel
            updated.append((new_rel, json.dumps(rec, ensure_ascii=False, default=str), rid))
        conn.executemany("UPDATE records SET path=?, json=? WHERE rid=?", updated)


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
