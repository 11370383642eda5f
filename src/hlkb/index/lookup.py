"""Reading records back out of the index: their JSON text, lookups by id, a note's
records, listings in file order, and the counts of `hlkb stats`.

A record's text is its file's stored text (rows.py: one compressed blob per file) sliced at
the record's ``pos``/``len``, with the kind/id/path prefix put back: exactly the JSON the
record was written as (``output.dumps`` of it).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterator

from hlkb.errors import UsageError
from hlkb.index import rows as rowsmod

# records with their file: the join every listing and filter uses
RECORDS_JOIN = "records r JOIN files f ON f.id = r.file_id"
RECORD_COLUMNS = "r.rid, r.file_id, r.id, r.kind, r.pos, r.len, f.path"


class FileMap:
    """Which note file a row (rid) belongs to, and whether it is the note's own row: each
    file's rows are one block starting with the note record (schema.py). Loaded on first
    use, from the files table's (rid_lo, id) index."""

    def __init__(self, conn):
        self.conn = conn
        self._los: list[int] | None = None
        self._ids: list[int] = []

    def _load(self) -> None:
        rows = self.conn.execute("SELECT rid_lo, id FROM files WHERE rid_lo IS NOT NULL ORDER BY rid_lo").fetchall()
        self._los = [r[0] for r in rows]
        self._ids = [r[1] for r in rows]

    def file_of(self, rid: int) -> int:
        if self._los is None:
            self._load()
        i = bisect_right(self._los, rid) - 1
        return self._ids[i] if i >= 0 else -1

    def is_note_row(self, rid: int) -> bool:
        if self._los is None:
            self._load()
        i = bisect_right(self._los, rid) - 1
        return i >= 0 and self._los[i] == rid


class Texts:
    """The decompressed stored text of files, the last ``keep`` kept."""

    def __init__(self, conn, keep: int = 64):
        self.conn = conn
        self.keep = keep
        self._cache: OrderedDict[int, bytes] = OrderedDict()
        self._paths: dict[tuple[str, str], str] = {}

    def data(self, file_id: int) -> bytes:
        got = self._cache.get(file_id)
        if got is not None:
            self._cache.move_to_end(file_id)
            return got
        row = self.conn.execute("SELECT z FROM texts WHERE file_id = ?", (file_id,)).fetchone()
        got = rowsmod.unpack(row[0]) if row else b""
        self._cache[file_id] = got
        if len(self._cache) > self.keep:
            self._cache.popitem(last=False)
        return got

    def piece(self, file_id: int, pos: int, length: int) -> str:
        return rowsmod.piece_at(self.data(file_id), pos, length)

    def record_text(self, file_id: int, rec_id: str, kind: str, pos: int, length: int, path: str) -> str:
        piece = self.piece(file_id, pos, length)
        if piece.startswith("{"):
            return piece
        # the prefix record_prefix() builds, its kind and path parts made once per file
        parts = self._paths.get((kind, path))
        if parts is None:
            parts = self._paths[(kind, path)] = rowsmod.record_prefix(kind, "\x00", path).split('"\\u0000"')
        return parts[0] + rowsmod.dumps(rec_id) + parts[1] + piece

    def part(self, rid: int) -> tuple[int, int, dict] | None:
        """(line, end_line, {"text", "links"}) of a part, or None if ``rid`` is not one."""
        row = self.conn.execute("SELECT file_id, line, end_line, pos, len FROM parts WHERE rid = ?", (rid,)).fetchone()
        if row is None:
            return None
        return row[1], row[2], json.loads(self.piece(row[0], row[3], row[4]))


def record_rows(conn, rids: list[int], extra_where: str = "", args: tuple | list = ()) -> dict[int, tuple]:
    """rid -> (rid, file_id, id, kind, pos, len, path, line, passage) for these rids (that
    pass ``extra_where`` over ``r``/``f``)."""
    out: dict[int, tuple] = {}
    if not rids:
        return out
    sql = (
        f"SELECT {RECORD_COLUMNS}, r.line, r.passage FROM {RECORDS_JOIN} "
        "WHERE r.rid IN (SELECT value FROM json_each(?))" + (f" AND {extra_where}" if extra_where else "")
    )
    for i in range(0, len(rids), 50_000):
        chunk = json.dumps(rids[i : i + 50_000])
        for row in conn.execute(sql, [chunk] + list(args)):
            out[row[0]] = row
    return out


def get_record(index, id_or_prefix: str) -> dict:
    """The record with this id, or the one record whose id starts with it."""
    return json.loads(get_record_text(index, id_or_prefix)[0])


def get_record_text(index, id_or_prefix: str) -> tuple[str, int]:
    """(JSON text, rid) of the record with this id or unique id prefix."""
    key = (id_or_prefix or "").strip()
    if not key:
        raise UsageError("give a record id (or a unique prefix of one)")
    conn = index.conn
    sql = f"SELECT {RECORD_COLUMNS} FROM {RECORDS_JOIN} WHERE r.id = ? ORDER BY f.path, r.rid LIMIT 1"
    row = conn.execute(sql, (key,)).fetchone()
    if row is None:
        # ids are ASCII; a range scan on the id index finds prefixes without LIKE's case rules
        ids = conn.execute(
            "SELECT DISTINCT id FROM records WHERE id >= ? AND id < ? LIMIT 6", (key, key + "\U0010ffff")
        ).fetchall()
        if not ids:
            raise UsageError(f"no record with id {key!r}")
        if len(ids) > 1:
            shown = ", ".join(r[0] for r in ids[:5])
            raise UsageError(f"id prefix {key!r} is ambiguous: {shown}{', …' if len(ids) > 5 else ''}")
        row = conn.execute(sql, (ids[0][0],)).fetchone()
    rid, file_id, rec_id, kind, pos, length, path = row
    return Texts(conn, keep=1).record_text(file_id, rec_id, kind, pos, length, path), rid


def short_ids(conn, ids, shortest: int = 10) -> dict[str, str]:
    """id -> its shortest prefix (at least ``shortest`` characters) that no other record's
    id starts with: what `hlkb show` and `hlkb open` accept, short enough to print."""
    out: dict[str, str] = {}
    for rec_id in set(ids):
        n = min(shortest, len(rec_id))
        while n < len(rec_id):
            prefix = rec_id[:n]
            row = conn.execute(
                "SELECT 1 FROM records WHERE id >= ? AND id < ? AND id != ? LIMIT 1",
                (prefix, prefix + "\U0010ffff", rec_id),
            ).fetchone()
            if row is None:
                break
            n += 2
        out[rec_id] = rec_id[: min(n, len(rec_id))]
    return out


def file_records(conn, file_id: int, texts: Texts | None = None) -> list[dict]:
    """All records of one file, in file order."""
    texts = texts or Texts(conn, keep=1)
    rows = conn.execute(
        f"SELECT {RECORD_COLUMNS} FROM files f JOIN records r ON r.rid BETWEEN f.rid_lo AND f.rid_hi "
        "WHERE f.id = ? ORDER BY r.rid",
        (file_id,),
    ).fetchall()
    return [json.loads(texts.record_text(fid, i, k, p, n, path)) for _rid, fid, i, k, p, n, path in rows]


def note_records(index, note_id: str, path: str | None = None) -> list[dict]:
    """All records of a note file, in file order (the first file with that note id, or
    the one at ``path``)."""
    conn = index.conn
    if path is None:
        row = conn.execute("SELECT id FROM files WHERE note_id = ? ORDER BY path LIMIT 1", (note_id,)).fetchone()
    else:
        row = conn.execute("SELECT id FROM files WHERE note_id = ? AND path = ?", (note_id, path)).fetchone()
    return file_records(conn, row[0]) if row else []


def list_records(conn, where: list[str], args: list, limit: int | None) -> Iterator[tuple[int, str]]:
    """(rid, JSON text) of every record passing ``where``, in path and file order."""
    # files in path order, each one's records by rid (= file order): no sort of all records
    sql = f"SELECT {RECORD_COLUMNS} FROM files f JOIN records r ON r.rid BETWEEN f.rid_lo AND f.rid_hi"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY f.path, r.rid"
    if limit:
        sql += f" LIMIT {int(limit)}"
    texts = Texts(conn, keep=2)
    for rid, file_id, rec_id, kind, pos, length, path in conn.execute(sql, args):
        yield rid, texts.record_text(file_id, rec_id, kind, pos, length, path)


def stats(index) -> dict:
    """Counts by kind, category, tag and language (plus files and failures)."""
    conn = index.conn
    by = lambda sql: {(k if k is not None else "(none)"): n for k, n in conn.execute(sql)}
    return {
        "files": conn.execute("SELECT count(*) FROM files").fetchone()[0],
        "files_failed": conn.execute("SELECT count(*) FROM files WHERE error IS NOT NULL").fetchone()[0],
        "records": conn.execute("SELECT count(*) FROM records").fetchone()[0],
        "kinds": by("SELECT kind, count(*) FROM records GROUP BY kind ORDER BY count(*) DESC, kind"),
        "categories": by(
            "SELECT category, count(*) FROM files WHERE note_id IS NOT NULL GROUP BY category "
            "ORDER BY count(*) DESC, category"
        ),
        "tags": by("SELECT tag, count(*) FROM tags GROUP BY tag COLLATE NOCASE ORDER BY count(*) DESC, tag"),
        "languages": by("SELECT lang, count(*) FROM records GROUP BY lang ORDER BY count(*) DESC, lang"),
    }


def record_view(index, id_or_prefix: str) -> tuple[dict, dict | None, list[dict]]:
    """What ``hlkb show`` shows of one record: (the record with the fields show adds, its
    note's record, every record of its note file in file order). A note gains
    ``highlights``; a highlight, pair or claim ``note_title``, ``previous_id`` and
    ``next_id`` (the neighbouring records of its kind in the file, or None)."""
    rec = get_record(index, id_or_prefix)
    siblings = note_records(index, rec.get("note_id") or rec["id"], rec["path"])
    view = dict(rec)
    if rec["kind"] == "note":
        view["highlights"] = [r for r in siblings if r["kind"] == "highlight"]
        return view, rec, siblings
    note = next((r for r in siblings if r["kind"] == "note"), None)
    view["note_title"] = note.get("title") if note else None
    same = [r for r in siblings if r["kind"] == rec["kind"]]
    pos = next((i for i, r in enumerate(same) if r["id"] == rec["id"]), None)
    view["previous_id"] = same[pos - 1]["id"] if pos else None
    view["next_id"] = same[pos + 1]["id"] if pos is not None and pos + 1 < len(same) else None
    return view, note, siblings
