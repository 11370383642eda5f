"""Ranked meaning hits as search shows them: JSON records (search's own fields, plus
``similarity``) and the grouped terminal view (hlkb.cli.display.search_view)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from hlkb.index.lookup import Texts, short_ids
from hlkb.index.results import NoteGroup, ShownLine, _group
from hlkb.index.search import _passage_ids as ids_of
from hlkb.index.search import excerpt, record_of, row_text
from hlkb.semantic.passages import PAIR_SIDES

MAX_PART_LINES_SHOWN = 3


def _row_lines(index, texts: Texts, hit, ranked) -> list[int]:
    """The lines of a note hit's rows: its closest part (or its first line for its title),
    and for a keyword hit of a hybrid ranking the rows the words are in."""
    rows = list(dict.fromkeys(list(hit.rows) + [ranked.best_row.get(hit.rid, hit.rid)]))
    lines = set()
    for rid in rows:
        got = texts.part(rid)
        lines.add(got[0] if got is not None else hit.line)
    return sorted(lines) or [hit.line]


def _passage_ids(index, hits) -> dict[int, str]:

    return ids_of(index.conn, {h.passage for h in hits if h.passage is not None})


def records(index, ranked, snippets: bool = False, fused: bool = False) -> Iterator[dict]:
    """Each hit's record with ``rank``, ``similarity`` (and ``match_lines``, ``passage_id``,
    ``snippet`` as search adds them)."""

    texts = Texts(index.conn, keep=64)
    passage_ids = _passage_ids(index, ranked.hits)
    for hit in ranked.hits:
        rec = json.loads(texts.record_text(hit.file_id, hit.rec_id, hit.kind, hit.pos, hit.length, hit.path))
        if hit.kind == "note":
            rec["match_lines"] = _row_lines(index, texts, hit, ranked)
        elif hit.kind == "claim":
            rec["passage_id"] = passage_ids.get(hit.passage) if hit.passage is not None else None
        sim = ranked.similarity.get(hit.rid)
        rec["rank"] = round(hit.score, 6 if fused else 4)
        rec["similarity"] = None if sim is None else round(sim, 4)
        if snippets:
            shown = _shown_texts(index, texts, hit, rec, ranked)
            rec["snippet"] = excerpt(" ".join(shown[0][2].split()), None, 160) if shown else ""
        yield rec


def _shown_texts(index, texts: Texts, hit, rec: dict, ranked) -> list[tuple[int, str, str]]:
    """(line, label, plain text) of what a hit shows: a highlight's text, the closer side
    of a pair, a note's closest part (or its title), a claim's sentence."""

    if hit.kind == "pair":
        # the closer side (the first, for a keyword hit without a vector), as one text
        side = PAIR_SIDES.get(ranked.best_code.get(hit.rid))
        pieces = row_text(index, hit.rid, rec, texts)
        chosen = [p for p in pieces if p[1] == side] if side else []
        chosen = chosen or [p for p in pieces if p[1] == pieces[0][1]] if pieces else []
        return [(chosen[0][0], chosen[0][1], " ".join(p[2] for p in chosen))] if chosen else []
    if hit.kind == "note":
        out = []
        rows = list(dict.fromkeys([ranked.best_row.get(hit.rid, hit.rid)] + list(hit.rows)))
        for rid in rows[:2]:
            if rid == hit.rid:
                out.append((rec["line"], "title", rec.get("title") or ""))
                continue
            got = texts.part(rid)
            if got is None:
                row_rec = record_of(index, rid, texts)
                out.extend(row_text(index, rid, row_rec, texts)[:1] if row_rec else [])
                continue
            line, _end, piece = got
            out.extend((line + i, "", t) for i, t in enumerate((piece.get("text") or "").split("\n")) if t)
        return out[:MAX_PART_LINES_SHOWN]
    return row_text(index, hit.rid, rec, texts)[: 1 if hit.kind != "highlight" else 2]


def groups(index, ranked) -> list:
    """The hits grouped by note (in order of each note's best hit), for search_view."""

    conn = index.conn
    texts = Texts(conn, keep=128)
    out: dict[int, NoteGroup] = {}
    passage_ids = _passage_ids(index, ranked.hits)
    for hit in ranked.hits:
        group = out.get(hit.file_id)
        if group is None:
            group = out[hit.file_id] = _group(conn, hit.file_id)
        rec = json.loads(texts.record_text(hit.file_id, hit.rec_id, hit.kind, hit.pos, hit.length, hit.path))
        sim = ranked.similarity.get(hit.rid)
        label = f"{sim:.2f}" if sim is not None else ""
        for k, (line, piece_label, text) in enumerate(_shown_texts(index, texts, hit, rec, ranked)):
            if hit.kind == "highlight" and piece_label == "note":
                label_k = "note"
            elif hit.kind == "note" and piece_label and piece_label != "title":
                label_k = piece_label
            else:
                label_k = label if k == 0 else ""
            group.lines.append(
                ShownLine(
                    line,
                    text,
                    hit.kind,
                    hit.rec_id if k == 0 else "",
                    label_k,
                    passage_id=passage_ids.get(hit.passage) if hit.kind == "claim" else None,
                )
            )
    shortened = short_ids(
        conn,
        [ln.rec_id for g in out.values() for ln in g.lines if ln.rec_id]
        + [ln.passage_id for g in out.values() for ln in g.lines if ln.passage_id],
    )
    for group in out.values():
        for ln in group.lines:
            ln.rec_id = shortened.get(ln.rec_id, ln.rec_id)
            if ln.passage_id:
                ln.passage_id = shortened.get(ln.passage_id, ln.passage_id)
    return list(out.values())
