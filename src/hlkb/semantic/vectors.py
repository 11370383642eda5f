"""The vectors in the index file (table ``vectors``, schema.py): one row per note file,
valid while the file's hash and path are the ones it was made for.

Each vector is stored three ways, for the two stages of a search:

- its **signs** (``bits``, 64 bytes): a search reads these for every passage and ranks
  them all by Hamming distance to the query's signs, a cheap approximation of the angle;
- as **int8** (``vecs``, 512 bytes: each vector scaled so that its largest component is
  ±127; the cosine with a unit query x is q·x / |q|, so no scale is stored), read only for
  the shortlist of the first stage (``SHORTLIST`` passages and more), which is ranked
  exactly. int8 is a quarter of float32 and on the bilingual gold pairs gives the same
  recall.

At 10,000 notes (about 270,000 vectors) the first stage reads 18 MB instead of the 140 MB
of int8 vectors: reading every int8 vector took 0.4 s per 86,000 on the shared machine,
past the half-second a query may take (benchmarks/semantic_eval.py measures both the
latency and how many of the exact top hits the shortlist keeps).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from hlkb.index.store import get_meta
from hlkb.semantic.engine import DIMS, numpy
from hlkb.semantic.passages import NOTE_ROW, PART

ENGINE_KEY = "vectors_engine"  # meta: what the stored vectors were made by (engine_id)
SHORTLIST = 2000  # passages ranked exactly after the first stage (at least)
_POPCOUNT = None


def quantize(vecs) -> bytes:
    """int8 bytes of float vectors (n, DIMS), each scaled to a largest component of ±127."""
    np = numpy()
    vecs = np.asarray(vecs, dtype=np.float32)
    if not len(vecs):
        return b""
    peak = np.abs(vecs).max(axis=1, keepdims=True)
    peak[peak == 0] = 1.0
    return np.rint(vecs * (127.0 / peak)).astype(np.int8).tobytes()


def dequantize(q):
    """int8 vectors (n, DIMS) as float32 of unit length (a zero vector stays zero)."""
    np = numpy()
    out = np.asarray(q, dtype=np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", out, out))
    norms[norms == 0] = 1.0
    out /= norms[:, None]
    return out


def sign_bits(vecs):
    """The signs of float or int8 vectors (n, DIMS) as packed bits (n, DIMS // 8)."""
    np = numpy()
    return np.packbits(np.asarray(vecs) > 0, axis=-1)


def valid_rows_sql(select: str) -> str:
    """A query over vectors rows joined to their file that are still valid."""
    return (
        f"SELECT {select} FROM vectors v JOIN files f ON f.id = v.file_id "
        f"WHERE f.hash = v.hash AND f.path = v.path AND f.rid_lo IS NOT NULL AND v.dims = {DIMS}"
    )


def stored_engine(conn) -> str | None:

    return get_meta(conn, ENGINE_KEY)


def indexed_files(conn) -> int:
    return conn.execute("SELECT count(*) FROM files WHERE rid_lo IS NOT NULL").fetchone()[0]


def stale_files(conn) -> int:
    """Indexed note files whose vectors are missing or out of date."""
    return conn.execute(
        "SELECT count(*) FROM files f LEFT JOIN vectors v ON v.file_id = f.id WHERE f.rid_lo IS NOT NULL "
        "AND (v.file_id IS NULL OR v.hash != f.hash OR v.path != f.path)"
    ).fetchone()[0]


def write_file(conn, file_id: int, hash_: str, path: str, slots, keys: bytes, vecs: bytes) -> None:
    """Store one file's vectors (call inside a transaction)."""
    np = numpy()
    q = np.frombuffer(vecs, dtype=np.int8).reshape(-1, DIMS)
    conn.execute(
        "INSERT OR REPLACE INTO vectors(file_id, hash, path, dims, slots, bits, keys, vecs) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (file_id, hash_, path, DIMS, np.asarray(slots, dtype="<i4").tobytes(), sign_bits(q).tobytes(), keys, vecs),
    )


def _popcount(words, query_words):
    """Bits that differ between each row of ``words`` (uint64, n x DIMS/64) and the query's."""
    global _POPCOUNT
    np = numpy()
    x = words ^ query_words
    if hasattr(np, "bitwise_count"):  # numpy >= 2.0
        return np.bitwise_count(x).sum(axis=1, dtype=np.int32)
    if _POPCOUNT is None:
        _POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)
    return _POPCOUNT[x.view(np.uint8)].sum(axis=1, dtype=np.int32)


@dataclass
class VectorSet:
    """Every valid vector of an index: its signs (``bits``), and per vector its file id,
    its row's rid, its code (passages.py), the rid of the hit it stands for (the record,
    or the note for a part or the note's own row) and its place in its file's row."""

    conn: object
    bits: object
    file_ids: object
    rids: object
    codes: object
    hit_rids: object
    offsets: object
    files: int = 0  # note files with vectors (an empty file has a row too)

    def __len__(self) -> int:
        return len(self.rids)

    def exact(self, idx):
        """The vectors ``idx`` (indices into this set) as float32 of unit length, read
        from their files' rows (only those bytes, where SQLite's blob reads allow it)."""
        np = numpy()
        idx = np.asarray(idx, dtype=np.int64)
        q = np.zeros((len(idx), DIMS), dtype=np.int8)
        blobopen = getattr(self.conn, "blobopen", None)  # Python 3.11+
        if blobopen is None:
            return self._exact_whole_rows(idx)
        order = np.lexsort((self.offsets[idx], self.file_ids[idx]))  # file by file, in order
        files, offsets = self.file_ids[idx].tolist(), self.offsets[idx].tolist()
        blob, open_file = None, None
        try:
            for k in order.tolist():
                if files[k] != open_file:
                    if blob is not None:
                        blob.close()
                    # file_id is the rowid of a vectors row (INTEGER PRIMARY KEY)
                    blob, open_file = blobopen("vectors", "vecs", files[k], readonly=True), files[k]
                blob.seek(offsets[k] * DIMS)
                q[k] = np.frombuffer(blob.read(DIMS), dtype=np.int8)
        finally:
            if blob is not None:
                blob.close()
        return dequantize(q)

    def _exact_whole_rows(self, idx):

        np = numpy()
        q = np.zeros((len(idx), DIMS), dtype=np.int8)
        files = np.unique(self.file_ids[idx])
        rows = dict(
            self.conn.execute(
                "SELECT file_id, vecs FROM vectors WHERE file_id IN (SELECT value FROM json_each(?))",
                (json.dumps(files.tolist()),),
            )
        )
        for k, i in enumerate(idx.tolist()):
            at = int(self.offsets[i]) * DIMS
            q[k] = np.frombuffer(rows[int(self.file_ids[i])], dtype=np.int8, count=DIMS, offset=at)
        return dequantize(q)

    def similarities(self, query, mask=None, depth: int = SHORTLIST):
        """Cosines with a unit ``query`` (float32, DIMS): exact for the ``depth`` vectors
        (of those ``mask`` allows) nearest by sign agreement, -inf for the others."""
        np = numpy()
        query = np.asarray(query, dtype=np.float32)
        sims = np.full(len(self), -np.inf, dtype=np.float32)
        everything = mask is None or bool(mask.all())
        idx = np.arange(len(self)) if everything else np.flatnonzero(mask)
        if not len(idx):
            return sims
        if len(idx) > depth:
            words = self.bits.view(np.uint64)  # 8 words a vector: 8x fewer operations
            query_words = sign_bits(query[None, :]).view(np.uint64)
            distance = _popcount(words if everything else words[idx], query_words)
            idx = idx[np.argpartition(distance, depth - 1)[:depth]]
        sims[idx] = self.exact(idx) @ query
        return sims


def load(conn) -> VectorSet:
    """The signs and places of every valid vector of the index (not the vectors)."""

    np = numpy()
    width = DIMS // 8
    fetched = conn.execute(valid_rows_sql("v.file_id, f.rid_lo, length(v.slots) / 4, v.slots, v.bits")).fetchall()
    rows = [r for r in fetched if r[2] and len(r[4]) == width * r[2]]
    if rows:
        fids, los, counts, slot_blobs, bit_blobs = zip(*rows)
    else:
        fids, los, counts, slot_blobs, bit_blobs = (), (), (), (), ()
    slots = np.frombuffer(b"".join(slot_blobs), dtype="<i4").astype(np.int64)
    bits = np.frombuffer(b"".join(bit_blobs), dtype=np.uint8).reshape(-1, width)
    counts_a = np.asarray(counts, dtype=np.int64)
    rid_lo = np.repeat(np.asarray(los, dtype=np.int64), counts_a)
    file_ids = np.repeat(np.asarray(fids, dtype=np.int64), counts_a)
    starts = np.repeat(np.cumsum(counts_a) - counts_a, counts_a)
    offsets = np.arange(len(slots), dtype=np.int64) - starts
    rids = rid_lo + (slots >> 3)
    codes = (slots & 7).astype(np.int8)
    hit_rids = np.where((codes == PART) | (codes == NOTE_ROW), rid_lo, rids)
    out = VectorSet(conn, bits, file_ids, rids, codes, hit_rids, offsets)
    out.files = len(fetched)
    return out
