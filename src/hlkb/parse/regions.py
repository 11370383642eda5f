"""The facts the layout inference (layout.py) reads off blocks, and the highlight regions.

A *region* is a stretch of a note that holds highlights: from a header (``## Highlights``,
``## New highlights added …``, an outline block ``Highlights first synced by …``) to the next
heading of its level or above, or the whole body of a note without a header that carries
highlight evidence. The block facts (is this item a ``Note:`` field, a placeholder ``-``, a
property line; what shape is its text) are cached on the block, since the inference asks
them many times.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from hlkb.parse import labels
from hlkb.parse.anchors import is_anchor
from hlkb.parse.tree import Block

PROPERTY = re.compile(r"^(?P<key>[A-Za-z][\w-]*)::(?:[ \t]+(?P<value>.*?))?[ \t]*$")
_BLOCK_PROPERTY = re.compile(r"^[ \t]*[A-Za-z][\w-]*::(?:[ \t]|$)")
LOCATION_HEADING = re.compile(r"^(?:Location|Page|Time|Loc\.?)[ \t\u00a0]+[0-9][0-9:,.\-]*$", re.IGNORECASE)
IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)|\[!\[[^\]\n]*\]\([^)\n]*\)\]\([^)\n]*\)")
REF = re.compile(r"^(?:\[[^\]\n]+\]\([^)\n]+\)|\[\[[^\]\n]+\]\])$")
FOOTNOTE_DEF = re.compile(r"^\[\^[^\]]+\]:")
STRAY_NUMBER = re.compile(r"^\d{1,3}$")
FLASHCARD = re.compile(r"[ \t]*#(?:flashcard|card)\b", re.IGNORECASE)
TITLE_HIGHLIGHTS = re.compile(r"^(?P<title>.+?)\s*\(highlights\)\s*$", re.IGNORECASE)
_HEADING_LIKE_FIELD = re.compile(r"^[^:：]{1,40}(?:::?|：)")
COVER = re.compile(r"^!\[(?:rw-book-cover|[^\]]*cover[^\]]*)?(?:\|\d+)?\]\([^)]*\)\s*$", re.IGNORECASE)


@dataclass
class Region:
    root: Block  # the document, or the outline item that heads it
    blocks: list[Block]  # its top-level blocks, in order
    header: Block | None = None


# -- block helpers ------------------------------------------------------------------------------


def own_blocks(item: Block) -> list[Block]:
    """An item's own content: its children before its first nested item."""
    out = []
    for c in item.children:
        if c.kind == "item":
            break
        out.append(c)
    return out


def first_line(block: Block) -> str:
    for leaf in block.leaves():
        if leaf.kind in ("para", "heading", "table") and leaf.lines:
            return leaf.lines[0]
    return ""


_MISSING = object()


def block_fact(fn):
    """Cache a fact about a block on the block (the inference asks each many times; the
    tree does not change once built)."""
    name = fn.__name__

    def cached(block: Block):
        facts = block.cache
        if facts is None:
            block.cache = facts = {}
        else:
            value = facts.get(name, _MISSING)
            if value is not _MISSING:
                return value
        value = facts[name] = fn(block)
        return value

    cached.__name__ = cached.__qualname__ = name
    cached.__doc__ = fn.__doc__
    return cached


@block_fact
def is_field_item(item: Block) -> bool:
    """A ``Note:`` / ``Tags:`` item (or a ``**Note**`` heading-like label alone on its item)."""
    head = own_blocks(item)
    if not head or head[0].kind != "para":
        return False
    first = head[0].lines[0]
    if labels.field_of(first) is not None:
        return True
    kind = labels.field_heading_of(first)
    return (
        kind is not None
        and len(head[0].lines) == 1
        and not any(c.kind == "item" for c in item.children)
        # a bare word is a label only for a note or tags ("- Note", "- Tags"); "- Source",
        # "- id", ")id" alone may as well be a highlight's whole text, unless emphasised
        and (kind in (labels.NOTE, labels.TAGS) or "*" in first or "_" in first)
    )


@block_fact
def is_placeholder(item: Block) -> bool:
    """``-`` / ``- -`` / an empty bullet: template furniture, transparent for what it holds."""
    own = [b for b in own_blocks(item) if b.kind != "blank"]
    if not own:
        return True
    return len(own) == 1 and own[0].kind == "para" and all(ln.strip() in ("", "-") for ln in own[0].lines)


def is_property_line(text: str) -> bool:
    return "::" in text and bool(_BLOCK_PROPERTY.match(text))


def text_shape(blocks: list[Block]) -> str:
    """``text``, ``quote``, ``image``, ``ref`` (a lone link) or ``empty`` for a unit's head."""
    if len(blocks) == 1:
        return block_shape(blocks[0])
    return _text_shape(blocks)


@block_fact
def block_shape(block: Block) -> str:
    return _text_shape([block])


@block_fact
def item_shape(item: Block) -> str:
    """The text shape of an item's own blocks."""
    return text_shape(own_blocks(item))


def _text_shape(blocks: list[Block]) -> str:
    if any(b.kind == "quote" for b in blocks[:1]):
        first = next((c for c in blocks[0].children if c.kind != "blank"), None)
        m = labels.CALLOUT.match(first.lines[0].strip()) if first is not None and first.kind == "para" else None
        return "quote" if m is None else "callout:" + m.group("type").lower()
    return lines_shape(ln for b in blocks for leaf in b.leaves() for ln in leaf.lines)


def lines_shape(raw_lines) -> str:
    """The shape of text lines (property lines aside): empty, image, ref or text."""
    lines = [t for ln in raw_lines if (t := ln.strip()) and not ("::" in t and is_property_line(ln))]
    if not lines:
        return "empty"
    joined = " ".join(lines)
    rest = (IMAGE.sub("", joined) if "](" in joined else joined).strip()
    if not rest:
        return "image"
    if REF.match(joined.strip()):
        return "ref"
    return "text"


_ENDS_WITH_BLOCK_ID = re.compile(r"(?:^|\s)\^[A-Za-z0-9][\w-]{3,}[ \t]*$")


def anchor_lines(block: Block, block_ids: bool = False) -> list[tuple[int, Block]]:
    """Lines of ``block`` that end a highlight; ``block_ids``: any ``^id`` counts (the
    exporter ends every highlight with its own ids, WeRead's ``^22806910-5-12787``)."""
    out = []
    for leaf in block.leaves():
        if leaf.kind in ("para", "heading", "table"):
            for ln, text in zip(leaf.lns, leaf.lines):
                if is_anchor(text) or block_ids and "^" in text and _ENDS_WITH_BLOCK_ID.search(text):
                    out.append((ln, leaf))
    return out


def repeated_block_ids(regions: list[Region]) -> bool:
    n = 0
    for r in regions:
        for b in r.blocks:
            if b.kind in ("fence", "comment"):
                continue
            for leaf in b.leaves():
                for text in leaf.lines:
                    if "^" in text and _ENDS_WITH_BLOCK_ID.search(text):
                        n += 1
                        if n >= 2:
                            return True
    return False


def _is_header_block(b: Block) -> bool:
    return b.kind == "heading" and labels.is_highlights_header(b.lines[0])


def _item_header_text(item: Block) -> str | None:
    own = own_blocks(item)
    if not own or own[0].kind not in ("heading", "para"):
        return None
    return own[0].lines[0]


@block_fact
def is_header_item(item: Block) -> bool:
    if not item.children or len(item.children) < 2 and not item.first_line_heading:
        return False  # a sync block holds its highlights
    first = item.children[0]
    if first.kind not in ("heading", "para") or len(first.lines) > 3 or len(first.lines[0]) > 300:
        return False
    text = _item_header_text(item)
    if text is None or not labels.is_highlights_header(text):
        return False
    # an outline sync block: the header line is all it says, highlights are its children
    own = own_blocks(item)
    return len(own) == 1 and len([ln for ln in own[0].lines if not is_property_line(ln)]) == 1


# -- regions --------------------------------------------------------------------------------------

# A heading that is only an identifier ("##### ^283957200", "### id827476955", a number, a
# ULID) names no section: it delimits one highlight, like a repeated "## Highlight" label.
ID_HEADING = re.compile(r"^(?:\^[A-Za-z0-9][\w-]*|id[-_ ]?[0-9a-z]{4,}|\d{3,}|[0-9a-z]{20,32})$", re.IGNORECASE)


def is_label_heading(b: Block, label_texts: set[str]) -> bool:
    if b.kind != "heading":
        return False
    text = " ".join(b.lines[0].split())
    return text.casefold() in label_texts or bool(ID_HEADING.match(text))


def _label_headings(doc: Block) -> set[str]:
    """Heading texts repeated at one level ("## Highlight" before each highlight): delimiters."""
    counts = Counter((b.level, " ".join(b.lines[0].split()).casefold()) for b in doc.children if b.kind == "heading")
    return {
        text
        for (level, text), n in counts.items()
        if n >= 2
        and (
            labels.is_highlights_header(text)
            or text in ("highlight", "quote", "excerpt", "passage", "clip", "摘录", "划线")
        )
    }


def find_regions(doc: Block, outline: bool) -> tuple[list[Region], set[str]]:
    label_texts = _label_headings(doc)
    regions: list[Region] = []
    # Outline sync blocks ("- Highlights first synced by …"): their children are the region.
    for b in doc.walk():
        if b.kind == "item" and is_header_item(b) and not _inside_header_item(b):
            regions.append(Region(b, list(b.children[len(own_blocks(b)) :]), header=b))
    current: Region | None = None
    base = 0
    for b in doc.children:
        if b.kind == "heading":
            if is_label_heading(b, label_texts):
                if current is not None:
                    current.blocks.append(b)
                continue
            if _is_header_block(b):
                if current is None or b.level <= base:
                    current = Region(doc, [], header=b)
                    regions.append(current)
                    base = b.level
                else:
                    current.blocks.append(b)  # "### New highlights synced" inside
                continue
            if current is not None and b.level <= base and anchor_lines(b):
                current.blocks.append(b)  # a highlight written as a heading
                continue
            if current is not None and (b.level <= base or labels.is_other_section(b.lines[0]) and b.level <= base + 1):
                current = None
                continue
        if current is not None:
            current.blocks.append(b)
    regions.sort(key=lambda r: r.header.start if r.header is not None else r.root.start)
    return regions, label_texts


def _inside_header_item(b: Block) -> bool:
    p = b.parent
    while p is not None:
        if p.kind == "item" and is_header_item(p):
            return True
        p = p.parent
    return False


def headerless_region(doc: Block, label_texts: set[str]) -> Region:
    """The whole body minus the sections that hold something else (Metadata, Summary…).

    A Metadata list ends where its key-value lines do: a template with no Highlights
    header puts the first highlight bullet right after it."""
    blocks = []
    skip_level = 0
    meta = False
    seen_blank = False
    for b in doc.children:
        if b.kind == "heading":
            if skip_level and b.level <= skip_level:
                skip_level = 0
            if not is_label_heading(b, label_texts) and labels.is_other_section(b.lines[0]):
                skip_level = b.level
                meta = bool(labels.METADATA_SECTION.match(b.lines[0].strip()))
                seen_blank = False
                continue
        if skip_level and meta and b.kind == "heading" and not _is_key_value_block(b):
            skip_level = 0  # a heading ends a Metadata list (highlights as headings)
            meta = False
        if skip_level and meta:
            if b.kind == "blank":
                seen_blank = True
                continue
            if seen_blank and b.kind in ("item", "quote", "para") and not _is_key_value_block(b):
                skip_level = 0
                meta = False
        if not skip_level:
            blocks.append(b)
    return Region(doc, blocks)


def _is_key_value_block(b: Block) -> bool:
    first = first_line(b)
    mf = labels.meta_field(first) if first else None
    return mf is not None and (
        labels.is_known_meta_key(mf[0]) or "::" in first or first.lstrip("-*+ ").startswith("**")
    )


def read_properties(doc: Block) -> tuple[dict[str, str], dict[str, int], int]:
    """Logseq page properties (``key:: value`` paragraphs at the top): values, lines, and how
    many top-level blocks they take."""
    props: dict[str, str] = {}
    lines: dict[str, int] = {}
    used = 0
    for i, b in enumerate(doc.children):
        if b.kind == "blank":
            continue
        if b.kind != "para" or not _property_lines(b.lines):
            break
        for ln, t in zip(b.lns, b.lines):
            m = PROPERTY.match(t)
            if m is None:
                continue  # the cover image of Readwise's Logseq page template
            key = m.group("key")
            if key not in props:
                props[key] = m.group("value") or ""
                lines[key] = ln
        used = i + 1
    return props, lines, used


def _property_lines(lines: list[str]) -> bool:
    """Every line a ``key:: value`` property, or, after at least one property, a cover
    image: Readwise's Logseq page template writes ``![](cover)`` right below ``url::``."""
    if not PROPERTY.match(lines[0]):
        return False
    return all(PROPERTY.match(t) or COVER.match(t.strip()) for t in lines[1:])


def is_outline(doc: Block, has_properties: bool) -> bool:
    top = [b for b in doc.children if b.kind not in ("blank", "comment")]
    if has_properties:
        # Logseq pages hold no headings outside their blocks; "Key:: value" lines above
        # "## Annotations" are Obsidian dataview fields
        return not any(b.kind == "heading" for b in top)
    if not top:
        return False
    items = [b for b in top if b.kind == "item"]
    if len(items) < 0.8 * len(top) or any(b.kind == "heading" for b in top):
        return False  # Logseq and Roam pages hold no headings outside their blocks
    return any(is_header_item(b) for b in doc.walk() if b.kind == "item") or any(
        c.kind == "item" for it in items for c in it.children
    )


def title_block(doc: Block) -> Block | None:
    """The note's title heading: its first level-1 heading, or ``## X (Highlights)``."""
    for b in doc.children:
        if b.kind == "heading":
            if TITLE_HIGHLIGHTS.match(b.lines[0]):
                return b
            if b.level == 1 and not labels.is_highlights_header(b.lines[0]) and not labels.is_other_section(b.lines[0]):
                return b
    return None


def position(block: Block) -> int:
    """Index of ``block`` among its parent's children (cached on the parent)."""
    parent = block.parent
    if parent is None:
        return -1
    facts = parent.cache if parent.cache is not None else {}
    parent.cache = facts
    positions = facts.get("positions")
    if positions is None or len(positions) != len(parent.children):
        positions = facts["positions"] = {id(c): i for i, c in enumerate(parent.children)}
    return positions.get(id(block), -1)


def is_note_para(b: Block) -> bool:
    if b.kind != "para" or not b.lines:
        return False
    return labels.field_of(b.lines[0]) is not None or labels.field_heading_of(b.lines[0]) is not None


def skippable_para(b: Block) -> bool:
    text = " ".join(ln.strip() for ln in b.lines)
    return not text or bool(STRAY_NUMBER.match(text)) or bool(FOOTNOTE_DEF.match(text)) or bool(COVER.match(text))
