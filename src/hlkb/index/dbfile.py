"""Checks on the index file made before SQLite opens it for writing.

Opening an index switches it to WAL mode, which rewrites its header: done to another
application's database (a `--db` typo) or to a newer hlkb's index, that is damage, even if
the file is refused a moment later. So the path and the file's first 100 bytes (the SQLite
header: journal mode, application_id, user_version) are checked first, with no SQLite
connection at all; where the header cannot tell (a WAL file whose header was not yet
checkpointed, as while another hlkb creates a new index), a read-only connection asks.

``check_index_path`` also refuses what is not a regular file (a FIFO, /dev/null, a
folder), so SQLite never creates a ``-journal`` or ``-wal`` file next to one.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import struct
from pathlib import Path

from hlkb.errors import InputError
from hlkb.index.schema import APPLICATION_ID, SCHEMA_VERSION, IndexFileError
from hlkb.textio import special_kind

SQLITE_MAGIC = b"SQLite format 3\x00"


def _index_file_error(message: str, path) -> InputError:

    return IndexFileError(message, str(path))


def check_index_path(db: Path) -> None:
    """The index's folder must be a folder and the index a regular file (or not exist yet)."""

    parent = db.parent
    if parent.exists() and not parent.is_dir():
        raise InputError(
            f"is not a folder, so the index {db.name} cannot go in it; move that file away or choose another --db",
            str(parent),
        )
    try:
        st = os.stat(db)
    except FileNotFoundError:
        if os.path.islink(db):
            raise InputError("is a symlink to nothing; choose another --db", str(db)) from None
        return
    except OSError as exc:
        raise InputError(f"cannot use the index: {exc.strerror or exc}", str(db)) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError("is a folder, not an index file", str(db))
    kind = special_kind(st.st_mode)
    if kind is not None:
        raise InputError(f"is {kind}, not a regular file; the index must be one (choose another --db)", str(db))


def check_before_opening(db: Path) -> None:
    """Refuse (IndexFileError) a file that is not an hlkb index this hlkb can use, reading
    only; an empty or missing file is fine (it becomes a new index)."""

    check_index_path(db)
    try:
        with open(db, "rb") as fh:
            head = fh.read(100)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise InputError(f"cannot read the index: {exc.strerror or exc}", str(db)) from None
    if not head:
        return
    if len(head) < 100 or not head.startswith(SQLITE_MAGIC):
        raise _index_file_error(
            "is not an hlkb index (not an SQLite database); choose another --db (the file was left alone)", db
        )
    wal = head[18] == 2
    (user_version,) = struct.unpack(">I", head[60:64])
    (app_id,) = struct.unpack(">I", head[68:72])
    if app_id == 0 and wal:
        # the header may be behind the WAL file (a new index being created right now)
        app_id, user_version = _ask_read_only(db, app_id, user_version)
    if app_id == APPLICATION_ID:
        if user_version > SCHEMA_VERSION:
            raise _index_file_error(
                f"was written by a newer hlkb (index schema {user_version}, this hlkb reads "
                f"up to {SCHEMA_VERSION}); upgrade hlkb or use another --db",
                db,
            )
        return
    if app_id != 0:
        raise _index_file_error(
            "is an SQLite database but not an hlkb index; choose another --db (the file was left alone)", db
        )
    (pages,) = struct.unpack(">I", head[28:32])
    (schema_cookie,) = struct.unpack(">I", head[40:44])
    if user_version == 1 or (pages <= 1 and schema_cookie == 0):
        return  # a development index from before application_id (rebuilt), or no tables yet
    raise _index_file_error(
        "is an SQLite database but not an hlkb index; choose another --db (the file was left alone)", db
    )


def _ask_read_only(db: Path, app_id: int, user_version: int) -> tuple[int, int]:
    """application_id and user_version as SQLite sees them (WAL included), read only."""
    try:
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error:
        return app_id, user_version
    try:
        return (conn.execute("PRAGMA application_id").fetchone()[0], conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.Error:
        return app_id, user_version
    finally:
        conn.close()


def index_writable(db: Path) -> bool:
    """Whether this user can write the existing index ``db`` (and the -wal/-shm files beside
    it); a missing one counts as writable (it is to be created)."""
    if not db.exists():
        return True
    return os.access(db, os.W_OK) and os.access(db.parent if str(db.parent) else Path("."), os.W_OK)


def open_read_only(db: Path) -> sqlite3.Connection:
    """A read-only connection to an index this user cannot write, refusing (one line) one
    it could only use after writing to it (an older schema, to be migrated).

    A WAL index whose -shm file is gone (its last writer closed cleanly) cannot be opened
    plain read-only in a folder we cannot write: then, with no -wal file either (nothing
    is being written), it is opened as immutable, which is exact for a file at rest."""

    uri = db.resolve().as_uri()
    try:
        conn = _connect_uri(f"{uri}?mode=ro")
    except sqlite3.OperationalError:
        if os.path.exists(f"{db}-wal"):
            raise InputError(
                "the index is read-only here and another hlkb is writing it right now; try again when it has finished",
                str(db),
            ) from None
        try:
            conn = _connect_uri(f"{uri}?mode=ro&immutable=1")
        except sqlite3.Error as exc:
            raise InputError(f"cannot open the index read-only: {exc}", str(db)) from None
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as exc:
        conn.close()
        raise InputError(f"cannot read the index: {exc}", str(db)) from None
    if app_id != APPLICATION_ID or version != SCHEMA_VERSION:
        conn.close()
        raise _index_file_error(
            f"is read-only here and has index schema {version} (this hlkb uses "
            f"{SCHEMA_VERSION}), which it could only use after rewriting it; "
            "choose another --db",
            db,
        )
    return conn


def _connect_uri(uri: str) -> sqlite3.Connection:
    conn = sqlite3.connect(uri, uri=True, timeout=5.0, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA schema_version").fetchone()  # opening is lazy: make it open now
    except sqlite3.Error:
        conn.close()
        raise
    return conn
