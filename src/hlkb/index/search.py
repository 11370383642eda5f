"""Search: one passage, one hit (issue 16).

A query is evaluated over the full-text rows (match.py). The hits are:

- each **highlight** and **pair** whose row matches;
- a **note** where the match lies outside its passages: in its own row (title, metadata,
  front matter, summary), in a part of its own text (a paragraph outside its passages), or
  only across several of its rows (words in different passages), never merely because
  one of its passages matched;
- **claims** only when asked for (``--kind claim``): a claim is found through its passage
  (the candidates are the claims of the rows that match the query's positive words) and
  must match the query itself (its words are checked in a small FTS table of the
  candidates). Without ``--kind claim`` a claim is shown inside its passage, not again.

Ranking is FTS5's BM25 with per-column weights (match.WEIGHTS); snippets are cut from the
original text (the index holds only the folded text), with matches found by ``match_spans``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from hlkb.filters import Filters
from hlkb.index.cjk import fold_for_index, fold_same_length, has_cjk
from hlkb.index.lookup import RECORDS_JOIN, FileMap, Texts, list_records
from hlkb.index.match import Evaluation
from hlkb.index.plain import plain_markdown
from hlkb.index.query import And, Not, Or, ParsedQuery, parse_query
from hlkb.index.rows import dumps, record_text
from hlkb.index.store import Index

SNIPPET_CHARS = 160
DEFAULT_KINDS = ("note", "highlight", "pair")
# a note found only by words spread over several of its rows ranks below one row holding them all
ACROSS_WEIGHT = 0.5
CLAIM_FIELDS = {"attribution": "attribution", "source": "source", "check": '"check"', "counterpart": "counterpart"}
CLAIM_TABLE = "hlkb_claims"


# ------------------------------------------------------------------ filters ---


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filter_sql(filters: Filters, kinds=None) -> tuple[list[str], list]:
    """SQL conditions over ``r`` (records) and ``f`` (files) for the filters."""
    where: list[str] = []
    args: list = []
    kinds = filters.kinds if kinds is None else kinds
    if kinds:
        where.append("r.kind IN (" + ",".join("?" * len(kinds)) + ")")
        args.extend(kinds)
    for tag in filters.tags:
        # a note's tags apply to all its records; "a" also matches nested "a/b"
        where.append(
            "EXISTS (SELECT 1 FROM tags t WHERE t.file_id = f.id AND "
            "(t.rid IS NULL OR t.rid = r.rid) AND (t.tag = ? OR t.tag LIKE ? ESCAPE '\\'))"
        )
        args.extend([tag, _like_escape(tag) + "/%"])
    if filters.author:
        where.append("f.author LIKE ? ESCAPE '\\'")
        args.append("%" + _like_escape(filters.author) + "%")
    if filters.category:
        where.append("f.category = ? COLLATE NOCASE")
        args.append(filters.category)
    if filters.lang:
        where.append("r.lang = ?")
        args.append(filters.lang)
    for key, value in filters.where:
        cond = "EXISTS (SELECT 1 FROM fields x WHERE x.key = ? AND x.value = ? AND x.file_id = f.id)"
        args.extend([key, value])
        column = CLAIM_FIELDS.get(key.lower())
        if column:
            cond = f"({cond} OR (r.kind = 'claim' AND r.{column} = ? COLLATE NOCASE))"
            args.append(value)
        where.append(cond)
    if filters.since:
        where.append("substr(f.date, 1, 10) >= ?")
        args.append(filters.since)
    if filters.until:
        where.append("substr(f.date, 1, 10) <= ?")
        args.append(filters.until)
    return where, args


# ------------------------------------------------------------------ hits ---


@dataclass
class Hit:
    """One search hit: a record, best first. For a note hit, ``rows`` are the rids of its
    own rows that match (its row, parts) or, when ``across``, of the rows holding the words."""

    rid: int
    kind: str
    score: float
    rec_id: str = ""
    path: str = ""
    line: int = 0
    pos: int = 0
    length: int = 0
    rows: list[int] = field(default_factory=list)
    across: bool = False
    passage: int | None = None  # claims: the rid of the row that holds them
    file_id: int = 0


def _has_and(node) -> bool:
    if isinstance(node, And):
        return True
    if isinstance(node, Or):
        return any(_has_and(i) for i in node.items)
    if isinstance(node, Not):
        return _has_and(node.positive)
    return False


def _fts_rows_of(conn, file_ids: set[int]) -> set[int]:
    """Every full-text row (records but claims, parts) of these notes."""
    out: set[int] = set()
    for fid in file_ids:
        row = conn.execute("SELECT rid_lo, rid_hi FROM files WHERE id = ?", (fid,)).fetchone()
        if not row or row[0] is None:
            continue
        lo, hi = row
        out.update(
            r
            for (r,) in conn.execute(
                "SELECT rid FROM records WHERE rid BETWEEN ? AND ? AND kind != 'claim' "
                "UNION ALL SELECT rid FROM parts WHERE rid BETWEEN ? AND ?",
                (lo, hi, lo, hi),
            )
        )
    return out


def evaluate(index: Index, parsed: ParsedQuery) -> Evaluation:
    return Evaluation.run(
        index.conn, parsed, lambda fids: _fts_rows_of(index.conn, fids), FileMap(index.conn), db_path=str(index.db)
    )


def _rows_meta(conn, rids, cond: str, args: list) -> list[tuple]:
    """(rid, file_id, id, kind, pos, len, path, line, passage, passes the filters) of the
    records among ``rids``, in one query."""
    rids = list(rids)
    out: list[tuple] = []
    sql = (
        f"SELECT r.rid, r.file_id, r.id, r.kind, r.pos, r.len, f.path, r.line, r.passage, ({cond or '1'}) "
        f"FROM {RECORDS_JOIN} WHERE r.rid IN (SELECT value FROM json_each(?))"
    )
    for i in range(0, len(rids), 50_000):
        out.extend(conn.execute(sql, list(args) + [json.dumps(rids[i : i + 50_000])]))
    return out


def _hit(row, score: float, **fields) -> Hit:
    rid, file_id, rec_id, kind, pos, length, path, line, passage, _ok = row
    return Hit(
        rid,
        kind,
        score,
        rec_id,
        path,
        line,
        pos,
        length,
        file_id=file_id,
        passage=passage if kind == "claim" else None,
        **fields,
    )


def find_hits(index: Index, parsed: ParsedQuery, filters: Filters, ev: Evaluation | None = None) -> list[Hit]:
    """Every hit of the query that passes the filters, best first (not yet limited)."""
    conn = index.conn
    kinds = list(filters.kinds) or list(DEFAULT_KINDS)
    ev = ev or evaluate(index, parsed)
    rows = ev.rows()
    where, args = filter_sql(filters, kinds)
    cond = " AND ".join(where)
    own: dict[int, list[int]] = {}
    note_row: dict[int, tuple] = {}
    hits: dict[int, Hit] = {}
    with_passage: set[int] = set()
    for row in _rows_meta(conn, rows, cond, args):
        rid, fid, kind, ok = row[0], row[1], row[3], row[9]
        if kind == "note":
            own.setdefault(fid, []).append(rid)
            note_row[fid] = row
        else:
            with_passage.add(fid)
            if ok:
                hits[rid] = _hit(row, ev.row_score(rid))
    if len(own) + len(hits) < len(rows):
        chunk = json.dumps(sorted(rows))
        for rid, fid in conn.execute(
            "SELECT rid, file_id FROM parts WHERE rid IN (SELECT value FROM json_each(?))", (chunk,)
        ):
            own.setdefault(fid, []).append(rid)
    if "note" in kinds:
        across: set[int] = set()
        if _has_and(parsed.tree):
            across = ev.notes() - own.keys() - with_passage
        missing = (set(own) | across) - set(note_row)
        if missing:
            lo = [
                r
                for (r,) in conn.execute(
                    "SELECT rid_lo FROM files WHERE id IN (SELECT value FROM json_each(?))",
                    (json.dumps(sorted(missing)),),
                )
            ]
            for row in _rows_meta(conn, lo, cond, args):
                note_row[row[1]] = row
        for fid, rids in own.items():
            row = note_row.get(fid)
            if row is not None and row[9]:
                scored = sorted(((ev.row_score(r), r) for r in rids), reverse=True)
                hits[row[0]] = _hit(row, scored[0][0], rows=[r for _s, r in scored])
        for fid in across:
            row = note_row.get(fid)
            if row is not None and row[9]:
                hits[row[0]] = _hit(
                    row, ACROSS_WEIGHT * ev.note_score(fid), rows=sorted(ev.holding_rows(fid)), across=True
                )
    if "claim" in kinds:
        found = {h.rid: h for h in claim_hits(index, parsed, ev, rows_hint=None)}
        for row in _rows_meta(conn, found, cond, args):
            if row[9]:
                hits[row[0]] = _hit(row, found[row[0]].score)
    out = list(hits.values())
    out.sort(key=lambda h: (-h.score, h.path, h.line, h.rid))
    return out


# ------------------------------------------------------------------ claims ---


def _claim_fts(conn) -> None:
    conn.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{CLAIM_TABLE} USING fts5(title, body, note, meta, "
        "tag, author, tokenize = 'unicode61 remove_diacritics 2')"
    )
    conn.execute(f"DELETE FROM temp.{CLAIM_TABLE}")


def claim_hits(index: Index, parsed: ParsedQuery, ev: Evaluation, rows_hint: set[int] | None) -> list[Hit]:
    """Claims matching the query, found through their passages: the claims of the rows the
    query's positive words match (``rows_hint``: only of these rows) are put in a small FTS
    table and the whole query is run on it, title/author/tag words through their notes."""
    conn = index.conn
    holders = ev.rows(positive_only=True)
    if rows_hint is not None:
        holders &= rows_hint
    if not holders:
        return []
    candidates = conn.execute(
        "SELECT rid, file_id, pos, len, passage FROM records WHERE kind = 'claim' AND passage IN "
        "(SELECT value FROM json_each(?))",
        (json.dumps(sorted(holders)),),
    ).fetchall()
    if not candidates:
        return []
    texts = Texts(conn)
    _claim_fts(conn)
    by_note: dict[int, set[int]] = {}
    rows = []
    passage_of = {}
    for rid, fid, pos, length, passage in sorted(candidates):
        rec = _claim_record(texts, fid, pos, length)
        meta = " ".join([rec.get("attribution") or ""] + [f.get("raw", "") for f in rec.get("figures") or []])
        rows.append((rid, "", fold_for_index(rec.get("text") or ""), "", fold_for_index(meta), "", ""))
        by_note.setdefault(fid, set()).add(rid)
        passage_of[rid] = passage
    conn.executemany(
        f"INSERT INTO temp.{CLAIM_TABLE}(rowid, title, body, note, meta, tag, author) VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    claims_ev = Evaluation.run(
        conn,
        parsed,
        lambda fids: set().union(*(by_note.get(f, set()) for f in fids)),
        ev.files,
        table=CLAIM_TABLE,
        note_results=ev.results,
        db_path=str(index.db),
    )
    found = claims_ev.rows()
    return [Hit(rid, "claim", claims_ev.row_score(rid), passage=passage_of[rid]) for rid in found if rid in passage_of]


def _claim_record(texts: Texts, file_id: int, pos: int, length: int) -> dict:

    return json.loads(record_text("claim", "", "", texts.piece(file_id, pos, length)))


def claims_in_passages(index: Index, parsed: ParsedQuery, ev: Evaluation, passages: set[int]) -> dict[int, list[str]]:
    """passage rid -> ids of its claims that match the query (to mark them in the passage)."""
    out: dict[int, list[str]] = {}
    hits = claim_hits(index, parsed, ev, rows_hint=passages)
    if not hits:
        return out
    ids = dict(
        index.conn.execute(
            "SELECT rid, id FROM records WHERE rid IN (SELECT value FROM json_each(?))",
            (json.dumps([h.rid for h in hits]),),
        ).fetchall()
    )
    for hit in sorted(hits, key=lambda h: h.rid):
        out.setdefault(hit.passage, []).append(ids.get(hit.rid, ""))
    return out


# ------------------------------------------------------------------ records of hits ---


def _passage_ids(conn, rids: set[int]) -> dict[int, str]:
    """rid of a passage (a record, a part, a note's row) -> the id shown as its passage_id
    (a part's is its note's)."""
    rids = list(rids)
    if not rids:
        return {}
    out: dict[int, str] = dict(
        conn.execute(
            "SELECT rid, id FROM records WHERE rid IN (SELECT value FROM json_each(?)) "
            "UNION ALL SELECT p.rid, f.note_id FROM parts p JOIN files f ON f.id = p.file_id "
            "WHERE p.rid IN (SELECT value FROM json_each(?))",
            (json.dumps(rids), json.dumps(rids)),
        ).fetchall()
    )
    return out


def _row_line(texts: Texts, rid: int, terms, conn) -> int:
    """The line a row's match is on: a part's line holding the first term, a record's line."""
    got = texts.part(rid)
    if got is not None:
        line, _end, piece = got
        span = first_span(piece.get("text") or "", terms)
        # a part without the words is in the hit only through a title:/author:/tag: match
        return line + piece["text"][: span[0]].count("\n") if span else 0
    row = conn.execute("SELECT line FROM records WHERE rid = ?", (rid,)).fetchone()
    return row[0] if row else 0


def hit_extras(index: Index, hit: Hit, terms, texts: Texts, passage_ids: dict[int, str]) -> dict:
    """The fields a hit adds to its record: ``passage_id`` (claims), ``match_lines`` (notes)."""
    if hit.kind == "claim":
        return {"passage_id": passage_ids.get(hit.passage) if hit.passage is not None else None}
    if hit.kind == "note":
        lines = {_row_line(texts, r, terms, index.conn) for r in hit.rows} - {0}
        return {"match_lines": sorted(lines or {hit.line})}
    return {}


def _hit_records(index: Index, query: str | None, filters: Filters | None):
    """(hits, parsed query) or (None, None) for a listing."""

    filters = filters or Filters()
    if not query or not query.strip():
        return None, None
    parsed = parse_query(query)
    hits = find_hits(index, parsed, filters)
    if filters.limit:
        hits = hits[: int(filters.limit)]
    return hits, parsed


# hits whose texts are read file by file before being given back ranked: one decompression
# per file for up to this many hits, and their texts (~0.7 KB each) held meanwhile
HITS_CHUNK = 200_000


def _texts_of_hits(index: Index, hits: list[Hit], terms) -> Iterator[tuple[Hit, str, dict]]:
    """(hit, record JSON text, extra fields) in rank order. Hits come in rank order, not
    file order: each chunk of them is read file by file (one decompression per file),
    then given back ranked."""
    texts = Texts(index.conn, keep=64)
    passage_ids = _passage_ids(index.conn, {h.passage for h in hits if h.passage is not None})
    for start in range(0, len(hits), HITS_CHUNK):
        chunk = hits[start : start + HITS_CHUNK]
        got: dict[int, str] = {}
        for hit in sorted(chunk, key=lambda h: (h.file_id, h.pos)):
            got[hit.rid] = texts.record_text(hit.file_id, hit.rec_id, hit.kind, hit.pos, hit.length, hit.path)
        for hit in chunk:
            yield hit, got[hit.rid], hit_extras(index, hit, terms, texts, passage_ids)


def search(index: Index, query: str | None, filters: Filters | None = None, snippets: bool = True) -> Iterator[dict]:
    """Records matching ``query`` and ``filters``, best first (query None/"" = all records,
    claims included, in path/file order). Hits for a query carry ``rank`` (relevance,
    higher is better; never ``score``, which is a pair's alignment confidence), a claim
    ``passage_id``, a note ``match_lines``, and with ``snippets`` a ``snippet``."""
    filters = filters or Filters()
    hits, parsed = _hit_records(index, query, filters)
    if hits is None:
        where, args = filter_sql(filters)
        for _rid, text in list_records(index.conn, where, args, filters.limit):
            yield json.loads(text)
        return
    texts = Texts(index.conn, keep=256) if snippets else None
    for hit, text, extras in _texts_of_hits(index, hits, parsed.terms):
        rec = json.loads(text)
        rec.update(extras)
        rec["rank"] = round(hit.score, 4)
        if snippets:
            rec["snippet"] = snippet_for(index, hit, rec, parsed.terms, texts)
        yield rec


def search_json(index: Index, query: str | None, filters: Filters | None = None) -> Iterator[str]:
    """``search(..., snippets=False)`` as JSON texts, each exactly ``output.dumps`` of the
    record: the stored text with the hit's fields appended, without decoding and
    re-encoding each record (a third of a script's search time when a word matches
    thousands of records)."""

    filters = filters or Filters()
    hits, parsed = _hit_records(index, query, filters)
    if hits is None:
        where, args = filter_sql(filters)
        for _rid, text in list_records(index.conn, where, args, filters.limit):
            yield text
        return
    for hit, text, extras in _texts_of_hits(index, hits, parsed.terms):
        tail = "".join(f", {dumps(k)}: {dumps(v)}" for k, v in extras.items())
        yield f'{text[:-1]}{tail}, "rank": {round(hit.score, 4)!r}}}'


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


def first_span(text: str, terms: list[tuple[str, bool]]) -> tuple[int, int] | None:
    """(start, end) of the first query term in ``text``, or None (cheaper than match_spans)."""
    pattern = _term_pattern(terms)
    if pattern is None or not text:
        return None
    m = pattern.search(fold_same_length(text))
    return m.span() if m else None


def _is_wide(ch: str) -> bool:
    return ord(ch) >= 0x2E80


def window(text: str, span: tuple[int, int] | None, width: int, measure: Callable[[str], int] = len) -> tuple[int, int]:
    """(start, end) of the part of ``text`` to show in ``width`` (as ``measure`` counts:
    characters, or terminal cells), leaving room for an ``…`` at each cut side: about a
    third of it before ``span``, cut on word boundaries (anywhere next to a CJK character)."""
    if measure(text) <= width:
        return 0, len(text)
    budget = max(8, width - 2)
    start = 0
    if span is not None:
        start = span[0]
        room = budget // 3
        while start > 0 and measure(text[start - 1 : span[0]]) <= room:
            start -= 1
        if start > 0:
            cut = start
            while cut < span[0] and not (text[cut - 1].isspace() or _is_wide(text[cut]) or _is_wide(text[cut - 1])):
                cut += 1
            start = cut
    end = start
    used = 0
    while end < len(text):
        w = measure(text[end])
        if used + w > budget:
            break
        used += w
        end += 1
    if end < len(text):
        back = end
        while back > start + budget // 2 and not (
            text[back].isspace() or _is_wide(text[back]) or _is_wide(text[back - 1])
        ):
            back -= 1
        if back > start + budget // 2:
            end = back
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def excerpt(text: str, span: tuple[int, int] | None, width: int, measure: Callable[[str], int] = len) -> str:
    """The part of ``text`` that ``window`` chooses, with ``…`` where it was cut."""
    start, end = window(text, span, width, measure)
    if start == 0 and end == len(text):
        return text
    return ("…" if start > 0 else "") + text[start:end] + ("…" if end < len(text) else "")


def flat(text: str | None) -> str:
    return " ".join(text.split()) if text and len(text) < 1_000_000 else (text or "")


def row_text(index: Index, rid: int, rec: dict | None, texts: Texts) -> list[tuple[int, str, str]]:
    """(line, label, plain text) pieces of a row that a snippet can show: a highlight's
    text and annotation, a pair's paragraphs, a part's lines, a note's title, summary and
    metadata."""
    if rec is None:
        got = texts.part(rid)
        if got is None:
            return []
        line, _end, piece = got
        return [(line + i, "", t) for i, t in enumerate((piece.get("text") or "").split("\n")) if t]
    kind = rec.get("kind")
    if kind == "highlight":
        out = [(rec["line"], "", rec.get("text") or "")]
        if rec.get("note"):
            out.append((rec["line"], "note", flat(rec["note"])))
        return out
    if kind == "pair":
        out = [(ln, "en", plain_markdown(t)) for ln, t in zip(rec.get("en_lines") or [], rec.get("en") or [])]
        out += [(ln, "zh", plain_markdown(t)) for ln, t in zip(rec.get("zh_lines") or [], rec.get("zh") or [])]
        out.sort(key=lambda t: t[0])
        return out
    if kind == "claim":
        return [(rec["line"], "", plain_markdown(rec.get("text") or ""))]
    if kind == "note":
        out = [(rec["line"], "title", rec.get("title") or "")]
        if rec.get("summary"):
            out.append((rec["line"], "summary", flat(rec["summary"])))
        for key, value in (rec.get("front_matter") or {}).items():
            if isinstance(value, (str, int, float)) or (isinstance(value, list) and value):
                shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
                out.append((rec["line"], str(key), flat(shown)))
        for key, value in (rec.get("metadata") or {}).items():
            out.append((rec["line"], str(key), plain_markdown(str(value))))
        if rec.get("author"):
            out.append((rec["line"], "author", rec["author"]))
        return out
    return []


def record_of(index: Index, rid: int, texts: Texts) -> dict | None:
    """The record with this rid (None for a part)."""
    row = index.conn.execute(
        f"SELECT r.file_id, r.id, r.kind, r.pos, r.len, f.path FROM {RECORDS_JOIN} WHERE r.rid = ?", (rid,)
    ).fetchone()
    if row is None:
        return None
    file_id, rec_id, kind, pos, length, path = row
    return json.loads(texts.record_text(file_id, rec_id, kind, pos, length, path))


def best_piece(pieces: list[tuple[int, str, str]], terms) -> tuple[tuple[int, str, str], tuple[int, int] | None] | None:
    """The piece with the first match (the first piece if none matches)."""
    for piece in pieces:
        span = first_span(piece[2], terms)
        if span is not None:
            return piece, span
    return (pieces[0], None) if pieces else None


def snippet_for(index: Index, hit: Hit, rec: dict, terms, texts: Texts, width: int = SNIPPET_CHARS) -> str:
    """An excerpt of the hit's ORIGINAL text around its first match (whole if short)."""
    if hit.kind == "note":
        pieces = []
        for rid in hit.rows:
            pieces += row_text(index, rid, rec if rid == hit.rid else record_of(index, rid, texts), texts)
        if not hit.rows:
            pieces = row_text(index, hit.rid, rec, texts)
    else:
        pieces = row_text(index, hit.rid, rec, texts)
    got = best_piece(pieces, terms)
    if got is None:
        return ""
    (_line, _label, text), span = got
    return excerpt(text, span, width)
