"""Search, record lookup and stats over an open Index.

Ranking is FTS5's BM25 with per-column weights: a note's title above the text of a record
(highlight text, pair paragraphs, claim, a note's whole text), above the reader's
annotation, above metadata. Snippets are cut from the ORIGINAL text (the index only holds
the folded text), with matches found by ``match_spans``.
"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Iterator

from hlkb.errors import InputError, UsageError
from hlkb.filters import Filters
from hlkb.index.cjk import fold_same_length, has_cjk
from hlkb.index.store import Index

# bm25 weights, in schema.FTS_COLUMNS order: title, body, note, meta, tag, author, ntitle.
WEIGHTS = (10.0, 4.0, 3.0, 1.0, 1.0, 1.0, 1.0)
SNIPPET_CHARS = 160


def _filter_sql(filters: Filters) -> tuple[list[str], list]:
    where: list[str] = []
    args: list = []
    if filters.kinds:
        where.append("r.kind IN (" + ",".join("?" * len(filters.kinds)) + ")")
        args.extend(filters.kinds)
    for tag in filters.tags:
        # a note's tags apply to all its records; "a" also matches nested "a/b"
        where.append("EXISTS (SELECT 1 FROM tags t WHERE t.file_id = r.file_id AND "
                     "(t.rid IS NULL OR t.rid = r.rid) AND (t.tag = ? OR t.tag LIKE ? ESCAPE '\\'))")
        args.extend([tag, _like_escape(tag) + "/%"])
    if filters.author:
        where.append("r.author LIKE ? ESCAPE '\\'")
        args.append("%" + _like_escape(filters.author) + "%")
    if filters.category:
        where.append("r.category = ? COLLATE NOCASE")
        args.append(filters.category)
    if filters.lang:
        where.append("r.lang = ?")
        args.append(filters.lang)
    for key, value in filters.where:
        where.append("EXISTS (SELECT 1 FROM fields f WHERE f.key = ? AND f.value = ? AND "
                     "f.file_id = r.file_id AND (f.rid IS NULL OR f.rid = r.rid))")
        args.extend([key, value])
    if filters.since:
        where.append("substr(r.date, 1, 10) >= ?")
        args.append(filters.since)
    if filters.until:
        where.append("substr(r.date, 1, 10) <= ?")
        args.append(filters.until)
    return where, args


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(index: Index, query: str | None, filters: Filters | None = None,
           snippets: bool = True) -> Iterator[dict]:
    """Records matching ``query`` and ``filters``, best first (query None/"" = all, in path/line
    order). Hits for a query carry ``rank`` (relevance, higher is better; never ``score``,
    which is a pair's alignment confidence) and ``snippet``. Streams."""
    rows, terms = _matching_rows(index, query, filters)
    for js, rank in rows:
        rec = json.loads(js)
        if rank is not None:
            rec["rank"] = round(-rank, 4)
            if snippets:
                rec["snippet"] = snippet_for(index, rec, terms)
        yield rec


def search_json(index: Index, query: str | None, filters: Filters | None = None) -> Iterator[str]:
    """``search(..., snippets=False)`` as JSON texts, each exactly ``output.dumps`` of the
    record: the stored text with ``rank`` appended, without decoding and re-encoding each
    record (a third of a script's search time when a word matches thousands of records)."""
    rows, _terms = _matching_rows(index, query, filters)
    for js, rank in rows:
        # the stored text is output.dumps of the record, and rank is its last key
        yield js if rank is None else f'{js[:-1]}, "rank": {json.dumps(round(-rank, 4))}}}'


def _matching_rows(index: Index, query: str | None, filters: Filters | None):
    """(rows of (stored JSON, bm25 or None), query terms); a bad query fails here, at once."""
    from hlkb.index.query import parse_query

    filters = filters or Filters()
    where, args = _filter_sql(filters)
    limit = f" LIMIT {int(filters.limit)}" if filters.limit else ""
    conn = index.conn
    if not query or not query.strip():
        sql = "SELECT r.json, NULL FROM records r"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY r.path, r.line, r.seq" + limit
        return conn.execute(sql, args), []
    parsed = parse_query(query)
    weights = ", ".join(str(w) for w in WEIGHTS)
    sql = (f"SELECT r.json, bm25(fts, {weights}) AS rank FROM fts JOIN records r ON r.rid = fts.rowid "
           "WHERE fts MATCH ?")
    if where:
        sql += " AND " + " AND ".join(where)
    sql += " ORDER BY rank, r.path, r.line" + limit
    try:
        cursor = conn.execute(sql, [parsed.match] + args)
        first = cursor.fetchmany(64)
    except sqlite3.OperationalError as exc:
        if "fts5" in str(exc) or "syntax" in str(exc):
            raise UsageError(f"cannot search for {query!r}: {exc}") from None
        raise InputError(f"cannot read the index: {exc}", str(index.db)) from None

    def rows():
        batch = first
        while batch:
            yield from batch
            batch = cursor.fetchmany(256)
    return rows(), parsed.terms


# ------------------------------------------------------------------ snippets ---

def _term_pattern(terms: list[tuple[str, bool]]) -> re.Pattern | None:
    alts = []
    for text, prefix in terms:
        text = " ".join(text.split())
        if not text:
            continue
        words = [re.escape(w) for w in re.split(r"[^\w]+", text) if w]
        if not words:
            continue
        body = r"[^\w]+".join(words)
        if has_cjk(text):
            alts.append(body)
        else:
            alts.append(r"(?<!\w)" + body + ("" if prefix else r"(?!\w)"))
    if not alts:
        return None
    alts.sort(key=len, reverse=True)
    return re.compile("|".join(alts))


def match_spans(text: str, terms: list[tuple[str, bool]]) -> list[tuple[int, int]]:
    """(start, end) of every query term in ``text`` (folded the way the index folds it)."""
    pattern = _term_pattern(terms)
    if pattern is None or not text:
        return []
    return [m.span() for m in pattern.finditer(fold_same_length(text)) if m.end() > m.start()]


def _record_text(index: Index, rec: dict) -> str:
    kind = rec.get("kind")
    if kind == "highlight":
        return rec.get("text") or ""
    if kind == "pair":
        return " / ".join([" ".join(rec.get("en") or []), " ".join(rec.get("zh") or [])])
    if kind == "claim":
        return rec.get("text") or ""
    if kind == "note":
        from hlkb.errors import HlkbError
        from hlkb.textio import read_text
        from hlkb.vault import note_path

        try:
            return read_text(note_path(index.vault, rec["path"]), rec["path"]).text
        except HlkbError:
            return rec.get("title") or ""
    return ""


def _note_body(text: str) -> str:
    """A note's text after its front matter (the part a reader calls the note)."""
    from hlkb.frontmatter import split

    fm = split(text)
    return text[fm.body_offset:] if fm.present and fm.closed else text


def first_span(text: str, terms: list[tuple[str, bool]]) -> tuple[int, int] | None:
    """(start, end) of the first query term in ``text``, or None (cheaper than match_spans)."""
    pattern = _term_pattern(terms)
    if pattern is None or not text:
        return None
    m = pattern.search(fold_same_length(text))
    return m.span() if m else None


def snippet_for(index: Index, rec: dict, terms: list[tuple[str, bool]], width: int = SNIPPET_CHARS) -> str:
    """An excerpt of the record's original text around its first match (whole if short)."""
    text = _record_text(index, rec)
    if not text:
        return ""
    flat = " ".join(text.split()) if len(text) < 100_000 else text
    span = None
    if rec.get("kind") == "note":
        # prefer an excerpt of the body; the front matter only when the match is there alone
        body = _note_body(text)
        flat_body = " ".join(body.split()) if len(body) < 100_000 else body
        span = first_span(flat_body, terms)
        if span is not None or first_span(flat, terms) is None:
            flat = flat_body
        else:
            span = first_span(flat, terms)
    if len(flat) <= width:
        return flat
    if span is None and rec.get("kind") != "note":
        span = first_span(flat, terms)
    if span is None:
        if rec.get("kind") == "highlight" and rec.get("note"):
            return rec["note"][:width]
        return flat[:width].rstrip() + "…"
    start = max(0, span[0] - width // 3)
    end = min(len(flat), start + width)
    start = max(0, end - width)
    piece = " ".join(flat[start:end].split())
    return ("…" if start > 0 else "") + piece + ("…" if end < len(flat) else "")


# ------------------------------------------------------------------ lookups ---

def get_record(index: Index, id_or_prefix: str) -> dict:
    """The record with this id, or the one record whose id starts with it."""
    key = (id_or_prefix or "").strip()
    if not key:
        raise UsageError("give a record id (or a unique prefix of one)")
    conn = index.conn
    row = conn.execute("SELECT json FROM records WHERE id = ? ORDER BY path, line LIMIT 1", (key,)).fetchone()
    if row:
        return json.loads(row[0])
    # ids are ASCII; a range scan on the id index finds prefixes without LIKE's case rules
    rows = conn.execute("SELECT DISTINCT id FROM records WHERE id >= ? AND id < ? LIMIT 6",
                        (key, key + "\U0010ffff")).fetchall()
    if not rows:
        raise UsageError(f"no record with id {key!r}")
    if len(rows) > 1:
        shown = ", ".join(r[0] for r in rows[:5])
        raise UsageError(f"id prefix {key!r} is ambiguous: {shown}{', …' if len(rows) > 5 else ''}")
    row = conn.execute("SELECT json FROM records WHERE id = ? ORDER BY path, line LIMIT 1",
                       (rows[0][0],)).fetchone()
    return json.loads(row[0])


def note_records(index: Index, note_id: str, path: str | None = None) -> list[dict]:
    """All records of a note file, in file order."""
    if path is None:
        sql, args = "SELECT json FROM records WHERE note_id = ? ORDER BY path, seq", (note_id,)
    else:
        sql, args = "SELECT json FROM records WHERE note_id = ? AND path = ? ORDER BY seq", (note_id, path)
    return [json.loads(js) for (js,) in index.conn.execute(sql, args)]


def note_titles(index: Index, note_ids: set[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    ids = list(note_ids)
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        q = "SELECT note_id, title FROM records WHERE kind = 'note' AND note_id IN (" + ",".join("?" * len(chunk)) + ")"
        for nid, title in index.conn.execute(q, chunk):
            out[nid] = title or ""
    return out


def stats(index: Index) -> dict:
    """Counts by kind, category, tag and language (plus files and failures)."""
    conn = index.conn
    by = lambda sql: {(k if k is not None else "(none)"): n for k, n in conn.execute(sql)}  # noqa: E731
    return {
        "files": conn.execute("SELECT count(*) FROM files").fetchone()[0],
        "files_failed": conn.execute("SELECT count(*) FROM files WHERE error IS NOT NULL").fetchone()[0],
        "records": conn.execute("SELECT count(*) FROM records").fetchone()[0],
        "kinds": by("SELECT kind, count(*) FROM records GROUP BY kind ORDER BY count(*) DESC, kind"),
        "categories": by("SELECT category, count(*) FROM records WHERE kind = 'note' GROUP BY category "
                         "ORDER BY count(*) DESC, category"),
        "tags": by("SELECT tag, count(*) FROM tags GROUP BY tag COLLATE NOCASE ORDER BY count(*) DESC, tag"),
        "languages": by("SELECT lang, count(*) FROM records GROUP BY lang ORDER BY count(*) DESC, lang"),
    }
