"""Incremental refresh: bring the index up to date with the vault.

1. Walk the vault and stat every note file. A file whose size and mtime match the index
   is unchanged (no read at all).
2. Every other file is read and hashed in a parsing worker; if the hash matches the
   indexed one it is unchanged (only its mtime is updated), else it is parsed there.
3. A new file whose hash equals a file that disappeared is a rename: its records keep
   their ids and only their path changes.
4. Files gone from the vault lose their records.

Two worker processes parse while this process writes; each batch of files is one
transaction, so an interrupted run leaves a consistent index (the unwritten files are
simply still stale and are picked up next time). The writer lock (Index.lock) keeps a
second `hlkb index` from writing at the same time.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from hlkb.errors import HlkbError, InputError
from hlkb.index.rows import FileRows, rows_for_note, text_rules
from hlkb.index.schema import create_missing_indexes, drop_bulk_indexes
from hlkb.index.store import Index, Writer, clear_content, delete_file, get_meta, set_meta, transaction
from hlkb.index.walk import SPLIT_MIN_FILES, Scan, follow_links_setting, scan, scan_digest
from hlkb.progress import ProgressFactory, silent
from hlkb.textio import FileTooLargeError, decode_bytes, read_regular_file
from hlkb.vault import rel_text

BATCH_FILES = 256  # files per transaction
POOL_THRESHOLD = 48  # fewer files than this are parsed in-process (no pool start-up)
# A cold build (the index holds no file) of at least this many files drops the secondary
# indexes and creates them at its end (schema.BULK_INDEXES): 10k bench notes, the
# writer's CPU 17.6 -> 16.0 s (creating them included).
BULK_MIN_FILES = 1000


@dataclass
class RefreshSummary:
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    renamed: int = 0
    failed: int = 0
    links_skipped: int = 0  # symlinks out of the vault, not followed
    records: int = 0  # records in the index after the refresh
    records_written: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)  # one line per file that failed to parse

    def line(self) -> str:
        parts = [
            f"{self.added} added",
            f"{self.changed} changed",
            f"{self.removed} removed",
            f"{self.unchanged} unchanged",
        ]
        if self.renamed:
            parts.append(f"{self.renamed} renamed")
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.links_skipped:
            parts.append(f"{self.links_skipped} link{'s' * (self.links_skipped != 1)} outside the vault skipped")
        return f"indexed: {', '.join(parts)}; {self.records} records; {self.seconds:.2f} s"

    def to_record(self) -> dict:
        return {
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "renamed": self.renamed,
            "failed": self.failed,
            "links_skipped": self.links_skipped,
            "records": self.records,
            "seconds": round(self.seconds, 3),
            "errors": list(self.errors),
        }


def _hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def parse_one(task: tuple[str, str, str | None]) -> FileRows:
    """Worker: read, hash and (unless the hash is the indexed one) parse one file."""

    abs_path, rel, known_hash = task
    try:
        # type and size checked before reading, the read bounded (hlkb.textio)
        data, st = read_regular_file(abs_path, rel)
    except FileTooLargeError as exc:
        # recorded as a failed file with its size and mtime, so it is not looked at again
        # until it changes
        return FileRows(
            rel=rel,
            size=exc.stat.st_size,
            mtime_ns=exc.stat.st_mtime_ns,
            hash=f"too-large:{exc.stat.st_size}",
            error=str(exc),
        )
    except HlkbError as exc:
        return FileRows(rel=rel, size=0, mtime_ns=0, hash="", error=str(exc))
    rows = FileRows(rel=rel, size=st.st_size, mtime_ns=st.st_mtime_ns, hash=_hash(data))
    if known_hash is not None and rows.hash == known_hash:
        rows.error = "unchanged"  # sentinel; the writer only touches mtime
        return rows
    return rows_of_data(data, rows, abs_path)[0]


def prepare_rows(data: bytes, rel: str, abs_path: str) -> tuple[FileRows, object]:
    """The rows of a file about to be written with ``data`` (its size and mtime are filled
    in when it is indexed: ``refresh(prepared=...)``), and its parsed note (None where it
    failed)."""
    return rows_of_data(data, FileRows(rel=rel, size=0, mtime_ns=0, hash=_hash(data)), abs_path)


def rows_of_data(data: bytes, rows: FileRows, abs_path: str) -> tuple[FileRows, object]:
    """``rows`` filled from a note file's bytes (decoded, parsed, analysed), and the parsed
    note (None where it failed: then ``rows.error`` says why). ``parse_one``'s work once it
    has read the file; also what ``hlkb import`` runs on the notes it renders (``prepared``)."""
    rel = rows.rel
    note = None
    try:
        # The parser and the analyses are imported when a file needs parsing, not with this
        # module: a refresh that finds nothing changed (before every search) would pay
        # their import, a third of a second, for nothing.
        from hlkb.config import template_for
        from hlkb.parse import parse_text
        from hlkb.pipeline import analyze

        decoded = decode_bytes(data, rel)
        note = parse_text(decoded.text, rel, strict=False, file_name=Path(rel).name, template=template_for(abs_path))
        note.encoding = decoded.encoding
        analyze(note)
        rows_for_note(note, rows)
        # indexed as plain text, but the user should hear that its front matter was ignored
        rows.warnings = [f"warning: {w} (front matter ignored)" for w in note.warnings]
    except HlkbError as exc:
        _no_rows(rows)
        rows.error = str(exc)
        note = None
    except Exception as exc:  # a parser bug must not stop the whole vault: report the file
        _no_rows(rows)
        rows.error = f"{rel}: cannot index ({type(exc).__name__}: {exc})"
        note = None
    return rows, note


def _no_rows(rows: FileRows) -> None:
    rows.records, rows.parts, rows.fts, rows.text = [], [], [], b""
    rows.record_tags, rows.note_tags, rows.fields = [], [], []


def default_jobs() -> int:
    """Parsing processes by default: one per core, at most four (the one writer is the limit
    beyond that)."""
    return max(1, min(4, os.cpu_count() or 1))


def _start_pool(jobs: int):
    """``jobs`` parsing processes (forked where possible: no re-import, instant start)."""
    import multiprocessing as mp

    import hlkb.parse
    import hlkb.pipeline  # noqa: F401  (imported once here, so that forked workers share it)

    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    return ctx.Pool(jobs)


def _parse_iter(tasks: list[tuple], pool, prepared: dict[str, FileRows] | None = None):
    """Yield FileRows for tasks, in order, at most two batches in flight (bounded memory).
    ``prepared``: rel -> rows already built from the bytes the file should hold; used (with
    the file's size and mtime) where it holds them, else the file is parsed as any other."""
    if prepared:
        tasks = [t for t in tasks if not _use_prepared(t, prepared)]
        yield from prepared.values()
    if pool is None:
        for t in tasks:
            yield parse_one(t)
        return
    # submit batch k+1 while batch k is being written
    batches = [tasks[i : i + BATCH_FILES] for i in range(0, len(tasks), BATCH_FILES)]
    pending = None
    for batch in batches + [None]:
        nxt = pool.map_async(parse_one, batch, chunksize=8) if batch is not None else None
        if pending is not None:
            yield from pending.get()
        pending = nxt


def _use_prepared(task: tuple[str, str, str | None], prepared: dict[str, FileRows]) -> bool:
    """Does the file of ``task`` hold the bytes its prepared rows were built from? Then they
    get its size and mtime (read with the bytes); else they are dropped."""
    abs_path, rel, known_hash = task
    rows = prepared.get(rel)
    if rows is None:
        return False
    if rows.rel != rel:
        del prepared[rel]
        return False
    try:
        data, st = read_regular_file(abs_path, rel)
    except HlkbError:
        data = None
    if data is None or _hash(data) != rows.hash or rows.hash == known_hash:
        del prepared[rel]
        return False
    rows.size, rows.mtime_ns = st.st_size, st.st_mtime_ns
    return True


def refresh(
    index: Index,
    full: bool = False,
    progress: ProgressFactory | None = None,
    only: list[Path] | None = None,
    lock_wait: float | None = None,
    jobs: int | None = None,
    follow_links: bool | None = None,
    prepared: dict[str, FileRows] | None = None,
) -> RefreshSummary:
    """Bring ``index`` up to date with its vault (or, with ``only``, with just those files).
    ``jobs``: parsing processes (default ``default_jobs()``; 1 parses in this process).
    ``follow_links``: follow symlinks out of the vault from now on (None: as before).
    ``progress``: a factory (hlkb.progress) told of the files parsed, for work big enough
    to watch; None reports nothing. ``prepared``: rel -> FileRows that ``prepare_rows``
    built from what a file was just written with (``hlkb import``), used where the file
    holds those bytes."""

    import sqlite3

    try:
        return _refresh(index, full, progress, only, lock_wait, jobs or default_jobs(), follow_links, prepared)
    except sqlite3.DatabaseError as exc:
        # disk full, read-only file, damaged database: one line, and the last committed
        # batch is what the index holds
        raise InputError(f"cannot write the index: {exc}", str(index.db)) from None


# meta keys: the scan digest of the vault as the index last saw it whole, its record count,
# its file count (which decides whether the next walk is split in two) and the rules its
# text was folded by (rows.text_rules)
_DIGEST, _RECORDS, _FILES, _TEXT_RULES = "scan_digest", "records", "files", "text_rules"


def _refresh(
    index: Index,
    full: bool,
    progress: ProgressFactory | None,
    only: list[Path] | None,
    lock_wait: float | None,
    jobs: int,
    follow_links: bool | None = None,
    prepared: dict[str, FileRows] | None = None,
) -> RefreshSummary:

    started = time.perf_counter()
    summary = RefreshSummary()
    conn = index.conn
    scanned: Scan | None = None
    if only is None:

        def on_error(path, msg):
            summary.errors.append(f"{path}: {msg}")

        split = int(get_meta(conn, _FILES) or 0) >= SPLIT_MIN_FILES
        scanned = scan(index.vault, on_error, split=split, follow_links=follow_links_setting(conn, follow_links))
        summary.links_skipped = scanned.links_skipped
        # The common case, e.g. every `hlkb search`: nothing changed since the last refresh.
        # One digest of the walk answers that without reading the files table or taking
        # the writer lock (at 100k notes the walk's stat calls are most of what is left).
        if not full and get_meta(conn, _DIGEST) == scanned.digest():
            summary.unchanged = len(scanned)
            summary.records = int(get_meta(conn, _RECORDS) or 0)
            summary.seconds = time.perf_counter() - started
            return summary
    if lock_wait is None:
        index.lock()
    else:
        index.lock(lock_wait)
    try:
        _refresh_locked(index, full, progress, only, scanned, summary, jobs, prepared)
    finally:
        index.unlock()
    summary.seconds = time.perf_counter() - started
    return summary


def _refresh_locked(
    index: Index,
    full: bool,
    progress: ProgressFactory | None,
    only: list[Path] | None,
    scanned: Scan | None,
    summary: RefreshSummary,
    jobs: int,
    prepared: dict[str, FileRows] | None = None,
) -> None:

    conn = index.conn
    rules = text_rules()
    if get_meta(conn, _TEXT_RULES) != rules:
        # folded by other rules (another hlkb, OpenCC or SQLite): its rows could not be
        # deleted one by one, so it is emptied and every file of the vault indexed again
        full = True
        if scanned is None:
            only = None
            scanned = scan(index.vault, lambda path, msg: summary.errors.append(f"{path}: {msg}"))
    if full:
        with transaction(conn):
            set_meta(conn, _DIGEST, None)
            clear_content(conn)
            set_meta(conn, _RECORDS, "0")
            set_meta(conn, _TEXT_RULES, rules)
    known = {
        path: (fid, size, mtime, h)
        for fid, path, size, mtime, h in conn.execute("SELECT id, path, size, mtime_ns, hash FROM files")
    }
    tasks: list[tuple[str, str, str | None]] = []
    seen: set[str] = set()
    if scanned is not None:
        files = scanned.files
    else:
        files = []
        for p in only:
            p = Path(p)
            ap = p if p.is_absolute() else (Path.cwd() / p)
            try:
                rel = rel_text(ap.resolve().relative_to(index.vault).as_posix())
            except ValueError:
                summary.errors.append(f"{p}: not inside the vault {index.vault}; not indexed")
                continue
            if ap.is_file():
                st = ap.stat()
                files.append((str(ap), rel, st.st_size, st.st_mtime_ns))
            elif rel in known:  # gone: remove below
                pass
    for abs_path, rel, size, mtime_ns in files:
        seen.add(rel)
        old = known.get(rel)
        # files named explicitly (just edited) are always hash-checked: an edit can keep
        # both the size and, within the clock's granularity, the mtime
        if old is not None and not full and only is None and size == old[1] and mtime_ns == old[2]:
            summary.unchanged += 1
            continue
        tasks.append((abs_path, rel, None if (full or old is None) else old[3]))
    if only is None:
        gone = {rel: known[rel] for rel in known if rel not in seen}
    else:
        gone = {}
        for p in only:
            ap = Path(p) if Path(p).is_absolute() else Path.cwd() / p
            try:
                rel = rel_text(ap.resolve().relative_to(index.vault).as_posix())
            except ValueError:
                continue
            if rel in known and not ap.exists():
                gone[rel] = known[rel]
    gone_by_hash = {}
    for rel, (fid, _s, _m, h) in gone.items():
        gone_by_hash.setdefault(h, []).append((rel, fid))

    # the record count as the last complete refresh left it (counting 3M rows costs 0.1 s)
    before = get_meta(conn, _RECORDS)
    if tasks or gone:
        # the files table is about to change: until this refresh completes, the stored
        # digest and count no longer describe it (an interrupted run must not look up to date)
        with transaction(conn):
            set_meta(conn, _DIGEST, None)
            set_meta(conn, _RECORDS, None)
    writer = Writer(conn)
    prepared = {t[1]: prepared[t[1]] for t in tasks if t[1] in prepared} if prepared else None
    to_parse = len(tasks) - len(prepared or ())
    # the pool is forked before the progress bar starts its refresh thread
    pool = _start_pool(jobs) if jobs > 1 and to_parse >= POOL_THRESHOLD else None
    bulk = not known and len(tasks) >= BULK_MIN_FILES  # (nothing to delete or rename then)
    try:
        if bulk:
            with transaction(conn):
                drop_bulk_indexes(conn)
        _write_all(conn, writer, tasks, pool, progress, known, gone_by_hash, gone, summary, prepared)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
        if bulk:  # also when interrupted (killed: the next open creates them)
            create_missing_indexes(conn)
    summary.records_written = writer.records_written
    with transaction(conn):
        for fid, *_rest in gone.values():
            writer.records_deleted += delete_file(conn, fid)
            summary.removed += 1
        if before is not None and before.isdigit():
            summary.records = int(before) + writer.records_written - writer.records_deleted
        else:
            summary.records = conn.execute("SELECT count(*) FROM records").fetchone()[0]
        set_meta(conn, _RECORDS, str(summary.records))
        if scanned is not None:
            # what the next walk must match to skip all this: the files table as it now is
            # (a file that could not be read is not in it, so it is retried next time)
            indexed = _in_walk_order(conn.execute("SELECT path, size, mtime_ns FROM files").fetchall(), scanned)
            set_meta(conn, _DIGEST, scan_digest(indexed))
            set_meta(conn, _FILES, str(len(indexed)))


def _in_walk_order(rows: list[tuple[str, int, int]], scanned: Scan) -> list[tuple[str, int, int]]:
    """Files-table rows (path, size, mtime_ns) in walk order: the walk just made lists them
    in that order (a lookup each, not a sort by path components, which is 0.15 s at 100k).
    A row the walk did not list (none is expected: files gone from the walk were just
    deleted) is left out, which can only make the next refresh check every file."""
    by_path = {row[0]: row for row in rows}
    return [by_path[rel] for _abs, rel, _size, _mtime in scanned.files if rel in by_path]


def _write_all(
    conn,
    writer: Writer,
    tasks,
    pool,
    progress: ProgressFactory | None,
    known,
    gone_by_hash,
    gone,
    summary: RefreshSummary,
    prepared: dict[str, FileRows] | None = None,
) -> None:
    """Write parsed files, one transaction per batch."""
    # progress only for work worth watching
    report = progress if progress and len(tasks) >= POOL_THRESHOLD else silent
    with report(len(tasks), "indexing") as advance:
        batch: list[FileRows] = []

        def flush():
            with transaction(conn):
                for rows in batch:
                    _apply(writer, known, gone_by_hash, gone, rows, summary)
            advance(len(batch))
            batch.clear()

        for rows in _parse_iter(tasks, pool, prepared):
            batch.append(rows)
            if len(batch) >= BATCH_FILES:
                flush()
        if batch:
            flush()


def _apply(
    writer: Writer, known: dict, gone_by_hash: dict, gone: dict, rows: FileRows, summary: RefreshSummary
) -> None:
    conn = writer.conn
    old = known.get(rows.rel)
    if rows.error == "unchanged" and old is not None:
        conn.execute("UPDATE files SET size=?, mtime_ns=? WHERE id=?", (rows.size, rows.mtime_ns, old[0]))
        summary.unchanged += 1
        return
    if rows.hash == "":  # could not even read it (vanished or unreadable since the walk)
        summary.failed += 1
        summary.errors.append(rows.error or f"{rows.rel}: cannot read")
        return
    if old is None and rows.hash in gone_by_hash and gone_by_hash[rows.hash]:
        old_rel, fid = gone_by_hash[rows.hash].pop()
        gone.pop(old_rel, None)
        writer.rename(fid, old_rel, rows.rel, rows.size, rows.mtime_ns)
        summary.renamed += 1
        return
    if rows.error:
        summary.failed += 1
        summary.errors.append(rows.error)
    summary.errors.extend(rows.warnings)
    writer.write(rows, old[0] if old is not None else None)
    if old is None:
        summary.added += 1
    else:
        summary.changed += 1
