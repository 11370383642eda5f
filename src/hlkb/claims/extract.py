"""Claims of a note: checkable sentences from highlights and bilingual pairs, and the
claims the researcher wrote (``type: claim`` notes and ``## Claims`` sections).

A sentence is a claim when it states a figure or names its source (``worth`` says which
figures state something). Researcher-written
claims are always claims; their evidence (highlight ids and ``[[wikilinks]]``) is kept,
prefixed with ``supports:`` or ``opposes:`` where the note says which.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from hlkb.claims.attribution import find_attribution
from hlkb.claims.check import PlacedSentence, check_pair
from hlkb.claims.figures import extract_figures
from hlkb.claims.gate import may_hold_claim
from hlkb.claims.sentences import sentence_spans
from hlkb.claims.worth import has_words, is_question, states_figure
from hlkb.lang import detect_lang
from hlkb.model import Claim, Note, claim_id_for, normalize_for_id

_WIKILINK = re.compile(r"\[\[([^\[\]|#]+)(?:#[^\[\]|]*)?(?:\|([^\[\]]*))?\]\]")
_HIGHLIGHT_ID = re.compile(r"\bh_[0-9a-f]{16}\b")
_RELATION = re.compile(
    r"^\s*(?:[-*+]\s+)?(?P<rel>supports|opposes|supported by|opposed by|contradicts|"
    r"evidence|informs|source)\s*:{1,2}\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
_INLINE_RELATION = re.compile(r"\b(?P<rel>supports|opposes|contradicts)\b[:\s]*(?=(?:\[\[|h_[0-9a-f]))", re.IGNORECASE)
# "(supports [[A]], [[B]])": a parenthesis that only cites evidence is not part of the claim.
_EVIDENCE_GROUP = re.compile(
    r"\(\s*(?:(?:supports|opposes|contradicts|see|evidence|source)\s*:{0,2}\s*)?"
    r"(?:(?:\[\[[^\[\]]*\]\]|h_[0-9a-f]{16})[\s,;]*)+\)",
    re.IGNORECASE,
)
_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<title>.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^(?P<indent>[ \t]*)(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?(?P<text>.*)$")
_EMPTY_BRACKETS = re.compile(r"\(\s*[,;]?\s*\)|\[\s*\]")
_EMPHASIS = re.compile(r"[*_`]{1,2}(\S[^*_`]*?)[*_`]{1,2}")
_RELATION_NAMES = {
    "supports": "supports",
    "supported by": "supports",
    "opposes": "opposes",
    "opposed by": "opposes",
    "contradicts": "opposes",
}


class _Builder:
    """Collects claims with stable ids (a repeated sentence gets an occurrence number)."""

    def __init__(self, note: Note):
        self.note = note
        self.claims: list[Claim] = []
        self._seen: Counter = Counter()

    def add(self, text: str, line: int, **fields) -> Claim:
        key = normalize_for_id(text)
        occurrence = self._seen[key]
        self._seen[key] += 1
        claim = Claim(
            id=claim_id_for(self.note.id, text, occurrence),
            note_id=self.note.id,
            path=self.note.path,
            line=line,
            text=text,
            **fields,
        )
        self.claims.append(claim)
        return claim


def claims_for_note(note: Note) -> list[Claim]:
    """Every claim of ``note`` in file order of source: highlights, pairs, written claims."""
    b = _Builder(note)
    _highlight_claims(note, b)
    _pair_claims(note, b)
    _written_claims(note, b)
    return b.claims


def _lang_hint(lang: str | None) -> str | None:
    return lang if lang in ("en", "zh") else None


def _highlight_claims(note: Note, b: _Builder) -> None:
    for h in note.highlights:
        # A sentence needs a figure or a source to be a claim, and has neither unless the
        # whole highlight has a digit, number word or reporting word: most highlights
        # are then never split into sentences.
        if not may_hold_claim(h.text):
            continue
        for text, start in sentence_spans(h.text):
            figures = extract_figures(text, _lang_hint(h.lang))
            attribution = find_attribution(text)
            if states_figure(text, figures) or (attribution and has_words(text) and not is_question(text)):
                # A highlight in both languages: each sentence is in its own.
                lang = h.lang if h.lang in ("en", "zh") else detect_lang(text)
                b.add(
                    text,
                    h.line + h.text.count("\n", 0, start),
                    figures=figures,
                    attribution=attribution,
                    source="highlight",
                    lang=lang,
                    highlight_id=h.id,
                )


def _pair_claims(note: Note, b: _Builder) -> None:
    for pair in note.pairs:
        result = check_pair(pair, claims_only=True)
        for side in (result.en, result.zh):
            for ps in side:
                attribution = find_attribution(ps.text)
                if states_figure(ps.text, [f.figure for f in ps.figures]) or (
                    attribution and has_words(ps.text) and not is_question(ps.text)
                ):
                    check, counterpart = _sentence_check(ps)
                    b.add(
                        ps.text,
                        ps.line,
                        figures=[f.figure for f in ps.figures],
                        attribution=attribution,
                        source="paragraph",
                        check=check,
                        counterpart=counterpart,
                        lang=ps.lang,
                        pair_id=pair.id,
                    )


def _sentence_check(ps: PlacedSentence) -> tuple[str, str | None]:
    """A sentence is a mismatch if any figure is, ok if every figure is, else unverified."""
    if not ps.figures:
        return "unverified", None
    statuses = [f.status for f in ps.figures]
    if "mismatch" in statuses:
        check = "mismatch"
        shown = [f for f in ps.figures if f.status == "mismatch"]
    else:
        check = "ok" if all(s == "ok" for s in statuses) else "unverified"
        shown = [f for f in ps.figures if f.counterpart is not None]
    raws = [f.counterpart.figure.raw for f in shown if f.counterpart is not None]
    return check, "; ".join(raws) if raws else None


# --------------------------------------------------------------------- written claims


def _written_claims(note: Note, b: _Builder) -> None:
    fm = note.front_matter or {}
    claim_note = str(fm.get("type", "")).strip().lower() == "claim"
    sections = _has_claims_heading(note.text or "")
    if not (claim_note or sections):
        return  # most notes: no need to walk their lines
    lines = note.text.split("\n") if note.text else []
    if claim_note:
        text = _plain(str(fm.get("title") or note.title or _first_heading(lines) or "")).strip()
        if text:
            line = note.front_matter_lines.get("title") or _first_heading_line(lines) or note.line
            body = lines[max(0, note.body_line - 1) :]
            evidence = _front_matter_evidence(fm) + _evidence_in(body)
            _add_written_claim(b, text, line, evidence)
    if not sections:
        return
    for text, line, evidence in _claims_sections(lines, note.body_line):
        _add_written_claim(b, text, line, evidence)


def _add_written_claim(b, text: str, line: int, evidence: list) -> None:
    """A claim the researcher wrote (a claim note's title, a line of a Claims section)."""
    b.add(
        text,
        line,
        figures=extract_figures(text),
        attribution=find_attribution(text),
        source="claim-note",
        lang=detect_lang(text),
        evidence=_unique(evidence),
    )


def _has_claims_heading(text: str) -> bool:
    """Could a line of ``text`` be a "Claims" heading: does one that starts with # have
    "claim" in it, in any case? (Found with str.find, not line by line.)"""
    for start in _lines_starting_with_hash(text):
        end = text.find("\n", start)
        if "claim" in text[start : end if end >= 0 else None].lower():
            return True
    return False


def _lines_starting_with_hash(text: str):
    if text.startswith("#"):
        yield 0
    at = text.find("\n#")
    while at >= 0:
        yield at + 1
        at = text.find("\n#", at + 1)


def _first_heading(lines: list[str]) -> str | None:
    for ln in lines:
        m = _HEADING.match(ln)
        if m and len(m.group("hashes")) == 1:
            return m.group("title")
    return None


def _first_heading_line(lines: list[str]) -> int | None:
    for i, ln in enumerate(lines, 1):
        m = _HEADING.match(ln)
        if m and len(m.group("hashes")) == 1:
            return i
    return None


def _front_matter_evidence(fm: dict) -> list[str]:
    out: list[str] = []
    for key in ("evidence", "supports", "opposes", "supported_by", "opposed_by", "supported-by", "opposed-by"):
        value = fm.get(key)
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        rel = _RELATION_NAMES.get(key.replace("_", " ").replace("-", " "))
        for item in items:
            for ref in _refs(str(item)):
                out.append(f"{rel}:{ref}" if rel else ref)
    return out


def _refs(text: str) -> list[str]:
    """Highlight ids and [[wikilinks]] in ``text``, in order."""
    found = [(m.start(), f"[[{m.group(1).strip()}]]") for m in _WIKILINK.finditer(text)]
    found += [(m.start(), m.group(0)) for m in _HIGHLIGHT_ID.finditer(text)]
    return [r for _, r in sorted(found)]


def _evidence_in(lines: list[str]) -> list[str]:
    out: list[str] = []
    for ln in lines:
        out.extend(_line_evidence(ln))
    return out


def _line_evidence(ln: str) -> list[str]:
    m = _RELATION.match(ln)
    if m:
        rel = _RELATION_NAMES.get(m.group("rel").lower())
        return [f"{rel}:{r}" if rel else r for r in _refs(m.group("rest"))]
    out: list[str] = []
    # "supports [[A]]" written inline: the relation applies to the refs right after it.
    rel_at = [(m.end(), _RELATION_NAMES[m.group("rel").lower()]) for m in _INLINE_RELATION.finditer(ln)]
    for ref_match in sorted(list(_WIKILINK.finditer(ln)) + list(_HIGHLIGHT_ID.finditer(ln)), key=lambda x: x.start()):
        ref = ref_match.group(0) if ref_match.re is _HIGHLIGHT_ID else f"[[{ref_match.group(1).strip()}]]"
        rel = next((r for end, r in rel_at if end == ref_match.start()), None)
        out.append(f"{rel}:{ref}" if rel else ref)
    return out


def _claims_sections(lines: list[str], body_line: int):
    """Items of every ``## Claims`` section: (text, line, evidence)."""
    i = max(0, body_line - 1)
    n = len(lines)
    in_fence = False
    while i < n:
        ln = lines[i]
        if ln.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        m = None if in_fence else _HEADING.match(ln)
        if not (m and m.group("title").strip().lower() in ("claims", "claim")):
            i += 1
            continue
        level = len(m.group("hashes"))
        i += 1
        item: list[Any] | None = None  # [text, line, evidence, indent]
        while i < n:
            ln = lines[i]
            h = _HEADING.match(ln)
            if h and len(h.group("hashes")) <= level:
                break
            li = _LIST_ITEM.match(ln)
            if li and (item is None or len(li.group("indent").expandtabs(4)) <= item[3]) and not _RELATION.match(ln):
                if item:
                    yield from _finish(item)
                item = [
                    li.group("text"),
                    i + 1,
                    list(_line_evidence(li.group("text"))),
                    len(li.group("indent").expandtabs(4)),
                ]
            elif item is not None and ln.strip():
                item[2].extend(_line_evidence(ln))
            i += 1
        if item:
            yield from _finish(item)


def _finish(item):
    text = _plain(item[0])
    if text:
        yield text, item[1], item[2]


def _plain(text: str) -> str:
    """Claim text without its evidence markup: [[links]] become their label, ids and
    relation words that only introduce evidence go."""
    text = _EVIDENCE_GROUP.sub("", text)
    text = _INLINE_RELATION.sub("", text)
    text = _WIKILINK.sub(lambda m: (m.group(2) or m.group(1)).strip(), text)
    text = _HIGHLIGHT_ID.sub("", text)
    text = _EMPTY_BRACKETS.sub("", text)
    text = _EMPHASIS.sub(r"\1", text)
    return " ".join(text.split()).strip(" -—–:;,")


def _unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for it in items:
        if it not in seen:
            seen.add(it)
            out.append(it)
    return out
