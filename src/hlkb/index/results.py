"""What a person sees of search hits: the hits grouped by note, like ``rg`` groups matches
by file, each with the lines to show (plain text, whole: the terminal view cuts them to its
width around the first match).

- a highlight: its text (and its annotation, where that matches), labelled with its location;
- a pair: each paragraph that matches (English and Chinese on their own lines);
- a note found in its own text: each matching field of its row (title, author, front
  matter, metadata, summary) and each matching line of its parts;
- a note found only across rows: where the words are (the rows holding them);
- a claim (``--kind claim``): its sentence, with the id of the passage it is in.

A claim that matches inside a highlight or pair hit is marked on that hit's lines.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from hlkb.index.lookup import Texts, short_ids
from hlkb.index.match import Evaluation
from hlkb.index.plain import plain_markdown
from hlkb.index.query import ParsedQuery
from hlkb.index.rows import record_text
from hlkb.index.search import Hit, _passage_ids, claims_in_passages, first_span, record_of, row_text
from hlkb.index.store import Index

MAX_PART_LINES_SHOWN = 3
MAX_ACROSS_ROWS_SHOWN = 3


@dataclass
class ShownLine:
    line: int
    text: str  # plain text, one line
    kind: str = ""  # highlight, pair, note, claim
    rec_id: str = ""
    label: str = ""  # a location, "en"/"zh", a field's name, "note" (annotation)
    claims: list[tuple[str, str]] = field(default_factory=list)  # (id, plain text) marked in it
    passage_id: str | None = None  # a claim hit: the passage it was found in
    dim: bool = False  # context (a row holding part of an across match)


@dataclass
class NoteGroup:
    file_id: int
    note_id: str
    path: str
    title: str
    author: str
    category: str
    date: str
    lines: list[ShownLine] = field(default_factory=list)
    across: bool = False


def _location_label(rec: dict) -> str:
    loc = rec.get("location") or {}
    # "View Highlight" is a link, not a place in the text: only a position is worth a label
    return loc.get("label") or "" if loc.get("value") is not None else ""


def _matching(pieces, terms, keep_first: bool = True, limit: int | None = None):
    out = [p for p in pieces if first_span(p[2], terms) is not None]
    if not out and keep_first and pieces:
        out = pieces[:1]
    return out[:limit] if limit else out


def group_hits(index: Index, hits: list[Hit], parsed: ParsedQuery, ev: Evaluation | None) -> list[NoteGroup]:
    """The hits grouped by note (in order of each note's best hit), lines in file order."""
    conn = index.conn
    terms = parsed.terms
    texts = Texts(conn, keep=128)
    groups: dict[int, NoteGroup] = {}
    passages = {h.rid for h in hits if h.kind in ("highlight", "pair")}
    marked = claims_in_passages(index, parsed, ev, passages) if passages and ev is not None else {}
    claim_texts = _claim_texts(conn, texts, [cid for ids in marked.values() for cid in ids])
    passage_ids = _passage_ids(conn, {h.passage for h in hits if h.passage is not None})
    for hit in hits:
        fid = hit.file_id
        group = groups.get(fid)
        if group is None:
            group = groups[fid] = _group(conn, fid)
        rec = record_of(index, hit.rid, texts)
        if hit.kind == "highlight":
            pieces = row_text(index, hit.rid, rec, texts)
            shown = [pieces[0]] + [p for p in pieces[1:] if first_span(p[2], terms) is not None]
            claims = [(cid, claim_texts.get(cid, "")) for cid in marked.get(hit.rid, [])]
            for line, label, text in shown:
                group.lines.append(
                    ShownLine(
                        line,
                        text,
                        "highlight",
                        hit.rec_id,
                        label or _location_label(rec or {}),
                        claims if label == "" else [],
                    )
                )
        elif hit.kind == "pair":
            claims = [(cid, claim_texts.get(cid, "")) for cid in marked.get(hit.rid, [])]
            for line, _side, text in _matching(row_text(index, hit.rid, rec, texts), terms):
                group.lines.append(ShownLine(line, text, "pair", hit.rec_id, "", claims))
        elif hit.kind == "claim":
            for line, _label, text in row_text(index, hit.rid, rec, texts):
                group.lines.append(
                    ShownLine(line, text, "claim", hit.rec_id, "claim", passage_id=passage_ids.get(hit.passage))
                )
        elif hit.kind == "note":
            group.across = group.across or hit.across
            for rid in hit.rows:
                row_rec = rec if rid == hit.rid else record_of(index, rid, texts)
                own = row_rec is None or row_rec.get("kind") == "note"  # a part, or the note's row
                pieces = row_text(index, rid, row_rec, texts)
                if hit.across and not own:
                    for line, label, text in _matching(pieces, terms, limit=1):
                        group.lines.append(
                            ShownLine(
                                line,
                                text,
                                row_rec.get("kind", "") if row_rec else "",
                                row_rec.get("id", "") if row_rec else "",
                                label,
                                dim=True,
                            )
                        )
                    continue
                # a part is shown where its text holds the words (a title:/author:/tag: match
                # holds for every part of the note without being in it); the note's own row
                # shows its matching field, else its title
                for line, label, text in _matching(
                    pieces, terms, keep_first=rid == hit.rid, limit=MAX_PART_LINES_SHOWN
                ):
                    group.lines.append(ShownLine(line, text, "note", hit.rec_id, label))
    shortened = short_ids(
        conn,
        [ln.rec_id for g in groups.values() for ln in g.lines if ln.rec_id]
        + [c for g in groups.values() for ln in g.lines for c, _t in ln.claims]
        + [ln.passage_id for g in groups.values() for ln in g.lines if ln.passage_id],
    )
    for group in groups.values():
        for ln in group.lines:
            ln.rec_id = shortened.get(ln.rec_id, ln.rec_id)
            ln.claims = [(shortened.get(c, c), t) for c, t in ln.claims]
            if ln.passage_id:
                ln.passage_id = shortened.get(ln.passage_id, ln.passage_id)
        seen = set()
        lines = []
        for ln in sorted(group.lines, key=lambda s: (s.line, s.kind != "note")):
            key = (ln.line, ln.text, ln.rec_id)
            if key not in seen:
                seen.add(key)
                lines.append(ln)
        group.lines = lines
    return list(groups.values())


def _group(conn, fid: int) -> NoteGroup:
    row = conn.execute("SELECT note_id, path, title, author, category, date FROM files WHERE id = ?", (fid,)).fetchone()
    note_id, path, title, author, category, date = row if row else ("", "", "", "", "", "")
    return NoteGroup(fid, note_id or "", path or "", title or "", author or "", category or "", date or "")


def _claim_texts(conn, texts: Texts, ids: list[str]) -> dict[str, str]:

    out: dict[str, str] = {}
    if not ids:
        return out
    for file_id, cid, pos, length in conn.execute(
        "SELECT file_id, id, pos, len FROM records WHERE kind = 'claim' AND id IN (SELECT value FROM json_each(?))",
        (json.dumps(ids),),
    ):
        rec = json.loads(record_text("claim", cid, "", texts.piece(file_id, pos, length)))
        out[cid] = plain_markdown(rec.get("text") or "")
    return out
