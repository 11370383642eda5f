"""What is embedded: one text per passage of the index (its meaning, as plain text).

- a highlight: its text (not the reader's annotation, which says something else);
- a pair: each side on its own, the English (side 1) and the Chinese (side 2): a query in
  either language then meets the side in its own language as well as the other;
- a part (a paragraph of a note's own text): its text;
- a note's own row: its title and summary, when it has them (what the note is about).

Claims are not embedded: each is a sentence of a passage that is.

The text is the plain text a reader sees (hlkb.index.plain), less inline HTML tags, which
exports and web clippings leave in (``<u>``, ``<span class=…>``, Vue ``<template #e1>``) and
which are not meaning: on the bilingual gold pairs they cut the encoder's recall@1 from
0.97 to 0.84 (benchmarks/semantic_eval.py). Very long passages are cut (MAX_CHARS): the
encoder averages over the text, and the cut bounds the time one passage can take.
"""

from __future__ import annotations

import hashlib
import json
import re

from hlkb.index.plain import plain_markdown
from hlkb.index.rows import record_text

# What a vector is of (its "code", stored with it: search needs no look-up to know which
# hit a vector belongs to): a highlight, a pair's English or Chinese side (its record is
# the hit), a part or a note's own row (the note is the hit).
HIGHLIGHT, PAIR_EN, PAIR_ZH, PART, NOTE_ROW = 0, 1, 2, 3, 4
PAIR_SIDES = {PAIR_EN: "en", PAIR_ZH: "zh"}
MAX_CHARS = 4000
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>")


def embed_text(text: str | None) -> str:
    """A passage's text as it is embedded (empty: nothing to embed)."""

    if not text:
        return ""
    if "<" in text:
        text = _TAG.sub(" ", text)
    text = " ".join(plain_markdown(text).split())
    return text[:MAX_CHARS]


def text_key(text: str) -> bytes:
    """8 bytes naming an embedded text (vectors are reused by it when a note changes)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()


def slot(seq: int, code: int) -> int:
    """A vector's place: its row's seq in the file's block (rid - rid_lo) and its code."""
    return seq << 3 | code


def record_texts(kind: str, rec: dict) -> list[tuple[int, str]]:
    """(code, text to embed) of one record (a JSON object) or part (its stored piece)."""
    if kind == "highlight":
        out = [(HIGHLIGHT, embed_text(rec.get("text")))]
    elif kind == "pair":
        out = [
            (PAIR_EN, embed_text("\n".join(rec.get("en") or []))),
            (PAIR_ZH, embed_text("\n".join(rec.get("zh") or []))),
        ]
    elif kind == "part":
        out = [(PART, embed_text(rec.get("text")))]
    elif kind == "note":
        about = "\n".join(t for t in (rec.get("title"), rec.get("summary")) if t)
        out = [(NOTE_ROW, embed_text(about))]
    else:
        return []
    return [(code, text) for code, text in out if text]


def file_passages(conn, file_id: int, rid_lo: int, rid_hi: int, texts) -> list[tuple[int, str]]:
    """(slot, text) of every passage of one indexed note file, in file order. ``texts`` is an
    hlkb.index.lookup.Texts (the file's stored text, decompressed once)."""

    rows = conn.execute(
        "SELECT rid, kind, pos, len FROM records WHERE rid BETWEEN ? AND ? AND kind != 'claim' "
        "UNION ALL SELECT rid, 'part', pos, len FROM parts WHERE rid BETWEEN ? AND ? ORDER BY 1",
        (rid_lo, rid_hi, rid_lo, rid_hi),
    ).fetchall()
    out = []
    for rid, kind, pos, length in rows:
        piece = texts.piece(file_id, pos, length)
        try:
            rec = json.loads(piece if kind == "part" else record_text(kind, "", "", piece))
        except ValueError:
            continue
        for code, text in record_texts(kind, rec):
            out.append((slot(rid - rid_lo, code), text))
    return out
