"""The records hlkb reads out of notes (docs/records.md) and their stable ids.

Every record dataclass has ``to_record()`` returning the JSON object scripts see:
``kind`` first, then ``id``, ``path``, ``line`` and the kind's own fields. Fields that
exist only for hlkb's own use (line spans, sublines) are excluded from records unless
documented in docs/records.md.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import unicodedata
from dataclasses import dataclass, field
from typing import Any


def stable_hash(*parts: str, length: int = 16) -> str:
    h = hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()
    return h[:length]


# Compatibility characters common in notes (fullwidth ASCII forms such as "，", the
# ideographic space, "…"), each with its full compatibility decomposition. A text with them
# replaced has the same NFKC (NFKC composes the characters' full decompositions) and is
# usually NFKC already, which unicodedata sees in one quick pass, where normalising a
# Chinese text costs some 1,800 instructions a character.
_COMPAT_DECOMPOSED = {c: unicodedata.normalize("NFKD", chr(c)) for c in (*range(0xFF01, 0xFF5F), 0x3000, 0x2026)}


def normalize_for_id(text: str) -> str:
    """Text as it enters an id: NFKC, whitespace collapsed and case-folded, so that a
    re-export that only changes spacing, width or case keeps the id."""
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):  # ASCII is NFKC
        text = unicodedata.normalize("NFKC", text.translate(_COMPAT_DECOMPOSED))
    return collapse_whitespace(text).casefold()


def collapse_whitespace(text: str) -> str:
    """``" ".join(text.split())``: every run of whitespace one space, none at the ends."""
    # Every whitespace character but " " is unprintable (tests/test_parse_fast_paths.py checks
    # the whole Unicode database): printable text without two spaces in a row or a space at
    # an end is collapsed already, and the test is cheaper than splitting it into words.
    if not text.isprintable() or "  " in text or text[:1] == " " or text[-1:] == " ":
        return " ".join(text.split())
    return text


def json_safe(value: Any) -> Any:
    """Front-matter values as JSON: dates become ISO strings, other scalars stay."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [json_safe(v) for v in value]
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


@dataclass
class Location:
    label: str  # as written: "Location 220", "Page 12", "Time 0:11:12", "View Highlight"
    url: str | None = None
    value: float | None = None  # 220, 12, 672 (seconds for Time), None for View Highlight

    def to_record(self) -> dict:
        v = self.value
        if v is not None and float(v).is_integer():
            v = int(v)
        return {"label": self.label, "url": self.url, "value": v}


@dataclass
class TagSlot:
    """Where the tag editor writes a new tag for a highlight that has no ``Tags:`` line yet,
    in the way its layout carries tags (decided by the parser, which knows the layout).

    kind: ``subline`` (a ``- Tags:`` item under a list item, after ``line``), ``line`` (a
    ``prefix + "Tags: …"`` line after ``line``; ``paragraph``: as a paragraph of its own, so
    a block id ending the text stays the last thing of its block), ``inline`` (``#tag`` at
    the end of ``line``, after the tags already there), ``none`` (no safe place: ``why``).
    """

    kind: str
    line: int
    prefix: str = ""
    paragraph: bool = False
    why: str = ""


@dataclass
class Highlight:
    id: str
    note_id: str
    path: str
    line: int  # first line of the highlight's text
    text: str  # plain text
    markdown: str  # as written, continuation lines included, list marker removed
    note: str | None = None  # the reader's annotation
    tags: list[str] = field(default_factory=list)
    location: Location | None = None
    readwise_id: str | None = None
    lang: str = "en"
    # Line bookkeeping for editors (not part of the record):
    end_line: int = 0  # last line of the highlight block, sublines included
    text_end_line: int = 0  # last line of the highlight text itself
    note_line: int | None = None  # line of the "Note:" subline
    tags_line: int | None = None  # line of the "Tags:" subline
    section: str | None = None  # heading the highlight sits under (chapter), if any
    color: str | None = None
    layout: str | None = None  # the unit the parser read it as: item, quote, chunk, heading, …
    tag_slot: TagSlot | None = None  # where a new tag goes (tag editor), see TagSlot

    def to_record(self) -> dict:
        return {
            "kind": "highlight",
            "id": self.id,
            "path": self.path,
            "line": self.line,
            "note_id": self.note_id,
            "text": self.text,
            "markdown": self.markdown,
            "note": self.note,
            "tags": list(self.tags),
            "location": self.location.to_record() if self.location else None,
            "readwise_id": self.readwise_id,
            "lang": self.lang,
            "end_line": self.end_line or self.line,
            "section": self.section,
        }


@dataclass
class Repair:
    line: int
    from_: str
    to: str
    kind: str = ""  # "pinyin", "mojibake", "flag"

    def to_record(self) -> dict:
        return {"line": self.line, "from": self.from_, "to": self.to, "kind": self.kind}


@dataclass
class Pair:
    id: str
    note_id: str
    path: str
    line: int
    en: list[str]
    zh: list[str]
    en_lines: list[int]
    zh_lines: list[int]
    score: float
    repairs: list[Repair] = field(default_factory=list)
    zh_script: str | None = None  # "hant" or "hans"
    # each paragraph as written: blockquote/list markers and HTML kept (en/zh drop them)
    en_markdown: list[str] = field(default_factory=list)
    zh_markdown: list[str] = field(default_factory=list)

    def to_record(self) -> dict:
        return {
            "kind": "pair",
            "id": self.id,
            "path": self.path,
            "line": self.line,
            "note_id": self.note_id,
            "en": list(self.en),
            "zh": list(self.zh),
            "en_lines": list(self.en_lines),
            "zh_lines": list(self.zh_lines),
            "score": round(float(self.score), 4),
            "repairs": [r.to_record() for r in self.repairs],
            "zh_script": self.zh_script,
            "en_markdown": list(self.en_markdown or self.en),
            "zh_markdown": list(self.zh_markdown or self.zh),
        }


@dataclass
class Figure:
    raw: str
    value: float
    unit: str | None = None
    approx: bool = False
    lang: str = "en"

    def to_record(self) -> dict:
        v: object = self.value
        if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
            v = int(v)
        return {"raw": self.raw, "value": v, "unit": self.unit, "approx": self.approx}


@dataclass
class Claim:
    id: str
    note_id: str
    path: str
    line: int
    text: str
    figures: list[Figure] = field(default_factory=list)
    attribution: str | None = None
    source: str = "paragraph"  # "highlight", "paragraph", "claim-note"
    check: str = "unverified"  # "ok", "mismatch", "unverified"
    counterpart: str | None = None
    lang: str = "en"
    evidence: list[str] = field(default_factory=list)  # highlight ids / [[wikilinks]] cited
    highlight_id: str | None = None
    pair_id: str | None = None

    def to_record(self) -> dict:
        return {
            "kind": "claim",
            "id": self.id,
            "path": self.path,
            "line": self.line,
            "note_id": self.note_id,
            "text": self.text,
            "figures": [f.to_record() for f in self.figures],
            "attribution": self.attribution,
            "source": self.source,
            "check": self.check,
            "counterpart": self.counterpart,
            "lang": self.lang,
            "evidence": list(self.evidence),
            "highlight_id": self.highlight_id,
            "pair_id": self.pair_id,
        }


@dataclass
class Diagnostic:
    path: str
    line: int
    column: int
    code: str
    severity: str  # "error" or "warning"
    message: str

    def to_record(self) -> dict:
        return {
            "kind": "diagnostic",
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
        }

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.code} {self.message}"


@dataclass
class Note:
    id: str
    path: str
    line: int = 1
    title: str | None = None
    author: str | None = None
    category: str | None = None
    url: str | None = None
    tags: list[str] = field(default_factory=list)
    front_matter: dict = field(default_factory=dict)
    highlights: list[Highlight] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    # Everything below is extra to the contract's note record (docs/design.md#records; documented in docs/records.md).
    metadata: dict[str, str] = field(default_factory=dict)  # "## Metadata" fields as written
    summary: str | None = None
    document_tags: list[str] = field(default_factory=list)
    lang: str = "en"
    format: str = "markdown"  # "readwise", "readwise-legacy", "logseq", "markdown", "bilingual"
    text: str = ""  # the whole decoded text (for full-text search); not in the record
    front_matter_lines: dict[str, int] = field(default_factory=dict)  # key -> 1-based line
    body_line: int = 1  # first line after the front matter
    encoding: str = "utf-8"
    warnings: list[Diagnostic] = field(default_factory=list)
    date: str | None = None  # ISO date of the note (front matter date/published/created), if any
    layout: str = "none"  # how the highlights were found (docs/parser.md)
    front_matter_raw: str | None = None  # the front-matter text when it is not valid YAML

    @property
    def front_matter_error(self) -> dict | None:
        """Where and why the front matter is not valid YAML (null when it is, or when absent)."""
        for w in self.warnings:
            if self.front_matter_raw is not None and w.code in ("yaml-syntax", "unclosed-front-matter"):
                return {"line": w.line, "column": w.column, "message": w.message}
        return None

    @property
    def highlight_count(self) -> int:
        return len(self.highlights)

    def to_record(self) -> dict:
        return {
            "kind": "note",
            "id": self.id,
            "path": self.path,
            "line": self.line,
            "title": self.title,
            "author": self.author,
            "category": self.category,
            "url": self.url,
            "tags": list(self.tags),
            "front_matter": json_safe(self.front_matter),
            "highlight_count": self.highlight_count,
            "metadata": dict(self.metadata),
            "summary": self.summary,
            "document_tags": list(self.document_tags),
            "lang": self.lang,
            "format": self.format,
            "layout": self.layout,
            "front_matter_error": self.front_matter_error,
            "date": self.date,
            "pair_count": len(self.pairs),
            "claim_count": len(self.claims),
        }

    def records(self):
        """The note's records in file order of kind: note, highlights, pairs, claims."""
        yield self.to_record()
        for h in self.highlights:
            yield h.to_record()
        for p in self.pairs:
            yield p.to_record()
        for c in self.claims:
            yield c.to_record()


def note_id_for(key: str) -> str:
    return "n_" + stable_hash("note", normalize_for_id(key))


def highlight_id_for(note_id: str, text: str, occurrence: int = 0) -> str:
    base = stable_hash("highlight", note_id, normalize_for_id(text))
    return "h_" + (base if occurrence == 0 else stable_hash(base, str(occurrence)))


def pair_id_for(note_id: str, en: list[str], zh: list[str]) -> str:
    return "p_" + stable_hash("pair", note_id, normalize_for_id(" ".join(en)), normalize_for_id(" ".join(zh)))


def claim_id_for(note_id: str, text: str, occurrence: int = 0) -> str:
    base = stable_hash("claim", note_id, normalize_for_id(text))
    return "c_" + (base if occurrence == 0 else stable_hash(base, str(occurrence)))
