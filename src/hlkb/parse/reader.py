"""A note body read into a ``Body``: title, metadata, page properties and raw highlights.

tree.py gives the block structure, layout.py decides which blocks are highlights and
units.py reads each one's fields; this module adds what surrounds them (the title, the
``## Metadata`` list and its many rewrites, Logseq page properties) and names the format.
"""

from __future__ import annotations

import re

from hlkb.parse import labels
from hlkb.parse.anchors import is_anchor
from hlkb.parse.blocks import Body
from hlkb.parse.fast import has_glued_bullet, read_simple
from hlkb.parse.inline import plain_text
from hlkb.parse.layout import Layout, infer
from hlkb.parse.regions import TITLE_HIGHLIGHTS, Region, find_regions, headerless_region, is_outline, read_properties
from hlkb.parse.tree import Block, Builder, build
from hlkb.parse.units import raw_highlight

# "…577))# Title": a re-sync glued onto the last highlight line.
_GLUED_HEADING = re.compile(r"^(?P<before>.*\)\))(?P<heading>#{1,2} \S.*)$")
_ABOUT_HEADING = re.compile(r"^About$", re.IGNORECASE)
_ID_LINE = re.compile(r"^ID:")
_TABLE_ROW = re.compile(r"^\|\s*(?P<k>[^|]*?)\s*\|\s*(?P<v>.*?)\s*\|?\s*$")
_TABLE_RULE = re.compile(r"^\|?[\s:|-]+\|?$")
# Marks of an exporter: with one of these a note with no Highlights heading is still read.
_EXPORTER = re.compile(
    r"!\[rw-book-cover\]|readwise\.io/|kindle://|hyp\.is/|omnivore\.app/|share\.snipd\.com"
    r"|^#Omnivore\b|highlights first synced by"
    # Readwise's Markdown export heads a note with "**Full title:** …" and "**Source:**
    # #articles #readwise": its bullets are highlights even when none carries a link.
    r"|^\W*full[ \t]+title\W*:|^\W*source\W*:.*#readwise\b",
    re.IGNORECASE | re.MULTILINE,
)
_READWISE_LINK = re.compile(r"readwise\.io/|%%\s*Colou?r:", re.IGNORECASE)
_EXPORTER_KEYS = ("kindle-sync", "doc_type", "readwise_url", "omnivore", "highlightscount")


# "…(избытком).- Next highlight — [Updated on …](…)": an exporter lost the newline before
# the next highlight's bullet, gluing it onto the end of a note line.
_GLUED_BULLET = re.compile(r"(?<=[.!?。！？)”\"»])- (?=\S)")


def _glued_parts(text: str) -> tuple[str, str] | None:
    """The two lines an exporter glued into ``text`` (a re-sync's heading after the last
    highlight's link, a bullet after a note line), or None."""
    m = _GLUED_HEADING.match(text) if "))#" in text else None
    if m:
        return m.group("before"), m.group("heading")
    if ".- " in text or has_glued_bullet(text):
        return _split_glued_bullet(text)
    return None


def _split_glued_bullet(text: str) -> tuple[str, str] | None:
    if not is_anchor(text):
        return None
    for m in _GLUED_BULLET.finditer(text):
        before, after = text[: m.start()], text[m.start() :]
        if before.strip() and not is_anchor(before) and is_anchor(after):
            return before, after
    return None


# _EXPORTER's marks but the line-anchored ones, lowercased. The regex, ignoring case, tries every
# alternative at every position of the note (most of a long note's reading time); a
# substring test of the lowered text finds the same marks, except where the text holds
# one of the three characters that match a Latin letter ignoring case without lowering to
# it ("ı", "İ" for i, "ſ" for s).
_EXPORTER_MARKS = (
    "![rw-book-cover]",
    "readwise.io/",
    "kindle://",
    "hyp.is/",
    "omnivore.app/",
    "share.snipd.com",
    "highlights first synced by",
)


def exporter_signals(text: str, front: dict) -> bool:
    if isinstance(front, dict) and any(str(k).lower() in _EXPORTER_KEYS for k in front):
        return True
    lowered = text.lower()
    if any(mark in lowered for mark in _EXPORTER_MARKS):
        return True
    if (
        "#omnivore" in lowered  # the line-anchored marks: "#Omnivore", "Full title:", "Source: … #readwise"
        or "title" in lowered
        and "full" in lowered
        or "#readwise" in lowered
        and "source" in lowered
        or "\u0131" in text
        or "\u0130" in text
        or "\u017f" in text
    ):
        return bool(_EXPORTER.search(text))
    return False


def read_body(lines: list[str], start_line: int, front: dict | None = None, fast: bool = True) -> Body:
    """The body from ``start_line``. ``fast``: take notes of the commonest shape through
    fast.py's one-pass reader (the same result, tested); False forces the general reader."""
    if fast:
        body = read_simple(lines, start_line)
        if body is not None:
            return body
    doc = body_tree(lines, start_line)
    body = Body(body_start=start_line)
    props, prop_lines, used = read_properties(doc)
    if props:
        rest = Block("document", doc.start, doc.end, children=doc.children[used:])
        if is_outline(rest, True):  # Logseq page properties
            body.properties, body.property_lines = props, prop_lines
            doc.children = rest.children
        else:  # Obsidian dataview fields: read as metadata
            props, prop_lines = {}, {}
    outline = is_outline(doc, bool(props))
    regions, label_texts = find_regions(doc, outline)
    has_header = bool(regions)

    def signals() -> bool:
        return (
            has_header
            or _exporter_properties(props)
            or exporter_signals("\n".join(lines[start_line - 1 :]), front or {})
        )

    if not regions:
        regions = [headerless_region(doc, label_texts)]
    layout = infer(doc, regions, outline, label_texts, signals)
    for unit in layout.units:
        raw = raw_highlight(unit, outline)
        if raw is not None:
            body.highlights.append(raw)
    body.layout = layout.name
    _read_title(doc, body, regions)
    _read_metadata(doc, body, layout)
    legacy = any(
        b.kind == "heading" and b.level == 1 and _ABOUT_HEADING.match(b.lines[0]) for b in doc.children
    ) or any(b.kind == "comment" and len(b.lines) > 1 and _ID_LINE.match(b.lines[1]) for b in doc.children)
    if props or outline:
        body.format = "logseq"  # a Logseq (or Roam) outline
    elif legacy or layout.name == "rule-separated" and _READWISE_LINK.search("\n".join(lines[start_line - 1 :])):
        body.format = "readwise-legacy"  # the 2020-21 template: paragraphs between rules
    elif body.highlights or body.metadata or any(r.header is not None for r in regions):
        body.format = "readwise"
    return body


def _exporter_properties(props: dict[str, str]) -> bool:
    """Logseq page properties an exporter writes (a page of one's own has none of these)."""
    keys = {k.lower() for k in props}
    return (
        bool(keys & {"full-title", "category", "author", "url", "site", "date-saved", "deck"})
        or "(highlights)" in props.get("title", "").lower()
        or "readwise" in props.get("title", "").lower()
    )


def body_tree(lines: list[str], start_line: int) -> Block:
    """The block tree of the body from ``start_line``, glued lines read as the two they are."""

    def feed_all(builder: Builder) -> None:
        feed = builder.feed
        for idx in range(start_line - 1, len(lines)):
            text = lines[idx]
            if "))#" in text or "- " in text[1:]:  # what either glue needs
                parts = _glued_parts(text)
                if parts:
                    feed(idx + 1, parts[0])
                    feed(idx + 1, parts[1])
                    continue
            feed(idx + 1, text)

    return build(start_line, feed_all)


def _read_title(doc: Block, body: Body, regions: list[Region]) -> None:
    """The first level-1 heading (or "X (Highlights)") before the highlights begin."""
    first_region = min((r.header.start for r in regions if r.header is not None), default=None)
    for b in doc.children:
        if first_region is not None and b.start > first_region:
            return
        if b.kind == "heading":
            text = b.lines[0]
            m = TITLE_HIGHLIGHTS.match(text)
            if m:
                body.title, body.title_line = plain_text(m.group("title")) or None, b.start
                return
            if b.level == 1 and not labels.is_highlights_header(text) and not labels.is_other_section(text):
                body.title, body.title_line = plain_text(text) or None, b.start
                return
        if b.kind == "item" and b.first_line_heading and b.children and b.children[0].level == 1:
            text = b.children[0].lines[0]
            if not labels.is_highlights_header(text):
                body.title, body.title_line = plain_text(TITLE_HIGHLIGHTS.sub(r"\g<title>", text)) or None, b.start
                return


def _read_metadata(doc: Block, body: Body, layout: Layout) -> None:
    """``## Metadata`` sections anywhere, and key-value lines before the first highlight."""
    unit_lines = [u.head[0].start for u in layout.units if u.head]
    header_lines = [r.header.start for r in layout.regions if r.header is not None]
    limit = min(unit_lines + header_lines + [10**9])
    meta_level = 0
    last_key: list[str | None] = [None]

    def add(key: str, value: str, ln: int) -> None:
        last_key[0] = body.add_metadata(key, value, ln)

    def line(text: str, ln: int, spill: bool, strict: bool) -> None:
        if not text.strip():
            return
        m = _TABLE_ROW.match(text.strip()) if text.lstrip().startswith("|") else None
        if m:
            if _TABLE_RULE.match(text.strip()):
                return
            k = plain_text(m.group("k")).strip(": ")
            if k and labels.is_known_meta_key(k):
                add(k, m.group("v"), ln)
            return
        mf = labels.meta_field(text)
        if mf is not None and (not strict or labels.is_known_meta_key(mf[0]) or "::" in text):
            add(mf[0], mf[1], ln)
            return
        if spill and last_key[0] is not None:
            prev = body.metadata[last_key[0]]
            body.metadata[last_key[0]] = (prev + "\n" + text.strip()) if prev else text.strip()

    for b in doc.children:
        if b.kind == "heading":
            if meta_level and b.level <= meta_level:
                meta_level = 0
            if labels.METADATA_SECTION.match(b.lines[0].strip()):
                meta_level = b.level
                last_key[0] = None
                continue
            if b.start < limit and not meta_level:
                mf = labels.meta_field(b.lines[0])
                if mf is not None and (labels.is_known_meta_key(mf[0]) or "::" in b.lines[0]):
                    add(mf[0], mf[1], b.start)  # "## Author:: [[x]]" (2020 Logseq/Roam export)
            continue
        if meta_level and b.start < limit:
            for ln, text in b.leaf_lines():
                line(text, ln, spill=True, strict=False)
            continue
        if b.start >= limit:
            continue
        if b.kind == "comment":
            for ln, text in zip(b.lns, b.lines):
                m = re.match(r"^[ \t]*(?P<k>[A-Za-z][\w .-]{0,40}?)[ \t]*:[ \t]*(?P<v>.*?)[ \t]*$", text)
                if m and m.group("k") not in body.metadata:
                    add(m.group("k").strip(), m.group("v"), ln)
            continue
        if b.kind in ("item", "para", "quote", "table"):
            for ln, text in b.leaf_lines():
                if ln >= limit:
                    break
                line(text, ln, spill=False, strict=True)
