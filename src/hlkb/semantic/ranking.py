"""Ranking by meaning: ``semantic_hits`` (a query), ``related_hits`` (a record),
``hybrid_hits`` (keyword and meaning rankings fused).

Every vector stands for one hit (vectors.VectorSet.hit_rids): a highlight, a pair (either
side: a pair's similarity is its closer side's), or a note (a part of its own text, its
title and summary: a note's similarity is its closest row's). Hits are ``search.Hit``s,
so the filters, the record texts and the terminal view are search's own; ``score`` is
the similarity (the fused score in a hybrid ranking) and ``similarity[rid]`` the cosine.

Claims have no vectors: with ``--kind claim`` a claim takes its passage's similarity.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from hlkb.errors import UsageError
from hlkb.filters import Filters
from hlkb.index.lookup import get_record_text, note_records, record_rows
from hlkb.index.search import DEFAULT_KINDS, Hit, filter_sql, find_hits
from hlkb.semantic.engine import numpy
from hlkb.semantic.passages import HIGHLIGHT, NOTE_ROW, PAIR_EN, PAIR_ZH, PART, embed_text
from hlkb.semantic.vectors import SHORTLIST

RRF_K = 60  # reciprocal rank fusion: 1 / (RRF_K + rank), the usual constant
HYBRID_DEPTH = 200  # at least this many of each ranking are fused
_KIND_CODES = {"highlight": (HIGHLIGHT,), "pair": (PAIR_EN, PAIR_ZH), "note": (PART, NOTE_ROW)}


@dataclass
class Ranked:
    """Hits best first, with each one's cosine and the row (and code) of its closest vector."""

    hits: list[Hit] = field(default_factory=list)
    similarity: dict[int, float] = field(default_factory=dict)
    best_row: dict[int, int] = field(default_factory=dict)
    best_code: dict[int, int] = field(default_factory=dict)
    total: int = 0  # hits there are before the limit
    total_notes: int = 0  # the notes they are in
    sims: object = None  # the cosine of the vectors with the query (-inf: not shortlisted)
    query: object = None  # the query vector


def _row_filters(filters: Filters) -> bool:
    return bool(
        filters.tags
        or filters.author
        or filters.category
        or filters.lang
        or filters.where
        or filters.since
        or filters.until
    )


def _mask(conn, vs, filters: Filters, kinds: list[str], exclude=None):
    """Which vectors may stand for a hit: of an asked-for kind, passing the filters."""
    np = numpy()
    codes = [c for k in kinds for c in _KIND_CODES.get(k, ())]
    mask = np.isin(vs.codes, np.asarray(codes, dtype=np.int8))
    if _row_filters(filters) and mask.any():
        where, args = filter_sql(filters, [k for k in kinds if k != "claim"])
        sql = "SELECT r.rid FROM records r JOIN files f ON f.id = r.file_id"
        if where:
            sql += " WHERE " + " AND ".join(where)
        allowed = np.fromiter((r for (r,) in conn.execute(sql, args)), dtype=np.int64)
        mask &= np.isin(vs.hit_rids, allowed)
    if exclude is not None:
        mask &= ~exclude
    return mask


def _best_per_hit(vs, sims, mask, want: int | None):
    """Indices of each hit's best vector, best first; the first ``want`` hits (all: None).
    ``sims`` is -inf outside the shortlist."""
    np = numpy()
    idx = np.flatnonzero(mask & np.isfinite(sims))
    if not len(idx):
        return idx
    depth = len(idx) if want is None else min(len(idx), max(64, want * 8))
    while True:
        if depth < len(idx):
            cand = idx[np.argpartition(-sims[idx], depth - 1)[:depth]]
        else:
            cand = idx
        order = cand[np.argsort(-sims[cand], kind="stable")]
        _u, first = np.unique(vs.hit_rids[order], return_index=True)
        best = order[np.sort(first)]
        if want is None or len(best) >= want or depth >= len(idx):
            return best if want is None else best[:want]
        depth = min(len(idx), depth * 4)


def _totals(vs, mask) -> tuple[int, int]:
    """(hits, notes) the vectors ``mask`` allows stand for, in one pass: a set's vectors
    come file by file, a pair's two sides one after the other (an np.unique of 300,000
    ids was a fifth of a query's time)."""
    np = numpy()
    if not mask.any():
        return 0, 0

    def runs(values, where):
        picked = values[where]
        return int(len(picked) and 1 + np.count_nonzero(picked[1:] != picked[:-1]))

    codes = vs.codes
    hits = int(np.count_nonzero(mask & (codes == HIGHLIGHT)))
    hits += runs(vs.rids, mask & ((codes == PAIR_EN) | (codes == PAIR_ZH)))
    hits += runs(vs.file_ids, mask & ((codes == PART) | (codes == NOTE_ROW)))
    return hits, runs(vs.file_ids, mask)


def _depth(want: int | None, n: int) -> int:

    return n if want is None else max(SHORTLIST, want * 40)


def _hits_for(index, vs, sims, best) -> Ranked:
    """Ranked hits for the best vectors (``best``, in rank order)."""

    out = Ranked()
    hit_rids = [int(vs.hit_rids[i]) for i in best]
    meta = record_rows(index.conn, hit_rids)
    for i, rid in zip(best, hit_rids):
        row = meta.get(rid)
        if row is None:
            continue
        _r, file_id, rec_id, kind, pos, length, path, line, passage = row
        sim = float(sims[i])
        row_rid = int(vs.rids[i])
        out.hits.append(
            Hit(
                rid,
                kind,
                sim,
                rec_id,
                path,
                line,
                pos,
                length,
                rows=[row_rid] if kind == "note" else [],
                file_id=file_id,
            )
        )
        out.similarity[rid] = sim
        out.best_row[rid] = row_rid
        out.best_code[rid] = int(vs.codes[i])
    return out


def _claims(index, vs, sims, mask_rows, filters: Filters, want: int | None) -> Ranked:
    """Claims, each with its passage's similarity (claims have no vectors of their own)."""

    np = numpy()
    out = Ranked()
    idx = np.flatnonzero(mask_rows)
    if not len(idx):
        return out
    depth = len(idx) if want is None else min(len(idx), max(256, want * 16))
    part = idx[np.argpartition(-sims[idx], depth - 1)[:depth]] if depth < len(idx) else idx
    row_sim: dict[int, float] = {}
    for i in part[np.argsort(-sims[part], kind="stable")]:
        row_sim.setdefault(int(vs.rids[i]), float(sims[i]))
    where, args = filter_sql(filters, ["claim"])
    sql = (
        "SELECT r.rid, r.passage FROM records r JOIN files f ON f.id = r.file_id WHERE r.kind = 'claim' "
        "AND r.passage IN (SELECT value FROM json_each(?))"
    )
    if where:
        sql += " AND " + " AND ".join(where)
    found = index.conn.execute(sql, [json.dumps(list(row_sim))] + list(args)).fetchall()
    meta = record_rows(index.conn, [rid for rid, _p in found])
    for rid, passage in found:
        row = meta.get(rid)
        if row is None:
            continue
        _r, file_id, rec_id, kind, pos, length, path, line, _passage = row
        sim = row_sim[passage]
        out.hits.append(Hit(rid, "claim", sim, rec_id, path, line, pos, length, file_id=file_id, passage=passage))
        out.similarity[rid] = sim
        out.best_row[rid] = passage
    out.hits.sort(key=lambda h: (-h.score, h.path, h.line, h.rid))
    out.total = len(out.hits)
    return out


def rank(index, vs, query_vec, filters: Filters, want: int | None, exclude=None) -> Ranked:
    """The hits nearest ``query_vec`` that pass ``filters``, best first, at most ``want``."""
    np = numpy()
    kinds = list(filters.kinds) or list(DEFAULT_KINDS)
    passage_kinds = [k for k in kinds if k != "claim"]
    mask = _mask(index.conn, vs, filters, passage_kinds, exclude) if passage_kinds else np.zeros(len(vs), bool)
    rows_mask = None
    if "claim" in kinds:
        rows_mask = np.ones(len(vs), dtype=bool) if exclude is None else ~exclude
    wanted = mask | rows_mask if rows_mask is not None else mask
    sims = vs.similarities(query_vec, wanted, _depth(want, len(vs)))
    out = Ranked()
    if passage_kinds:
        best = _best_per_hit(vs, sims, mask, want)
        if len(best):
            out = _hits_for(index, vs, sims, best)
        out.total, out.total_notes = _totals(vs, mask)
    if rows_mask is not None:
        claims = _claims(index, vs, sims, rows_mask & np.isfinite(sims), filters, want)
        merged = out.hits + claims.hits
        merged.sort(key=lambda h: (-h.score, h.path, h.line, h.rid))
        out.similarity.update(claims.similarity)
        out.best_row.update(claims.best_row)
        out.total += claims.total
        out.total_notes = max(out.total_notes, len({h.file_id for h in merged}))
        out.hits = merged
    if want is not None:
        out.hits = out.hits[:want]
    out.sims = sims
    return out


# ------------------------------------------------------------------ the three rankings ---


def semantic_hits(index, vs, encoder, query: str, filters: Filters, want: int | None) -> Ranked:

    text = embed_text(query) or query.strip()
    query_vec = encoder.encode([text])[0]
    out = rank(index, vs, query_vec, filters, want)
    out.query = query_vec
    return out


def related_hits(index, vs, record_id: str, filters: Filters, want: int | None) -> tuple[dict, Ranked]:
    """(the record, the passages nearest it in meaning): itself and its own pair (the
    pair it is a side of, the highlights a pair is made of) are left out; for a note,
    every passage of the note."""

    np = numpy()
    text, rid = get_record_text(index, record_id)
    rec = json.loads(text)
    conn = index.conn
    file_id, kind, passage = conn.execute("SELECT file_id, kind, passage FROM records WHERE rid = ?", (rid,)).fetchone()
    if kind == "note":
        own = vs.file_ids == file_id
        exclude = own
    else:
        target = passage if kind == "claim" else rid
        own = vs.rids == target
        if kind == "claim" and not own.any():
            own = vs.hit_rids == target
        exclude = np.isin(vs.rids, np.asarray(sorted(_own_pair(index, rec, file_id, target)), dtype=np.int64))
        exclude |= vs.hit_rids == target
    if not own.any():
        if not len(vs):
            raise UsageError("the index has no vectors yet: run `hlkb index --embed`")
        raise UsageError(
            f"{rec['id']} has no vector (no text to compare, or its note changed since `hlkb index --embed`)"
        )
    query = vs.exact(np.flatnonzero(own)).mean(axis=0)
    norm = float(np.linalg.norm(query))
    if norm == 0:
        raise UsageError(f"{rec['id']} has no vector to compare")
    return rec, rank(index, vs, query / norm, filters, want, exclude=exclude)


def _own_pair(index, rec: dict, file_id: int, target: int) -> set[int]:
    """rids of the record's own pair: for a highlight, the pairs holding its text and those
    pairs' other highlights; for a pair, the highlights it holds. (A pair records only the
    first line of each paragraph, and a paragraph of a note of highlights can start on a
    heading above them: the text tells which highlights a pair was made of.)"""

    out = {target}
    kind = rec.get("kind")
    if kind not in ("highlight", "pair"):
        return out
    siblings = note_records(index, rec.get("note_id") or "", rec.get("path"))
    pairs = [
        (r, embed_text("\n".join(r.get("en") or [])) + "\n" + embed_text("\n".join(r.get("zh") or [])))
        for r in siblings
        if r.get("kind") == "pair"
    ]
    highlights = [(r, embed_text(r.get("text"))) for r in siblings if r.get("kind") == "highlight"]
    if kind == "pair":
        mine = [(rec, next((t for r, t in pairs if r["id"] == rec["id"]), ""))]
    else:
        own_text = embed_text(rec.get("text"))
        mine = [(r, t) for r, t in pairs if own_text and own_text in t]
    ids = {r["id"] for r, _t in mine}
    for _r, side_text in mine:
        ids.update(h["id"] for h, text in highlights if text and text in side_text)
    ids.discard(rec["id"])
    if ids:
        out.update(
            r
            for (r,) in index.conn.execute(
                "SELECT rid FROM records WHERE file_id = ? AND id IN (SELECT value FROM json_each(?))",
                (file_id, json.dumps(sorted(ids))),
            )
        )
    return out


def hybrid_hits(index, vs, encoder, query: str, parsed, filters: Filters, want: int | None) -> Ranked:
    """Keyword (BM25) and meaning rankings fused by reciprocal rank fusion: each hit scores
    the sum over the rankings it is in of 1 / (RRF_K + its rank there)."""

    keyword = find_hits(index, parsed, filters)
    depth = max(HYBRID_DEPTH, (want or 0) * 4)
    meaning = semantic_hits(index, vs, encoder, query, filters, depth)
    np = numpy()
    fused: dict[int, float] = {}
    by_rid: dict[int, Hit] = {}
    for ranking in (keyword[: max(depth, len(keyword))], meaning.hits):
        for k, hit in enumerate(ranking, 1):
            fused[hit.rid] = fused.get(hit.rid, 0.0) + 1.0 / (RRF_K + k)
            by_rid.setdefault(hit.rid, hit)
    hits = []
    for rid, score in fused.items():
        hit = by_rid[rid]
        hits.append(
            Hit(
                hit.rid,
                hit.kind,
                score,
                hit.rec_id,
                hit.path,
                hit.line,
                hit.pos,
                hit.length,
                rows=list(hit.rows),
                across=hit.across,
                passage=hit.passage,
                file_id=hit.file_id,
            )
        )
    hits.sort(key=lambda h: (-h.score, h.path, h.line, h.rid))
    out = Ranked(
        similarity=dict(meaning.similarity),
        best_row=dict(meaning.best_row),
        best_code=dict(meaning.best_code),
        total=len(hits),
        total_notes=len({h.file_id for h in hits}),
    )
    out.hits = hits if want is None else hits[:want]
    # the cosine of the keyword hits shown that the meaning ranking did not reach (their
    # closest vector), for the `similarity` field
    missing = [h.rid for h in out.hits if h.rid not in out.similarity]
    if missing and len(vs):
        sel = np.flatnonzero(np.isin(vs.hit_rids, np.asarray(missing, dtype=np.int64)))
        sims = vs.exact(sel) @ meaning.query
        for k in np.argsort(-sims, kind="stable"):
            i = sel[k]
            rid = int(vs.hit_rids[i])
            if rid not in out.similarity:
                out.similarity[rid] = float(sims[k])
                out.best_row[rid] = int(vs.rids[i])
                out.best_code[rid] = int(vs.codes[i])
    return out
