"""The vectors in the index file (table ``vectors``, schema.py): one row per note file,
valid while the file's hash and path are the ones it was made for.

Each vector is stored as int8 (512 bytes) with one float32 scale, 1/|q|, so that a dot
product with a unit query times the scale is the cosine of the stored vector: a quarter
of float32's size, and on the bilingual gold pairs the same recall as float32 (the
rounding moves cosines by about 0.002, benchmarks/semantic_eval.py).

Search reads every valid row at once (``load``): at 10,000 notes about 300,000 vectors,
one blob per file, so the read is one pass over the table rather than a row per passage.
"""

from __future__ import annotations

from dataclasses import dataclass

from hlkb.semantic.engine import DIMS, numpy

ENGINE_KEY = "vectors_engine"          # meta: what the stored vectors were made by (engine_id)
SCAN_ROWS = 8192                       # vectors per chunk of a scan (int8 -> float32 in cache)


def quantize(vecs) -> tuple[bytes, bytes]:
    """(int8 bytes, float32 scales) of float vectors (n, DIMS)."""
    np = numpy()
    vecs = np.asarray(vecs, dtype=np.float32)
    if not len(vecs):
        return b"", b""
    peak = np.abs(vecs).max(axis=1, keepdims=True)
    peak[peak == 0] = 1.0
    q = np.rint(vecs * (127.0 / peak)).astype(np.int8)
    norms = np.sqrt(np.einsum("ij,ij->i", q.astype(np.float32), q.astype(np.float32)))
    norms[norms == 0] = 1.0
    return q.tobytes(), (1.0 / norms).astype(np.float32).tobytes()


def valid_rows_sql(select: str) -> str:
    """A query over vectors rows joined to their file that are still valid."""
    return (f"SELECT {select} FROM vectors v JOIN files f ON f.id = v.file_id "
            "WHERE f.hash = v.hash AND f.path = v.path AND f.rid_lo IS NOT NULL")


def stored_engine(conn) -> str | None:
    from hlkb.index.store import get_meta

    return get_meta(conn, ENGINE_KEY)


def stale_files(conn) -> int:
    """Indexed note files whose vectors are missing or out of date."""
    return conn.execute(
        "SELECT count(*) FROM files f LEFT JOIN vectors v ON v.file_id = f.id WHERE f.rid_lo IS NOT NULL "
        "AND (v.file_id IS NULL OR v.hash != f.hash OR v.path != f.path)").fetchone()[0]


def write_file(conn, file_id: int, hash_: str, path: str, slots, keys: bytes, vecs: bytes, scales: bytes) -> None:
    """Store one file's vectors (call inside a transaction)."""
    np = numpy()
    conn.execute("INSERT OR REPLACE INTO vectors(file_id, hash, path, dims, slots, keys, vecs, scales) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 (file_id, hash_, path, DIMS, np.asarray(slots, dtype="<i4").tobytes(), keys, vecs, scales))


@dataclass
class VectorSet:
    """Every valid vector: ``vecs`` (n, DIMS) int8, ``scales`` (n,), and per vector its
    file id, its row's rid, its code (passages.py) and the rid of the hit it stands for
    (the record, or the note for a part or the note's own row)."""
    vecs: object
    scales: object
    file_ids: object
    rids: object
    codes: object
    hit_rids: object

    def __len__(self) -> int:
        return len(self.scales)

    def similarities(self, query):
        """Cosine of every vector with a unit ``query`` (float32, DIMS)."""
        np = numpy()
        query = np.asarray(query, dtype=np.float32)
        out = np.empty(len(self), dtype=np.float32)
        for start in range(0, len(self), SCAN_ROWS):
            block = self.vecs[start:start + SCAN_ROWS]
            np.dot(block.astype(np.float32), query, out=out[start:start + len(block)])
        out *= self.scales
        return out

    def vector(self, i: int):
        """Vector ``i`` as float32 of unit length."""
        np = numpy()
        return self.vecs[i].astype(np.float32) * self.scales[i]


def load(conn) -> VectorSet:
    """Read every valid vector of the index."""
    from hlkb.semantic.passages import NOTE_ROW, PART

    np = numpy()
    los, counts, slot_blobs, vec_blobs, scale_blobs, fids = [], [], [], [], [], []
    for fid, rid_lo, slots, vecs, scales in conn.execute(valid_rows_sql(
            "v.file_id, f.rid_lo, v.slots, v.vecs, v.scales") + f" AND v.dims = {DIMS}"):
        n = len(scales) // 4
        if not n or len(slots) != 4 * n or len(vecs) != DIMS * n:
            continue
        fids.append(fid)
        los.append(rid_lo)
        counts.append(n)
        slot_blobs.append(slots)
        vec_blobs.append(vecs)
        scale_blobs.append(scales)
    slots = np.frombuffer(b"".join(slot_blobs), dtype="<i4").astype(np.int64)
    vecs = np.frombuffer(b"".join(vec_blobs), dtype=np.int8).reshape(-1, DIMS)
    scales = np.frombuffer(b"".join(scale_blobs), dtype=np.float32)
    counts_a = np.asarray(counts, dtype=np.int64)
    rid_lo = np.repeat(np.asarray(los, dtype=np.int64), counts_a)
    file_ids = np.repeat(np.asarray(fids, dtype=np.int64), counts_a)
    rids = rid_lo + (slots >> 3)
    codes = (slots & 7).astype(np.int8)
    hit_rids = np.where((codes == PART) | (codes == NOTE_ROW), rid_lo, rids)
    return VectorSet(vecs, scales, file_ids, rids, codes, hit_rids)
