"""Bring the index's vectors up to date with its rows (``hlkb index --embed``).

Only note files whose vectors are missing or out of date (their hash or path changed since)
are looked at, and in each only the passages whose text changed are run through the
encoder: the others keep their vectors, found by the hash of their text (``keys``). Files
are taken in batches (one transaction each: an interrupted run keeps what it wrote and
the next run goes on from there); the texts of a batch are encoded by worker processes
(one per core, each with one BLAS thread) while the previous batch is written, so memory
stays bounded by two batches whatever the vault's size. A small job (a few edited notes)
is encoded in this process with the query encoder (engine.QueryEncoder), which starts in
milliseconds.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from hlkb.errors import InputError
from hlkb.index.lookup import Texts
from hlkb.index.refresh import default_jobs
from hlkb.index.store import set_meta, transaction
from hlkb.progress import ProgressFactory, silent
from hlkb.semantic import engine as eng
from hlkb.semantic.engine import DIMS, Encoder, QueryEncoder, build_cache
from hlkb.semantic.passages import file_passages, text_key
from hlkb.semantic.vectors import ENGINE_KEY, quantize, stored_engine, valid_rows_sql, write_file

BATCH_FILES = 64  # note files per transaction
CHUNK_TEXTS = 48  # texts per task sent to a worker
POOL_MIN_TEXTS = 400  # fewer texts to encode than this: this process does it


@dataclass
class EmbedSummary:
    files: int = 0  # note files whose vectors were (re)written
    computed: int = 0  # texts run through the encoder
    reused: int = 0  # vectors kept from before (their text had not changed)
    removed: int = 0  # vector rows of files no longer in the index
    vectors: int = 0  # valid vectors in the index afterwards
    stale: int = 0  # note files still without up-to-date vectors (a limited run)
    seconds: float = 0.0
    engine: str = ""

    def line(self) -> str:
        out = (
            f"embedded: {self.computed} passages encoded, {self.reused} kept, in {self.files} notes; "
            f"{self.vectors} vectors; {self.seconds:.2f} s"
        )
        if self.stale:
            out += f"; {self.stale} notes still to embed"
        return out

    def to_record(self) -> dict:
        return {
            "files": self.files,
            "computed": self.computed,
            "reused": self.reused,
            "removed": self.removed,
            "vectors": self.vectors,
            "stale": self.stale,
            "seconds": round(self.seconds, 3),
            "engine": self.engine,
        }


@dataclass
class _FileWork:
    file_id: int
    hash: str
    path: str
    slots: list[int] = field(default_factory=list)
    keys: list[bytes] = field(default_factory=list)


# ------------------------------------------------------------------ workers ---

_ENCODER = None


def _encode_chunk(texts: list[str]) -> bytes:
    """Worker: the texts' int8 vectors (the model is loaded on first use)."""
    global _ENCODER

    if _ENCODER is None:
        _ENCODER = Encoder()
    return quantize(_ENCODER.encode(texts))


def _build_cache(_arg=None) -> bool:
    """Worker: write the query cache from the model this worker already holds."""
    global _ENCODER

    try:
        if _ENCODER is None:
            _ENCODER = Encoder()
        build_cache(_ENCODER)
        return True
    except OSError:
        return False


class _InProcess:
    """The same tasks, in this process: a small job with the query encoder (no model load
    to wait for), a large one (``--jobs 1``) with the whole model (the query encoder's
    vocabulary look-ups would grow with every new word)."""

    def __init__(self, large: bool = False):
        self._encoder = None
        self._large = large

    def encode(self, texts: list[str]) -> bytes:

        if self._encoder is None:
            self._encoder = Encoder() if self._large else QueryEncoder()
        return quantize(self._encoder.encode(texts))


# ------------------------------------------------------------------ the run ---


def _stale(conn) -> list[tuple[int, int, int, str, str]]:
    return conn.execute(
        "SELECT f.id, f.rid_lo, f.rid_hi, f.hash, f.path FROM files f LEFT JOIN vectors v ON v.file_id = f.id "
        "WHERE f.rid_lo IS NOT NULL AND (v.file_id IS NULL OR v.hash != f.hash OR v.path != f.path) "
        "ORDER BY f.id"
    ).fetchall()


def _prepare(conn, batch, known: dict[bytes, bytes]) -> tuple[list[_FileWork], dict[bytes, str]]:
    """The work of a batch of files: their passages' slots and keys; ``known`` gains the
    vectors they had (by key); returns the texts still to encode (by key)."""

    texts = Texts(conn, keep=4)
    works, todo = [], {}
    ids = [row[0] for row in batch]
    old = conn.execute(
        "SELECT file_id, keys, vecs FROM vectors WHERE file_id IN (SELECT value FROM json_each(?))", (_json(ids),)
    ).fetchall()
    for _fid, keys, vecs in old:
        n = len(keys) // 8
        if len(vecs) != DIMS * n:
            continue  # another shape (another encoder's): not reusable
        for i in range(n):
            known.setdefault(keys[8 * i : 8 * i + 8], vecs[DIMS * i : DIMS * (i + 1)])
    for file_id, rid_lo, rid_hi, hash_, path in batch:
        work = _FileWork(file_id, hash_, path)
        for slot, text in file_passages(conn, file_id, rid_lo, rid_hi, texts):
            key = text_key(text)
            work.slots.append(slot)
            work.keys.append(key)
            if key not in known:
                todo.setdefault(key, text)
        works.append(work)
    return works, todo


def _prepare_batch(conn, batch):
    known: dict[bytes, bytes] = {}
    works, todo = _prepare(conn, batch, known)
    return works, todo, known


def _json(values) -> str:

    return json.dumps(list(values))


def _write(conn, works: list[_FileWork], known: dict, summary: EmbedSummary, computed: set) -> None:

    with transaction(conn):
        for work in works:
            summary.reused += sum(1 for key in work.keys if key not in computed)
            write_file(
                conn,
                work.file_id,
                work.hash,
                work.path,
                work.slots,
                b"".join(work.keys),
                b"".join(known[key] for key in work.keys),
            )
            summary.files += 1


def _results(todo: dict[bytes, str], encoded: list[bytes], known: dict) -> set[bytes]:

    keys = list(todo)
    vec_blob = b"".join(encoded)
    for i, key in enumerate(keys):
        known[key] = vec_blob[DIMS * i : DIMS * (i + 1)]
    return set(keys)


def _chunks(texts: list[str]) -> list[list[str]]:
    return [texts[i : i + CHUNK_TEXTS] for i in range(0, len(texts), CHUNK_TEXTS)]


def embed_index(
    index,
    progress: ProgressFactory | None = None,
    jobs: int | None = None,
    lock_wait: float | None = None,
    max_files: int | None = None,
) -> EmbedSummary:
    """Embed every passage of ``index`` whose vector is missing or out of date.

    ``jobs``: encoding processes (default: one per core, at most 4). ``max_files``: do
    nothing if more note files than this need it (the semantic commands catch up on a
    few edited notes themselves, and leave a whole vault to ``hlkb index --embed``);
    ``summary.stale`` then says how many."""
    import sqlite3

    started = time.perf_counter()
    if lock_wait is None:
        index.lock()
    else:
        index.lock(lock_wait)
    try:
        return _embed_locked(index, progress, jobs, max_files, started)
    except sqlite3.DatabaseError as exc:
        raise InputError(f"cannot write the index: {exc}", str(index.db)) from None
    finally:
        index.unlock()


def _embed_locked(
    index, progress: ProgressFactory | None, jobs: int | None, max_files: int | None, started: float
) -> EmbedSummary:

    conn = index.conn
    summary = EmbedSummary(engine=eng.engine_id())
    stale = _stale(conn)
    if max_files is not None and len(stale) > max_files:
        summary.stale = len(stale)
        summary.vectors = _count(conn)
        summary.seconds = time.perf_counter() - started
        return summary
    if max_files is not None and stored_engine(conn) not in (None, summary.engine):
        summary.stale = len(stale)  # every vector must be made again: a job for hlkb index --embed
        summary.vectors = 0
        summary.seconds = time.perf_counter() - started
        return summary
    orphans = "FROM vectors WHERE file_id NOT IN (SELECT id FROM files WHERE rid_lo IS NOT NULL)"
    other_engine = stored_engine(conn) != summary.engine
    if other_engine or conn.execute(f"SELECT count(*) {orphans}").fetchone()[0]:
        with transaction(conn):
            if other_engine:
                # vectors of another encoder (or text rules) are not comparable with new ones
                conn.execute("DELETE FROM vectors")
                set_meta(conn, ENGINE_KEY, summary.engine)
                stale = None
            summary.removed = conn.execute(f"DELETE {orphans}").rowcount
    if stale is None:
        stale = _stale(conn)
    batches = [stale[i : i + BATCH_FILES] for i in range(0, len(stale), BATCH_FILES)]
    jobs = jobs or default_jobs()
    prepared = _prepare_batch(conn, batches[0]) if batches else None
    # the pool is forked before the progress bar starts its thread; only for work worth it
    estimate = len(prepared[1]) * len(batches) if prepared else 0
    pool = _start_pool(jobs) if jobs > 1 and estimate >= POOL_MIN_TEXTS else None
    local = _InProcess(large=estimate >= POOL_MIN_TEXTS)
    report = progress if progress and len(stale) >= 8 else silent
    try:
        with report(len(stale), "embedding") as advance:
            pending = None
            for k in range(len(batches) + 1):
                current = None
                if k < len(batches):
                    works, todo, known = prepared if k == 0 else _prepare_batch(conn, batches[k])
                    texts = list(todo.values())
                    if pool is not None:
                        task = pool.map_async(_encode_chunk, _chunks(texts))
                    else:
                        task = [local.encode(chunk) for chunk in _chunks(texts)]
                    current = (works, todo, known, task, len(batches[k]))
                if pending is not None:
                    works_p, todo_p, known_p, task_p, n_p = pending
                    encoded = task_p.get() if hasattr(task_p, "get") else task_p
                    computed = _results(todo_p, encoded, known_p)
                    summary.computed += len(computed)
                    _write(conn, works_p, known_p, summary, computed)
                    advance(n_p)
                pending = current
            if pool is not None:
                _ensure_cache(pool)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    summary.vectors = _count(conn)
    summary.seconds = time.perf_counter() - started
    return summary


def _ensure_cache(pool) -> None:
    """The query cache, from a worker's loaded model, if it is missing or stale."""

    try:
        if eng._open_cached(eng.cache_path()) is not None:
            return
    except Exception:
        pass
    pool.apply(_build_cache)


def _count(conn) -> int:

    return conn.execute(valid_rows_sql("coalesce(sum(length(v.keys)) / 8, 0)")).fetchone()[0]


def _start_pool(jobs: int):
    import multiprocessing as mp

    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    return ctx.Pool(jobs)
