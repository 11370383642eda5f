"""A one-pass reader for the commonest shape of note, giving exactly what the general
reader (reader.py) gives for it, two to three times faster.

The shape is Readwise's default Markdown template and what most rewrites of it keep::

    # Title
    ![rw-book-cover](…)
    ## Metadata
    - Author: [[…]]
    ## Highlights
    - text, continued on lines indented two spaces ([Location 12](…))
        - Tags: [[pink]]
        - Note: a note, continued at six spaces
    ### A chapter

Every line must be one of: blank, a heading, a cover image, a top-level ``- `` item, its
two-space continuation, a four-space ``- Note:``/``- Tags:`` subline or its six-space
continuation; every highlight must end with an anchor on its last text line. Anything else
(a quote, a tab, a numbered list, an unanchored bullet, a repeated heading, a blank line
inside a highlight, a glued re-sync) returns None and the general reader takes the note.
tests/test_parse_fast_reader.py checks that both readers agree on generated notes of this
shape and on every real note it accepts.
"""

from __future__ import annotations

import re

from hlkb.model import TagSlot
from hlkb.parse import labels
from hlkb.parse.anchors import is_anchor, only_separators, peel
from hlkb.parse.blocks import Body, RawHighlight, parse_tags
from hlkb.parse.inline import plain_text
from hlkb.parse.regions import ID_HEADING, is_property_line, lines_shape

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*$")
_COVER = re.compile(r"^!\[[^\]\n]*\]\([^)\n]*\)[ \t]*$")
_TITLE_HIGHLIGHTS = re.compile(r"^(?P<title>.+?)\s*\(highlights\)\s*$", re.IGNORECASE)
_BLOCK_START = frozenset(">-*+#`~%<|=")
_GLUED_BULLET = re.compile(r"(?<=[.!?。！？)”\"»])- (?=\S)")
# What may come right before a glued bullet's "- " (_GLUED_BULLET's lookbehind).
_GLUE_BEFORE = frozenset('.!?。！？)”"»')
# A block id ending a line (regions.py counts these as anchors when a note repeats them).
_ID_END = re.compile(r"(?:^|\s)\^[A-Za-z0-9][\w-]{3,}[ \t]*$")
# A list item's marker (tree.py's _ITEM): "- ", "* ", "+ ", "1. ", "2) ".
_LIST_ITEM = re.compile(r"(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
# A bullet of a list inside a highlight's text, as tree.py reads it and units.py renders it
# back unchanged: a marker, one space, then text that opens nothing of its own.
_NESTED_BULLET = re.compile(r"(?:[-*+]|\d{1,9}[.)]) (?=[^\s>\-*+#`~%<|=])")
_LOCATION_HEADING = re.compile(r"^(?:Location|Page|Time|Loc\.?)[ \t\u00a0]+[0-9]", re.IGNORECASE)


def read_simple(lines: list[str], start_line: int) -> Body | None:
    body = Body(body_start=start_line, format="readwise", layout="list")
    highlights: list[RawHighlight] = []
    seen_headings: set[tuple[int, str]] = set()
    region_level = 0  # the Highlights header's level, 0 outside a region
    in_metadata = 0
    section: str | None = None
    cur: RawHighlight | None = None
    sub: str | None = None  # "note" / "tags": the subline being continued
    any_header = False
    title_seen = False
    last_meta: str | None = None
    unanchored: list[RawHighlight] = []  # bullets whose text ends with no anchor
    marked: set[int] = set()  # highlights with an anchor or block id on a Note/Tags line
    nested: set[int] = set()  # highlights whose text holds a list ("  - point", "  1. step")
    nested_last = False  # the current highlight's last text line is such a bullet
    for idx in range(start_line - 1, len(lines)):
        ln = idx + 1
        raw = lines[idx]
        if "))#" in raw or "- " in raw[1:] and has_glued_bullet(raw):
            return None  # a re-sync glued onto a line, a bullet glued onto a note
        if not raw or raw.isspace() and "\t" not in raw:
            if cur is not None:
                sub = "closed"  # a blank line ends a highlight here
            continue
        c0 = raw[0]
        if cur is not None and c0 in "#-" and not cur.tag_slot:
            if not is_anchor(cur.lines[-1]):
                unanchored.append(cur)
            cur.tag_slot = TagSlot("subline", 0)
        if c0 == "#":
            m = _HEADING.match(raw)
            if not m or not m.group(2):
                return None
            level, text = len(m.group(1)), m.group(2)
            key = (level, " ".join(text.split()).casefold())
            if key in seen_headings or "))#" in raw or level == 1 and text.strip().lower() == "about":
                return None
            if ID_HEADING.match(" ".join(text.split())):
                return None  # "### 2020", "##### ^283957200": a label heading, not a chapter
            mf = labels.meta_field(text)
            if mf is not None and (labels.is_known_meta_key(mf[0]) or "::" in text):
                return None  # "## Author:: [[x]]": metadata written as headings
            seen_headings.add(key)
            cur, sub = None, None
            if labels.is_highlights_header(text):
                if text.strip().lower() in ("highlight", "highlights:"):
                    return None
                if region_level == 0 or level <= region_level:
                    region_level = level
                any_header = True
                in_metadata = 0
                section = None
                continue
            if _LOCATION_HEADING.match(text) or labels.field_heading_of(text) is not None:
                return None
            if not title_seen and region_level and _title_highlights(text):
                return None
            if region_level and (level <= region_level or labels.is_other_section(text) and level <= region_level + 1):
                if is_anchor(text):
                    return None
                region_level = 0
            if region_level:
                if is_anchor(text):
                    return None  # a highlight written as a heading among the bullets
                section = plain_text(text) or None
                continue
            in_metadata = level if labels.METADATA_SECTION.match(text.strip()) else 0
            last_meta = None
            if not title_seen:
                tm = _title_highlights(text)
                if tm:
                    body.title, body.title_line, title_seen = plain_text(tm.group("title")) or None, ln, True
                elif level == 1 and not labels.is_other_section(text):
                    body.title, body.title_line, title_seen = plain_text(text) or None, ln, True
            continue
        if c0 == "-":
            if raw[1:2] != " " or not raw[2:].strip():
                return None
            text = raw[2:]
            if (
                text[0] in " \t" or text[0] in _BLOCK_START and not _plain_start(text)
            ):  # (tree.py reads "- 1. The first…" as a bullet whose text starts "1.")
                return None
            if region_level:
                if labels.field_of(text) is not None or labels.field_heading_of(text) is not None:
                    return None  # a sibling "- Note:": the general reader
                cur = RawHighlight(line=ln, lines=[text], text_end_line=ln, end_line=ln, section=section)
                nested_last = False
                cur.layout = "item"
                highlights.append(cur)
                sub = None
                continue
            if highlights or any_header:
                return None  # an item between regions: not this shape
            mf = labels.meta_field(text)
            if in_metadata:
                if mf is None:
                    return None
                body.add_metadata(mf[0], mf[1], ln)
                last_meta = mf[0]
            elif mf is not None and (labels.is_known_meta_key(mf[0]) or "::" in text):
                body.add_metadata(mf[0], mf[1], ln)
            else:
                return None
            continue
        if c0 == " ":
            if cur is None or sub == "closed":
                return None
            if raw.startswith("    - "):
                if nested_last:
                    return None  # under a nested bullet: it is that bullet's, not a field
                value_line = raw[6:]
                if _has_anchor_mark(value_line):
                    marked.add(id(cur))
                f = labels.field_of(value_line)
                if f is None or f[0] not in (labels.NOTE, labels.TAGS) or raw[6:7] in " \t":
                    return None
                kind, value = f
                if kind == labels.NOTE:
                    if cur.note_line is not None or _only_own_link(value):
                        return None
                    cur.note_line = ln
                    cur.note_lines = [value] if value else []
                else:
                    if cur.tags_line is not None:
                        return None
                    cur.tags.extend(t for t in parse_tags(value) if t not in cur.tags)
                    cur.tags_line = ln
                cur.end_line = ln
                sub = kind
                continue
            if raw.startswith("      ") and sub is not None:
                cont = raw[6:]
                if _has_anchor_mark(cont):
                    marked.add(id(cur))
                if cont[:1] in " \t" or not cont.strip() or cont[0] in _BLOCK_START or labels.field_of(cont):
                    return None
                if sub == labels.NOTE:
                    cur.note_lines.append(cont.strip())
                else:
                    cur.tags.extend(t for t in parse_tags(cont) if t not in cur.tags)
                cur.end_line = ln
                continue
            if raw.startswith("  ") and sub is None:
                cont = raw[2:]
                if cont[:1] in " \t":
                    return None
                nested_last = (cont[0] in _BLOCK_START or cont[0].isdigit()) and _LIST_ITEM.match(cont) is not None
                if not nested_last and cont[0] in _BLOCK_START and not _plain_start(cont):
                    return None
                if nested_last:
                    if not _is_nested_bullet(cont):
                        return None
                    nested.add(id(cur))
                prev = cur.lines[-1]
                if "::" in cont and is_property_line(cont) or is_anchor(prev) or "^" in prev and _ID_END.search(prev):
                    return None  # a block property (not text), an anchor or id before the last line
                cur.lines.append(cont)
                cur.text_end_line = cur.end_line = ln
                continue
            return None
        if c0 == "!" and _COVER.match(raw) and not highlights and not in_metadata:
            continue
        return None
    if not highlights or not any_header:
        return None
    for h in highlights:
        if not h.tag_slot and not is_anchor(h.lines[-1]):
            unanchored.append(h)
        if len(h.lines) > 1 and _ends_with_field(h.lines[-1]):
            return None  # "Location: 5 ([…](…))" last: the general reader moves it to the tail
        # a new Tags subline goes at the text's column, not into the list inside it
        h.tag_slot = TagSlot("subline", h.end_line, prefix="  ") if id(h) in nested else TagSlot("subline", h.end_line)
    if unanchored and not _unanchored_agree(highlights, unanchored, marked | nested):
        return None
    body.highlights = highlights
    del last_meta
    return body


def has_glued_bullet(raw: str) -> bool:
    """``_GLUED_BULLET.search(raw)``, looking only where a "- " is (the regex, starting with
    a lookbehind, tries every position of the line)."""
    i = raw.find("- ", 1)
    while i != -1:
        if raw[i - 1] in _GLUE_BEFORE and i + 2 < len(raw) and not raw[i + 2].isspace():
            return True
        i = raw.find("- ", i + 1)
    return False


def _title_highlights(text: str) -> re.Match | None:
    """``_TITLE_HIGHLIGHTS.match(text)``: a match ends with ")" and whitespace, so a heading
    that does not needs no scan of its lazy title."""
    return _TITLE_HIGHLIGHTS.match(text) if text.rstrip().endswith(")") else None


def _only_own_link(value: str) -> bool:
    """A note that is only the highlight's own link (units._without_own_link reads it as
    no note)."""
    if value and ("](" in value or value.endswith(")")):
        tr = peel(value)
        return tr.anchored and not tr.text.strip(" -–—|*_")
    return False


def _ends_with_field(line: str) -> bool:
    """A date or location field before the anchor of a highlight's last line (units.py's
    raw_highlight moves it out of the text)."""
    f = labels.field_of(peel(line).text)
    return f is not None and f[0] in (labels.IGNORED, labels.LOCATION)


def _has_anchor_mark(line: str) -> bool:
    """Would the general reader see an anchor (or a block id, which it counts as one when a
    note repeats them) on this line?"""
    return ("(" in line or "^" in line) and (is_anchor(line) or "^" in line and bool(_ID_END.search(line)))


def _unanchored_agree(highlights: list[RawHighlight], unanchored: list[RawHighlight], marked: set[int]) -> bool:
    """Does the general reader take each bullet without an anchor as the highlight it is
    here? layout.py does when it has the anchored bullets' text shape (or no bullet has an
    anchor; and no bullet is a link alone, which may be the link of the bullet above), is no ``- Author:``-like metadata line and holds no anchor elsewhere (an id
    last, a Note line ending with a link: then it is anchored there); units.py then reads
    it as it reads an anchored one, unless a line after its first is a field (``Note:``),
    which ends its text."""
    loose = {id(h) for h in unanchored}
    anchored = [h for h in highlights if id(h) not in loose]
    if any(len(h.lines) == 1 and only_separators(peel(h.lines[0]).text) for h in anchored):
        return False  # a bullet that is only a link: it may end the text bullet above it
    shapes = {lines_shape(h.lines) for h in anchored}
    for h in unanchored:
        if id(h) in marked:
            return False
        last = h.lines[-1]
        if "^" in last and _ID_END.search(last):
            return False
        shape = lines_shape(h.lines)
        if shape == "empty" or shapes and shape not in shapes:
            return False
        mf = labels.meta_field(h.lines[0])
        if mf is not None and labels.is_known_meta_key(mf[0]):
            return False
        if any(labels.field_of(t) for t in h.lines[1:]):
            return False
    return True


def _is_nested_bullet(line: str) -> bool:
    """A line of a list inside a highlight's text (``  - point`` at the text's column) that
    the general reader reads as this reader does: text, not a ``Note:`` field, not an anchor
    alone (which may be its own highlight's link), not a numbered line inside the bullet."""
    m = _NESTED_BULLET.match(line)
    if m is None:
        return False
    text = line[m.end() :]
    if text[0].isdigit() and _LIST_ITEM.match(text) or labels.field_of(text) or labels.field_heading_of(text):
        return False
    return not (text.endswith(")") and only_separators(peel(text).text))


def _plain_start(text: str) -> bool:
    """Does a text line starting with a character that can open a block (``**bold**``,
    ``#tag``, ```code```) open none? tree.py then reads it as a line of its paragraph."""
    c = text[0]
    if c in "*+_":
        # "* x" is a bullet, "***" / "_ _ _" a rule
        return (c == "_" or text[1:2] not in ("", " ", "\t")) and bool(text.strip(" \t" + c))
    if c == "#":
        return text[1:2] not in ("", " ", "\t", "#")  # "# x" may be a heading
    if c in "`~":
        return not text.startswith(c * 3)  # a fence
    if c == "%":
        return not text.startswith("%%")  # an Obsidian comment
    if c == "<":
        return not text.startswith("<!--")
    return c == "="  # ">" a quote, "|" a table, "-" a bullet or rule
