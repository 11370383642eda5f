"""The rows of one note file, built in a parsing worker (so the CPU-heavy folding and
compression run on every core) and written by store.Writer.

Each passage of text is indexed once (issue 16):

- a highlight or a pair is a passage, with its own full-text row;
- the note's own text outside its passages is cut into **parts** (paragraphs: runs of
  non-blank lines, a heading starting a new one); a part is searched and shown as its note.
  Lines that only repeat what the note's row holds (the title heading, ``Key: value``
  metadata lines, front matter) are left out, as are lines a pair already holds;
- the note's row holds its title, summary, author, tags, metadata and front-matter values;
- a claim has no full-text row: it is found through its passage (``passage``).

The original text is kept once, as the file's records' JSON (less the kind/id/path prefix
that the records table holds) and parts, compressed together; the folded text (cjk.py)
exists only inside FTS5. ``fts_columns`` is the one definition of what a row's columns are:
the workers fold it for the insert, and the ``fts_source`` view (schema.py) recomputes it
from the stored text through ``hlkb_fts`` when FTS5 deletes a row or checks itself.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass, field
from functools import lru_cache

from hlkb.index.cjk import FOLD_VERSION, fold_for_index
from hlkb.index.plain import is_heading, link_urls, plain_line
from hlkb.model import json_safe

# Bump when fts_columns or the folding change what a stored text is indexed as: an index
# built by other rules is then rebuilt before it is written (its rows could not be deleted).
INDEX_TEXT_VERSION = 1
ZLIB_LEVEL = 3  # as small as 6 within 3%, twice as fast


def text_rules() -> str:
    """Everything that decides what a stored text is indexed as (see INDEX_TEXT_VERSION)."""
    import sqlite3

    from hlkb.lang import opencc_version

    return f"text {INDEX_TEXT_VERSION}, fold {FOLD_VERSION}, opencc {opencc_version()}, sqlite {sqlite3.sqlite_version}"


MAX_PART_LINES = 20
_BLANK = " \t\u00a0\u3000\r\ufeff"

_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)


def _c_encoder():
    """JSONEncoder(ensure_ascii=False, default=str)'s C encoder, made once: ``encode`` makes
    one for every call, behind two Python layers (3.5 of 9 µs a highlight record). Without
    the check for circular references, which a record (a tree) never has."""
    from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]

    if c_make_encoder is None:
        return None
    try:
        encode = c_make_encoder(None, str, encode_basestring, None, ": ", ", ", False, False, True)
    except TypeError:  # a private interface: where another Python's differs, the public encoder
        return None
    probe = {"a": [1, 2.5, None, "é"]}
    return encode if "".join(encode(probe, 0)) == _ENCODER.encode(probe) else None


_C_ENCODE = _c_encoder()


def dumps(obj) -> str:
    """``obj`` as JSON, as output.dumps writes a record (``_ENCODER.encode``)."""
    if _C_ENCODE is None:
        return _ENCODER.encode(obj)
    return "".join(_C_ENCODE(obj, 0))


@dataclass
class FileRows:
    """Everything the writer needs for one note file (picklable; built in a worker).

    Rows are numbered by ``seq`` from 0 (the note record), then its other records, then
    its parts: the writer adds the first rid of the file's block (schema.py)."""

    rel: str
    size: int
    mtime_ns: int
    hash: str
    note_id: str | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)  # e.g. front matter that was ignored
    # (seq, id, kind, line, lang, pos, len, passage seq, source, check, attribution, counterpart)
    records: list[tuple] = field(default_factory=list)
    parts: list[tuple[int, int, int, int, int]] = field(default_factory=list)  # (seq, line, end_line, pos, len)
    fts: list[tuple] = field(default_factory=list)  # (seq, *folded FTS columns)
    text: bytes = b""  # the compressed pieces (records, parts)
    note_tags: list[str] = field(default_factory=list)
    record_tags: list[tuple[int, str]] = field(default_factory=list)  # (seq, tag)
    fields: list[tuple[str, str]] = field(default_factory=list)  # front matter (key, value)
    title: str | None = None
    author: str | None = None
    category: str | None = None
    date: str | None = None


# ------------------------------------------------------------ what is searchable ---


def _scalar_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return None
    return str(value)


def front_matter_fields(fm: dict) -> list[tuple[str, str]]:
    """(key, value) for every scalar front-matter value (a list gives one per item)."""
    out = []
    for key, value in fm.items():
        items = value if isinstance(value, list) else [value]
        for item in items:
            text = _scalar_text(item)
            if text is not None:
                out.append((str(key), text))
    return out


def _join(values) -> str:
    return " ".join(str(v) for v in values if v)


def _links(markdown: str | None, skip: str | None = None) -> list[str]:
    if not markdown or "](" not in markdown and "<" not in markdown:
        return []
    if skip and "<" not in markdown:
        # A highlight's one link is mostly its location's (``([View Highlight](URL))``):
        # with a single "](" followed by that URL and ")", the only link link_urls can
        # find is that URL (its pattern's other branch needs a "<"), and it is skipped.
        at = markdown.find("](") + 2
        if markdown.find("](", at) < 0 and markdown.startswith(skip + ")", at) and _BARE_URL.fullmatch(skip):
            return []
    return [u for u in link_urls(markdown) if u != skip]


_BARE_URL = re.compile(r"[^()\s<>]+")  # what link_urls' "](URL)" branch captures whole


def fts_columns(kind: str, rec) -> tuple[str, str, str, str, str, str]:
    """(title, body, note, meta, tag, author) of a row, before folding. ``rec`` is the record
    (a JSON object) or, for a part, its stored piece ``{"text", "links"}``."""
    if kind == "highlight":
        tags = [str(t) for t in rec.get("tags") or []]
        loc = rec.get("location") or {}
        meta = _join(tags + [loc.get("label"), rec.get("section")] + _links(rec.get("markdown"), loc.get("url")))
        return "", rec.get("text") or "", rec.get("note") or "", meta, _join(tags), ""
    if kind == "pair":
        return "", "\n".join(rec.get("en") or []) + "\n" + "\n".join(rec.get("zh") or []), "", "", "", ""
    if kind == "part":
        return "", rec.get("text") or "", "", _join(rec.get("links") or []), "", ""
    if kind == "note":
        tags = [str(t) for t in rec.get("tags") or []]
        fm = rec.get("front_matter")
        if not isinstance(fm, dict):
            fm = {}
        fields: list = [
            rec.get("author"),
            rec.get("category"),
            rec.get("url"),
            _join(tags),
            _join(rec.get("document_tags") or []),
        ]
        # "Key: value" lines of the note's metadata section are visible text, key and all
        fields += [f"{k} {_scalar_text(v)}" for k, v in (rec.get("metadata") or {}).items()]
        fields += [v for _k, v in front_matter_fields(fm)]
        return (
            rec.get("title") or "",
            "",
            rec.get("summary") or "",
            _join(fields),
            _join(tags),
            rec.get("author") or "",
        )
    return "", "", "", "", "", ""


def folded_columns(kind: str, rec) -> tuple[str, ...]:
    return tuple(map(fold_for_index, fts_columns(kind, rec)))  # (an empty column folds to "")


# ------------------------------------------------------------ the stored text ---


def record_prefix(kind: str, rec_id: str, path: str) -> str:
    """The start of every record's JSON (model.to_record puts kind, id, path first)."""
    # An identifier (every id hlkb makes: "h_" and hex) has nothing JSON escapes (a quote,
    # a backslash, a control character), so its JSON is itself in quotes.
    id_json = '"' + rec_id + '"' if rec_id.isidentifier() else dumps(rec_id)
    return '{"kind": ' + _json_string(kind) + ', "id": ' + id_json + ', "path": ' + _json_string(path) + ", "


@lru_cache(maxsize=16)
def _json_string(path: str) -> str:
    return dumps(path)  # the same for every record of a file (and the few kinds): encoded once


def record_piece(kind: str, rec_id: str, path: str, text: str) -> str:
    """What is stored of a record's JSON text: the rest after its prefix (the columns hold
    kind and id, the files table the path), or the whole text if it does not start so."""
    prefix = record_prefix(kind, rec_id, path)
    return text[len(prefix) :] if text.startswith(prefix) else text


def record_text(kind: str, rec_id: str, path: str, piece: str) -> str:
    """The record's JSON text again (output.dumps of the record)."""
    return piece if piece.startswith("{") else record_prefix(kind, rec_id, path) + piece


def pack(pieces: list[str]) -> tuple[bytes, list[tuple[int, int]]]:
    """(compressed text, (pos, len) of each piece in the uncompressed bytes)."""
    spans = []
    chunks = []
    pos = 0
    for piece in pieces:
        data = piece.encode("utf-8", "surrogatepass")
        spans.append((pos, len(data)))
        chunks.append(data)
        pos += len(data)
    return zlib.compress(b"".join(chunks), ZLIB_LEVEL), spans


def unpack(z: bytes) -> bytes:
    return zlib.decompress(z)


def piece_at(data: bytes, pos: int, length: int) -> str:
    return data[pos : pos + length].decode("utf-8", "surrogatepass")


# ------------------------------------------------------------ parts ---


def _is_blank(line: str) -> bool:
    return not line.strip(_BLANK)


def _covered_lines(note, lines: list[str]) -> list[bool]:
    """Which lines (1-based) the note's front matter and passages hold."""
    n = len(lines)
    covered = [False] * (n + 2)
    for ln in range(1, min(max(note.body_line, 1), n + 1)):
        covered[ln] = True
    for h in note.highlights:
        for ln in range(max(h.line, 1), min(max(h.end_line or h.line, h.line), n) + 1):
            covered[ln] = True
    starts: set[int] = set()
    for p in note.pairs:
        starts.update(p.en_lines)
        starts.update(p.zh_lines)
    for start in starts:
        ln = start
        # a paragraph runs to a blank line or to where the next one starts
        while 1 <= ln <= n and not _is_blank(lines[ln - 1]) and (ln == start or ln not in starts):
            covered[ln] = True
            ln += 1
    return covered


def _norm(text: str) -> str:
    return " ".join(text.split())


def _note_row_lines(rec: dict) -> set[str]:
    """What the note's own row holds, as plain ``text`` and ``Key: value`` lines."""

    out = [rec.get("title") or "", rec.get("summary") or "", rec.get("author") or "", rec.get("url") or ""]
    for key, value in (rec.get("metadata") or {}).items():
        out.append(plain_line(f"{key}: {value}")[0])
        out.append(plain_line(str(value))[0])
    fm = rec.get("front_matter")
    for key, value in front_matter_fields(fm if isinstance(fm, dict) else {}):
        out.append(f"{key}: {value}")
        out.append(value)
    return {_norm(t) for t in out if t}


def _wordy(c: str) -> bool:
    return c.isalnum() and ord(c) < 0x2E80  # a letter or digit of a space-separated script


def _contains(hay: str, needle: str) -> bool:
    """``needle`` in ``hay`` where it does not start or end inside a word."""
    at = hay.find(needle)
    while at >= 0:
        end = at + len(needle)
        if (at == 0 or not (_wordy(hay[at - 1]) and _wordy(needle[0]))) and (
            end == len(hay) or not (_wordy(hay[end]) and _wordy(needle[-1]))
        ):
            return True
        at = hay.find(needle, at + 1)
    return False


def note_parts(note, note_rec: dict) -> list[tuple[int, int, str, list[str]]]:
    """(line, end_line, plain text, link URLs) of each paragraph of the note's own text."""

    text = note.text or ""
    if not text:
        return []
    lines = text.split("\n")
    covered = _covered_lines(note, lines)
    row_lines = None
    pair_text = None
    parts: list[tuple[int, int, str, list[str]]] = []
    cur: list[tuple[int, str]] = []
    links: list[str] = []

    def close():
        # text lines stay aligned with file lines (a link-only line is an empty one); a part
        # with no text at all (a cover image) is not kept
        while cur and not cur[-1][1]:
            cur.pop()
        while cur and not cur[0][1]:
            cur.pop(0)
        if cur:
            parts.append((cur[0][0], cur[-1][0], "\n".join(t for _ln, t in cur), list(links)))
        cur.clear()
        links.clear()

    for ln, raw in enumerate(lines, 1):
        if covered[ln] or _is_blank(raw):
            if cur:  # (most lines of a note are its passages': nothing to close)
                close()
            continue
        plain, urls = plain_line(raw)
        if not plain and not urls:
            close()
            continue
        if row_lines is None:
            row_lines = _note_row_lines(note_rec)
        if plain and _norm(plain) in row_lines:
            close()  # the title heading, a "Key: value" metadata line: in the note's row
            continue
        if note.pairs and plain:
            if pair_text is None:
                pair_text = "\n".join(_norm(t) for p in note.pairs for t in p.en + p.zh)
            if _contains(pair_text, _norm(raw)):
                close()  # a line of a paragraph the splitter joined to an earlier one
                continue
        if cur and (is_heading(raw) or len(cur) >= MAX_PART_LINES):
            close()
        cur.append((ln, plain))
        links.extend(urls)
    close()
    return parts


# ------------------------------------------------------------ one file's rows ---


def rows_for_note(note, rows: FileRows) -> FileRows:
    """Fill ``rows`` from a parsed and analysed Note (runs in a worker process)."""

    path = rows.rel
    note_rec = note.to_record()
    rows.note_id = note.id
    rows.title, rows.author, rows.category, rows.date = note.title, note.author, note.category, note.date
    rows.note_tags = [str(t).lstrip("#") for t in note.tags if str(t).strip()]
    fm = json_safe(note.front_matter) if isinstance(note.front_matter, dict) else {}
    rows.fields = front_matter_fields(fm)

    others = [(h.line, 0, i, "highlight", h) for i, h in enumerate(note.highlights)]
    others += [(p.line, 1, i, "pair", p) for i, p in enumerate(note.pairs)]
    others += [(c.line, 2, i, "claim", c) for i, c in enumerate(note.claims)]
    others.sort(key=lambda t: (t[0], t[1], t[2]))

    pieces: list[str] = []
    entries = []  # (seq, kind, obj, record dict)
    entries.append((0, "note", note, note_rec))
    for seq, (_line, _order, _i, kind, obj) in enumerate(others, 1):
        entries.append((seq, kind, obj, obj.to_record()))
    seq_of_id: dict[str, int] = {}
    for seq, kind, obj, rec in entries:
        if kind in ("highlight", "pair"):
            seq_of_id.setdefault(obj.id, seq)
        pieces.append(record_piece(kind, obj.id, path, dumps(rec)))

    parts = note_parts(note, note_rec)
    first_part = len(entries)
    for _line, _end, text, links in parts:
        pieces.append(dumps({"text": text, "links": links}))
    rows.text, spans = pack(pieces)

    for (seq, kind, obj, rec), (pos, length) in zip(entries, spans):
        passage = source = check = attribution = counterpart = None
        if kind == "claim":
            passage = _claim_passage(obj, seq_of_id, parts, first_part)
            source, check, attribution, counterpart = obj.source, obj.check, obj.attribution, obj.counterpart
        else:
            rows.fts.append((seq,) + folded_columns(kind, rec))
        lang = "mixed" if kind == "pair" else getattr(obj, "lang", None)
        rows.records.append(
            (seq, obj.id, kind, obj.line, lang, pos, length, passage, source, check, attribution, counterpart)
        )
        if kind == "highlight":
            rows.record_tags.extend((seq, str(t).lstrip("#")) for t in obj.tags if str(t).strip())
    for i, ((line, end, text, links), (pos, length)) in enumerate(zip(parts, spans[len(entries) :])):
        seq = first_part + i
        rows.parts.append((seq, line, end, pos, length))
        rows.fts.append((seq,) + folded_columns("part", {"text": text, "links": links}))
    return rows


def _claim_passage(claim, seq_of_id: dict, parts, first_part: int) -> int:
    """The seq of the row that holds a claim: its highlight or pair, else the part of the
    note's own text on its line, else the note's row (a claim note's title)."""
    for ref in (claim.highlight_id, claim.pair_id):
        if ref and ref in seq_of_id:
            return seq_of_id[ref]
    for i, (line, end, _text, _links) in enumerate(parts):
        if line <= claim.line <= end:
            return first_part + i
    return 0
