"""Which blocks of a note are its highlights: the layout, inferred from the file itself.

A highlights export is front matter, a title, metadata and one or more highlight sections;
what varies is how one highlight is delimited. Rather than enumerate templates, this module
finds the repeating unit from the note's own evidence:

1. **Regions.** Highlight sections start at a header (``## Highlights``, ``## New highlights
   added …``, an outline block ``Highlights first synced by …`` or ``[[Readwise]] [[date]]``)
   and end at the next heading of the header's level or above. A note with no header is one
   region when it carries highlight evidence (anchors, or an exporter's marks).
2. **Anchors.** Lines that end with a location link or an exporter's block id
   (anchors.py). Each anchor sits in a *host*: the list item, quote, heading or paragraph
   that holds it.
3. **The unit.** The hosts' commonest kind is the unit: list items (at the depth most
   anchors share, so a numbered list inside a highlight stays its text), quotes, headings,
   or paragraphs — grouped by ``---`` rules into chunks, by repeated label headings
   (``## Highlight``) into sections, or, when text paragraphs run up to each anchor, into
   spans. Without any anchor the structure decides: label headings, then list items, then
   quotes, then bare headings, then rule-separated chunks.
4. **Shape.** An unanchored block of the unit's kind is a highlight only when it has the
   anchored units' shape (plain text, a quote, an image): a reader's own image or quote
   block between exported highlights is not one.
5. **Tails.** What follows a unit's text up to the next unit, rule or heading is its tail:
   ``Note:``/``Tags:`` fields (units.py), a ``### Note`` heading, a ``[!note]`` callout, or
   (after quotes, chunks and paragraphs) the reader's note as a plain paragraph.

Outlines (Logseq, Roam) are read as trees: an item whose own text holds an anchor is a
highlight; an item without one whose children are items is a section (a chapter, an
Omnivore article); placeholders (``-``) are transparent; ``#flashcard`` questions become
the note of the passage below them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from hlkb.model import Location
from hlkb.parse import labels
from hlkb.parse.anchors import is_anchor, peel
from hlkb.parse.inline import plain_text
from hlkb.parse.locations import location_value
from hlkb.parse.tree import Block

PROPERTY = re.compile(r"^(?P<key>[A-Za-z][\w-]*)::(?:[ \t]+(?P<value>.*?))?[ \t]*$")
_BLOCK_PROPERTY = re.compile(r"^[ \t]*[A-Za-z][\w-]*::(?:[ \t]|$)")
_LOCATION_HEADING = re.compile(r"^(?:Location|Page|Time|Loc\.?)[ \t\u00a0]+[0-9][0-9:,.\-]*$", re.IGNORECASE)
_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)|\[!\[[^\]\n]*\]\([^)\n]*\)\]\([^)\n]*\)")
_REF = re.compile(r"^(?:\[[^\]\n]+\]\([^)\n]+\)|\[\[[^\]\n]+\]\])$")
_FOOTNOTE_DEF = re.compile(r"^\[\^[^\]]+\]:")
_STRAY_NUMBER = re.compile(r"^\d{1,3}$")
_FLASHCARD = re.compile(r"[ \t]*#(?:flashcard|card)\b", re.IGNORECASE)
_TITLE_HIGHLIGHTS = re.compile(r"^(?P<title>.+?)\s*\(highlights\)\s*$", re.IGNORECASE)
_HEADING_LIKE_FIELD = re.compile(r"^[^:：]{1,40}(?:::?|：)")
_COVER = re.compile(r"^!\[(?:rw-book-cover|[^\]]*cover[^\]]*)?(?:\|\d+)?\]\([^)]*\)\s*$", re.IGNORECASE)


@dataclass
class Region:
    root: Block                      # the document, or the outline item that heads it
    blocks: list[Block]              # its top-level blocks, in order
    header: Block | None = None


@dataclass
class Unit:
    kind: str                        # item, quote, heading, chunk, section, para, span
    head: list[Block]                # blocks holding the highlight's text
    tail: list[Block] = field(default_factory=list)
    anchor: tuple[int, Block] | None = None     # (line, leaf) of the anchor
    section: str | None = None
    location: Location | None = None            # from a "### Location 343" heading above
    note_lines: list[str] | None = None         # a flashcard question
    label_heading: Block | None = None          # "## Highlight" above a section unit
    note_line: int | None = None                # line of the flashcard question
    trailers: list[str] = field(default_factory=list)   # a link the template put before the text


@dataclass
class Layout:
    units: list[Unit]
    name: str                        # what was detected, for the note record's "layout"
    regions: list[Region]
    outline: bool
    preamble: list[Block]            # top-level blocks before the first region (title, metadata)
    title: Block | None = None


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


def is_field_item(item: Block) -> bool:
    facts = item.cache
    if facts is not None and "field" in facts:
        return facts["field"]
    value = _is_field_item(item)
    if facts is None:
        item.cache = facts = {}
    facts["field"] = value
    return value


def _is_field_item(item: Block) -> bool:
    head = own_blocks(item)
    if not head or head[0].kind != "para":
        return False
    return labels.field_of(head[0].lines[0]) is not None or labels.field_heading_of(head[0].lines[0]) is not None \
        and len(head[0].lines) == 1 and not any(c.kind == "item" for c in item.children)


def is_placeholder(item: Block) -> bool:
    """``-`` / ``- -`` / an empty bullet: template furniture, transparent for what it holds."""
    own = [b for b in own_blocks(item) if b.kind != "blank"]
    if not own:
        return True
    return len(own) == 1 and own[0].kind == "para" and all(ln.strip() in ("", "-") for ln in own[0].lines)


def is_property_line(text: str) -> bool:
    return bool(_BLOCK_PROPERTY.match(text))


def text_shape(blocks: list[Block]) -> str:
    """``text``, ``quote``, ``image``, ``ref`` (a lone link) or ``empty`` for a unit's head."""
    if len(blocks) == 1:
        b = blocks[0]
        facts = b.cache
        if facts is not None and "shape" in facts:
            return facts["shape"]
        shape = _text_shape(blocks)
        if facts is None:
            b.cache = facts = {}
        facts["shape"] = shape
        return shape
    return _text_shape(blocks)


def _text_shape(blocks: list[Block]) -> str:
    if any(b.kind == "quote" for b in blocks[:1]):
        first = next((c for c in blocks[0].children if c.kind != "blank"), None)
        m = labels.CALLOUT.match(first.lines[0].strip()) if first is not None and first.kind == "para" else None
        return "quote" if m is None else "callout:" + m.group("type").lower()
    lines = [ln for b in blocks for _, ln in b.leaf_lines() if ln.strip() and not is_property_line(ln)]
    if not lines:
        return "empty"
    joined = " ".join(ln.strip() for ln in lines)
    rest = _IMAGE.sub("", joined).strip()
    if not rest:
        return "image"
    if _REF.match(joined.strip()):
        return "ref"
    return "text"


_ENDS_WITH_BLOCK_ID = re.compile(r"(?:^|\s)\^[A-Za-z0-9][\w-]{3,}[ \t]*$")


def _anchor_lines(block: Block, block_ids: bool = False) -> list[tuple[int, Block]]:
    """Lines of ``block`` that end a highlight; ``block_ids``: any ``^id`` counts (the
    exporter ends every highlight with its own ids, WeRead's ``^22806910-5-12787``)."""
    out = []
    for leaf in block.leaves():
        if leaf.kind in ("para", "heading", "table"):
            for ln, text in zip(leaf.lns, leaf.lines):
                if is_anchor(text) or block_ids and "^" in text and _ENDS_WITH_BLOCK_ID.search(text):
                    out.append((ln, leaf))
    return out


def _repeated_block_ids(regions: list["Region"]) -> bool:
    n = 0
    for r in regions:
        for b in r.blocks:
            if b.kind in ("fence", "comment"):
                continue
            for _, text in b.leaf_lines():
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


def _is_header_item(item: Block) -> bool:
    if not item.children or len(item.children) < 2 and not item.first_line_heading:
        return False          # a sync block holds its highlights
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
_ID_HEADING = re.compile(r"^(?:\^[A-Za-z0-9][\w-]*|id[-_ ]?[0-9a-z]{4,}|\d{3,}|[0-9a-z]{20,32})$", re.IGNORECASE)


def is_label_heading(b: Block, label_texts: set[str]) -> bool:
    if b.kind != "heading":
        return False
    text = " ".join(b.lines[0].split())
    return text.casefold() in label_texts or bool(_ID_HEADING.match(text))


def _label_headings(doc: Block) -> set[str]:
    """Heading texts repeated at one level ("## Highlight" before each highlight): delimiters."""
    counts = Counter((b.level, " ".join(b.lines[0].split()).casefold())
                     for b in doc.children if b.kind == "heading")
    return {text for (level, text), n in counts.items() if n >= 2 and (labels.is_highlights_header(text) or
            text in ("highlight", "quote", "excerpt", "passage", "clip", "摘录", "划线"))}


def find_regions(doc: Block, outline: bool) -> tuple[list[Region], set[str]]:
    label_texts = _label_headings(doc)
    regions: list[Region] = []
    # Outline sync blocks ("- Highlights first synced by …"): their children are the region.
    for b in doc.walk():
        if b.kind == "item" and _is_header_item(b) and not _inside_header_item(b):
            regions.append(Region(b, [c for c in b.children[len(own_blocks(b)):]], header=b))
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
                    current.blocks.append(b)         # "### New highlights synced" inside
                continue
            if current is not None and b.level <= base and _anchor_lines(b):
                current.blocks.append(b)             # a highlight written as a heading
                continue
            if current is not None and (b.level <= base or labels.is_other_section(b.lines[0])
                                        and b.level <= base + 1):
                current = None
                continue
        if current is not None:
            current.blocks.append(b)
    regions.sort(key=lambda r: r.header.start if r.header is not None else r.root.start)
    return regions, label_texts


def _inside_header_item(b: Block) -> bool:
    p = b.parent
    while p is not None:
        if p.kind == "item" and _is_header_item(p):
            return True
        p = p.parent
    return False


def _headerless_region(doc: Block, label_texts: set[str]) -> Region:
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
            skip_level = 0               # a heading ends a Metadata list (highlights as headings)
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
    return mf is not None and (labels.is_known_meta_key(mf[0]) or "::" in first or first.lstrip("-*+ ").startswith("**"))


def read_properties(doc: Block) -> tuple[dict[str, str], dict[str, int], int]:
    """Logseq page properties (``key:: value`` paragraphs at the top): values, lines, and how
    many top-level blocks they take."""
    props: dict[str, str] = {}
    lines: dict[str, int] = {}
    used = 0
    for i, b in enumerate(doc.children):
        if b.kind == "blank":
            continue
        if b.kind != "para" or not all(PROPERTY.match(t) for t in b.lines):
            break
        for ln, t in zip(b.lns, b.lines):
            m = PROPERTY.match(t)
            key = m.group("key")
            if key not in props:
                props[key] = m.group("value") or ""
                lines[key] = ln
        used = i + 1
    return props, lines, used


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
        return False             # Logseq and Roam pages hold no headings outside their blocks
    return any(_is_header_item(b) for b in doc.walk() if b.kind == "item") or any(
        c.kind == "item" for it in items for c in it.children)


# -- units ----------------------------------------------------------------------------------------

@dataclass
class _Ctx:
    regions: list[Region]
    outline: bool
    label_texts: set[str]
    anchors: list[tuple[int, Block]]
    anchor_lines: set[int]
    title: Block | None = None
    block_ids: bool = False


def title_block(doc: Block) -> Block | None:
    """The note's title heading: its first level-1 heading, or ``## X (Highlights)``."""
    for b in doc.children:
        if b.kind == "heading":
            if _TITLE_HIGHLIGHTS.match(b.lines[0]):
                return b
            if b.level == 1 and not labels.is_highlights_header(b.lines[0]) and not labels.is_other_section(b.lines[0]):
                return b
    return None


def _region_index(regions: list[Region]) -> dict[int, Region]:
    return {id(b): r for r in regions for b in r.blocks}


def _region_of(block: Block, index: dict[int, Region]) -> Region | None:
    node = block
    while node is not None:
        r = index.get(id(node))
        if r is not None:
            return r
        node = node.parent
    return None


def _position(block: Block) -> int:
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


def _host(leaf: Block, root: Block) -> tuple[str, list[Block]]:
    """The kind of block holding an anchor: ("heading"|"item"|"quote"|"para", [blocks])."""
    if leaf.kind == "heading" and not (leaf.parent is not None and leaf.parent.kind == "item"):
        return "heading", [leaf]
    items: list[Block] = []
    outer_quote = None
    node = leaf
    while node.parent is not None and node.parent is not root and node.parent.kind != "document":
        node = node.parent
        if node.kind == "item" and not is_field_item(node):
            items.append(node)
        elif node.kind == "quote":
            outer_quote = node
    if items:
        return "item", items                    # innermost first
    if outer_quote is not None:
        return "quote", [outer_quote]
    return "para", [leaf]


def _item_depth(item: Block, root: Block) -> int:
    d = 0
    p = item.parent
    while p is not None and p is not root and p.kind != "document":
        if p.kind == "item" and not is_placeholder(p):
            d += 1
        p = p.parent
    return d


_PREFERENCE = {"item": 0, "quote": 1, "heading": 2, "para": 3}


def infer(doc: Block, regions: list[Region], outline: bool, label_texts: set[str], signals) -> Layout:
    """The note's highlight units. ``signals()`` says whether the note carries an exporter's
    marks (asked only when no anchor decides)."""
    anchors: list[tuple[int, Block]] = []
    block_ids = any(r.header is not None for r in regions) and _repeated_block_ids(regions)
    for r in regions:
        after_location = False
        for b in r.blocks:
            if b.kind in ("fence", "comment", "blank"):
                continue
            if b.kind == "heading" and _LOCATION_HEADING.match(b.lines[0].strip()):
                after_location = True        # "### Location 343" locates the block below it
                continue
            if is_label_heading(b, label_texts):
                continue                     # "##### ^283957200" names a highlight, it is not one
            found = _anchor_lines(b, block_ids)
            if after_location and not found:
                leaves = [x for x in b.leaves() if x.kind in ("para", "table")]
                if leaves:
                    found = [(leaves[-1].lns[-1], leaves[-1])]
            anchors.extend(found)
            after_location = False
    ctx = _Ctx(regions, outline, label_texts, anchors, {ln for ln, _ in anchors}, title_block(doc), block_ids)
    if not anchors:
        signals = bool(signals())
    if not anchors and not signals:
        units, name = [], "none"
    elif outline:
        units = _outline_units(ctx)
        name = "outline"
    elif anchors:
        units, name = _anchored_units(ctx)
    else:
        units, name = _structural_units(ctx, signals)
    units.sort(key=lambda u: u.head[0].start if u.head else (u.label_heading.start if u.label_heading else 0))
    _assign_sections(units, regions, label_texts, ctx.title)
    return Layout(units, name if units else "none", regions, outline, [])


# -- outlines -----------------------------------------------------------------------------------

def _outline_units(ctx: _Ctx) -> list[Unit]:
    units: list[Unit] = []
    has_anchors = bool(ctx.anchors)
    shapes: set[str] = set()
    pending: list[tuple[Block, str | None]] = []       # unanchored leaf items, judged at the end

    def own_anchor(item: Block) -> tuple[int, Block] | None:
        for b in own_blocks(item):
            if b.kind in ("fence", "comment"):
                continue
            for a in _anchor_lines(b, ctx.block_ids):
                return a
        return None

    def walk(items: list[Block], section: str | None) -> None:
        for item in items:
            if item.kind != "item":
                continue
            if _is_header_item(item):
                continue          # its own region
            if is_placeholder(item):
                walk(item.children, section)
                continue
            if is_field_item(item):
                continue          # a Note/Tags block: read as the tail of the unit above it
            own = own_blocks(item)
            content_children = [c for c in item.children[len(own):] if c.kind == "item" and not is_field_item(c)]
            anchor = own_anchor(item)
            head_text = "\n".join(ln for b in own for _, ln in b.leaf_lines())
            if anchor is not None:
                u = _item_unit(item, anchor)
                u.section = section
                units.append(u)
                shapes.add(text_shape(own))
                continue
            if _FLASHCARD.search(head_text) and content_children:
                question = _FLASHCARD.sub("", head_text).strip()
                for child in content_children:
                    u = _item_unit(child, own_anchor(child))
                    u.section = section
                    if question:
                        u.note_lines = [question]
                        u.note_line = item.start
                    units.append(u)
                continue
            if content_children and _is_section_parent(own):
                name = plain_text(head_text.split("\n")[0]) if head_text.strip() else None
                walk(item.children[len(own):], name or section)
                continue
            pending.append((item, section))

    for r in ctx.regions:
        walk(r.blocks, None)
    if not ctx.regions:
        pass
    for item, section in pending:
        shape = text_shape(own_blocks(item))
        if shape == "empty" or has_anchors and shape not in shapes:
            continue
        u = _item_unit(item, None)
        u.section = section
        units.append(u)
    _extend_item_tails(units, ctx)
    return units


def _is_section_parent(own: list[Block]) -> bool:
    """An outline block that heads others: a chapter title, an article link (one line of
    text, not a quote), or a heading block."""
    if any(b.kind == "heading" for b in own):
        return True
    if text_shape(own) not in ("text", "ref"):
        return False
    lines = [t for b in own for _, t in b.leaf_lines() if t.strip() and not is_property_line(t)]
    return len(lines) <= 1


def _item_unit(item: Block, anchor: tuple[int, Block] | None) -> Unit:
    return Unit("item", head=[item], anchor=anchor)


# -- anchored markdown ------------------------------------------------------------------------

def _anchored_units(ctx: _Ctx) -> tuple[list[Unit], str]:
    hosts = []
    index = _region_index(ctx.regions)
    for ln, leaf in ctx.anchors:
        r = _region_of(leaf, index)
        if r is None:
            continue
        kind, blocks = _host(leaf, r.root)
        hosts.append((kind, blocks, (ln, leaf), r))
    if hosts and not any(is_label_heading(b, ctx.label_texts) for r in ctx.regions for b in r.blocks):
        trailers = [h for h in hosts if h[0] in ("para", "item") and _trailer_only(h[1][0])]
        if len(trailers) * 2 > len(hosts):
            units = _group_units(ctx, hosts)
            if units:
                return units, "heading-sections"
    kinds = Counter(k for k, *_ in hosts)
    primary = min(kinds, key=lambda k: (-kinds[k], _PREFERENCE[k]))
    if primary == "item":
        return _anchored_items(ctx, hosts), "list"
    if primary == "quote":
        return _anchored_quotes(ctx, hosts), "blockquote"
    if primary == "heading":
        return _anchored_headings(ctx, hosts), "heading"
    return _anchored_paragraphs(ctx, hosts)


def _group_units(ctx: _Ctx, hosts) -> list[Unit]:
    """Anchors standing alone on their line (`` * [View Highlight](…)`` after a quote and a
    note): each belongs to the heading section or rule chunk around it, whose first text
    block is the highlight and whose other blocks are its note."""
    anchor_of = {id(blocks[0]): anchor for kind, blocks, anchor, _ in hosts}
    units: list[Unit] = []
    for r in ctx.regions:
        headings = [b for b in r.blocks if b.kind == "heading" and labels.field_heading_of(b.lines[0]) is None]
        level = max((b.level for b in headings), default=0)
        groups: list[tuple[Block | None, list[Block]]] = [(None, [])]
        for b in r.blocks:
            if b.kind == "heading" and b.level <= level and labels.field_heading_of(b.lines[0]) is None \
                    or b.kind == "rule":
                groups.append((b if b.kind == "heading" else None, []))
                continue
            groups[-1][1].append(b)
        for heading, blocks in groups:
            anchors = [b for b in blocks if id(b) in anchor_of]
            if len(anchors) > 1:
                return []
            texts = [b for b in blocks if b.kind in ("para", "quote", "table", "item") and id(b) not in anchor_of
                     and not _is_note_para(b) and not (b.kind == "item" and is_field_item(b))
                     and not (b.kind == "para" and _skippable_para(b))]
            if not anchors or not texts:
                continue
            head = sorted([texts[0], anchors[0]], key=lambda b: b.start)
            tail = [b for b in blocks if b not in head]
            u = Unit("group", head=head, tail=tail, anchor=anchor_of[id(anchors[0])])
            if heading is not None:
                u.section = plain_text(heading.lines[0]) or None
            units.append(u)
    return units


def _anchored_items(ctx: _Ctx, hosts) -> list[Unit]:
    # The unit depth: where items hold one anchor each (a numbered list inside a highlight
    # puts its anchor one level deeper, but its item holds just that one).
    per_item: dict[int, list] = {}
    for kind, blocks, _, r in hosts:
        if kind != "item":
            continue
        for b in blocks:
            per_item.setdefault(id(b), [b, r, 0])[2] += 1
    score: Counter = Counter()
    for b, r, n in per_item.values():
        score[_item_depth(b, r.root)] += 1 if n == 1 else -2 * n
    depth = min(score, key=lambda d: (-score[d], d))
    chosen: dict[int, Unit] = {}
    shapes: set[str] = set()
    for kind, blocks, anchor, r in hosts:
        if kind != "item":
            continue
        unit_item = next((b for b in blocks if _item_depth(b, r.root) == depth), blocks[0])
        if id(unit_item) in chosen:
            continue
        chosen[id(unit_item)] = _item_unit(unit_item, anchor)
        shapes.add(text_shape(own_blocks(unit_item)))
    units = list(chosen.values())
    covered = {id(u.head[0]) for u in units}
    # Unanchored items at the same depth with the same shape are highlights whose link is missing.
    for r in ctx.regions:
        for item in _items_at_depth(r, depth):
            if id(item) in covered or _inside(item, covered) or is_field_item(item) or is_placeholder(item):
                continue
            if _contains_unit(item, covered):
                continue
            shape = text_shape(own_blocks(item))
            if shape in shapes and shape != "empty" and not _is_meta_item(item, units):
                units.append(_item_unit(item, None))
    _other_kind_units(ctx, hosts, "item", units)
    _extend_item_tails(units, ctx)
    return units


def _items_at_depth(r: Region, depth: int):
    def rec(blocks, d):
        for b in blocks:
            if b.kind != "item":
                continue
            if is_placeholder(b):
                yield from rec(b.children, d)
                continue
            if d == depth:
                yield b
            elif d < depth:
                yield from rec(b.children, d + 1)
    yield from rec(r.blocks, 0)


def _inside(block: Block, ids: set[int]) -> bool:
    p = block.parent
    while p is not None:
        if id(p) in ids:
            return True
        p = p.parent
    return False


def _contains_unit(block: Block, ids: set[int]) -> bool:
    return any(id(b) in ids for b in block.walk() if b is not block)


def _is_meta_item(item: Block, units: list[Unit]) -> bool:
    """A ``- Author: x`` line before every highlight is metadata, not a highlight."""
    own = own_blocks(item)
    if not own or own[0].kind != "para":
        return False
    mf = labels.meta_field(own[0].lines[0])
    first = min((u.head[0].start for u in units), default=None)
    return mf is not None and labels.is_known_meta_key(mf[0]) and (first is None or item.start < first)


def _extend_item_tails(units: list[Unit], ctx: _Ctx) -> None:
    """Blocks after an item unit at its own level up to the next unit: an unindented
    ``- Note:`` bullet (a sibling), a plain paragraph note."""
    starts = {id(u.head[0]) for u in units}
    for u in units:
        item = u.head[0]
        parent = item.parent
        if parent is None:
            continue
        sibs = parent.children
        i = _position(item) + 1
        while i < len(sibs):
            b = sibs[i]
            if id(b) in starts or b.kind in ("rule", "heading"):
                break
            if b.kind == "item":
                if not is_field_item(b):
                    break
            elif b.kind == "para" and not _is_note_para(b):
                break
            elif b.kind not in ("blank", "para"):
                break
            u.tail.append(b)
            i += 1


def _is_note_para(b: Block) -> bool:
    if b.kind != "para" or not b.lines:
        return False
    return labels.field_of(b.lines[0]) is not None or labels.field_heading_of(b.lines[0]) is not None


def _other_kind_units(ctx: _Ctx, hosts, primary: str, units: list[Unit]) -> None:
    """Anchors the primary units do not hold (a quote among bullets): units of their own."""
    covered: set[int] = set()
    for u in units:
        for h in u.head:
            for b in h.walk():
                covered.add(id(b))
        for t in u.tail:
            for b in t.walk():
                covered.add(id(b))
    for kind, blocks, anchor, r in hosts:
        if kind == primary or id(anchor[1]) in covered:
            continue
        host = blocks[0]
        if kind == "item":
            units.append(_item_unit(host, anchor))
        else:
            units.append(Unit(kind if kind != "para" else "para", head=[host], anchor=anchor))
        for b in host.walk():
            covered.add(id(b))


def _anchored_quotes(ctx: _Ctx, hosts) -> list[Unit]:
    units: list[Unit] = []
    anchored = {}
    for kind, blocks, anchor, r in hosts:
        if kind == "quote" and id(blocks[0]) not in anchored:
            anchored[id(blocks[0])] = anchor
    shapes = {text_shape([b]) for r in ctx.regions for b in r.blocks if id(b) in anchored}
    per_quote = Counter(id(blocks[0]) for kind, blocks, _, _ in hosts if kind == "quote")
    for r in ctx.regions:
        for b in r.blocks:
            if b.kind == "quote" and per_quote[id(b)] > 1:
                units.extend(_split_quote_at_anchors(b, [a for k, bl, a, _ in hosts if k == "quote" and bl[0] is b]))
                continue
            if b.kind == "quote":
                a = anchored.get(id(b))
                if a is None and text_shape([b]) not in shapes:
                    continue        # a "> [!info] Summary" callout among "> [!quote]" highlights
                units.append(Unit("quote", head=[b], anchor=a))
    _sibling_tails(units, ctx)
    _other_kind_units(ctx, hosts, "quote", units)
    return units


def _split_quote_at_anchors(q: Block, anchors: list) -> list[Unit]:
    """One quote holding several highlights (no blank line between them): a unit per
    anchor, each its lines up to that anchor, as a quote of its own."""
    units = []
    lines = [(ln, t) for ln, t in q.leaf_lines()]
    start = 0
    for ln, leaf in sorted(anchors, key=lambda a: a[0]):
        part = [(l2, t) for l2, t in lines[start:] if l2 <= ln]
        start += len(part)
        if not part:
            continue
        para = Block("para", part[0][0], part[-1][0], [t for _, t in part], [l2 for l2, _ in part])
        sub = Block("quote", part[0][0], part[-1][0], parent=q.parent, col=q.col)
        para.parent = sub
        sub.children = [para]
        units.append(Unit("quote", head=[sub], anchor=(ln, para)))
    return units


def _anchored_headings(ctx: _Ctx, hosts) -> list[Unit]:
    levels = Counter(blocks[0].level for kind, blocks, _, _ in hosts if kind == "heading")
    level = levels.most_common(1)[0][0]
    anchored = {id(blocks[0]): anchor for kind, blocks, anchor, _ in hosts if kind == "heading"}
    units = []
    for r in ctx.regions:
        for b in r.blocks:
            if b.kind == "heading" and b.level == level and not _LOCATION_HEADING.match(b.lines[0]) \
                    and not labels.is_highlights_header(b.lines[0]):
                units.append(Unit("heading", head=[b], anchor=anchored.get(id(b))))
    _section_tails(units, ctx, level)
    _other_kind_units(ctx, hosts, "heading", units)
    return units


def _anchored_paragraphs(ctx: _Ctx, hosts) -> tuple[list[Unit], str]:
    anchor_of = {}
    for kind, blocks, anchor, r in hosts:
        if kind == "para":
            anchor_of.setdefault(id(blocks[0]), anchor)
    if any(is_label_heading(b, ctx.label_texts) for r in ctx.regions for b in r.blocks):
        return _section_units(ctx, anchor_of), "heading-sections"
    if any(b.kind == "rule" for r in ctx.regions for b in r.blocks):
        units = _chunk_units(ctx, anchor_of)
        if units:
            return units, "rule-separated"
    # Text paragraphs that run up to an anchor paragraph make it one multi-paragraph highlight;
    # paragraphs after the last anchor are notes. Unanchored paragraphs before the first
    # anchor and none after the last say "spans"; anything else reads notes.
    before = after = 0
    for r in ctx.regions:
        paras = []
        under_label = False
        for b in r.blocks:
            if b.kind == "heading":
                under_label = labels.field_heading_of(b.lines[0]) is not None
            elif b.kind == "rule":
                under_label = False
            elif b.kind == "para" and not _skippable_para(b) and not _is_note_para(b) and not under_label:
                paras.append(b)
        anchored_idx = [i for i, b in enumerate(paras) if id(b) in anchor_of]
        if anchored_idx:
            before += anchored_idx[0]
            after += len(paras) - 1 - anchored_idx[-1]
    spans = before > 0 and after == 0
    if spans:
        return _span_units(ctx, anchor_of), "link-terminated"
    units = []
    for r in ctx.regions:
        for b in r.blocks:
            if id(b) in anchor_of:
                units.append(Unit("para", head=[b], anchor=anchor_of[id(b)]))
    _sibling_tails(units, ctx)
    _other_kind_units(ctx, hosts, "para", units)
    return units, "paragraph"


def _skippable_para(b: Block) -> bool:
    text = " ".join(ln.strip() for ln in b.lines)
    return not text or bool(_STRAY_NUMBER.match(text)) or bool(_FOOTNOTE_DEF.match(text)) or bool(_COVER.match(text))


def _chunks(r: Region) -> list[list[Block]]:
    out: list[list[Block]] = [[]]
    for b in r.blocks:
        if b.kind in ("rule", "heading"):
            out.append([b] if b.kind == "heading" else [])
            continue
        out[-1].append(b)
    return [c for c in out if any(x.kind not in ("blank", "heading") for x in c)]


def _chunk_units(ctx: _Ctx, anchor_of) -> list[Unit]:
    units = []
    for r in ctx.regions:
        for chunk in _chunks(r):
            content = [b for b in chunk if b.kind not in ("blank", "heading", "comment")
                       and not (b.kind == "para" and _skippable_para(b))]
            if not content:
                continue
            anchored = [b for b in content if id(b) in anchor_of]
            if len(anchored) > 1:
                return []                       # rules do not delimit highlights here
            if anchored:
                a = anchored[0]
                idx = content.index(a)
                rest = chunk[chunk.index(a) + 1:]           # blank lines kept: they end a Tags field
                units.append(Unit("chunk", head=content[: idx + 1], tail=rest, anchor=anchor_of[id(a)]))
            else:
                units.append(Unit("chunk", head=content, tail=[]))
    anchored_shapes = {(text_shape(u.head), u.head[0].kind) for u in units if u.anchor}
    return [u for u in units if u.anchor or (not anchored_shapes or (text_shape(u.head), u.head[0].kind)
                                             in anchored_shapes) and not _is_meta_chunk(u.head)]


def _is_meta_chunk(blocks: list[Block]) -> bool:
    """A chunk of ``Author: x`` lines (metadata between rules before the highlights); one
    with a ``Highlight:: text`` field is a highlight written as fields."""
    lines = [t for b in blocks for _, t in b.leaf_lines() if t.strip()]
    if any((labels.field_of(t) or ("", ""))[0] == labels.TEXT for t in lines):
        return False
    return bool(lines) and all(labels.meta_field(t) is not None for t in lines)


def _section_units(ctx: _Ctx, anchor_of) -> list[Unit]:
    """One highlight per label heading ("## Highlight", "##### ^283957200") of the outermost
    level; other headings end a section (chapters) unless they are field or deeper label
    headings inside it."""
    units = []
    for r in ctx.regions:
        levels = [b.level for b in r.blocks if is_label_heading(b, ctx.label_texts)]
        if not levels:
            continue
        level = min(levels)
        cur: list[Block] | None = None
        label = None
        for b in r.blocks + [None]:
            delimiter = b is not None and is_label_heading(b, ctx.label_texts) and b.level == level
            inner = b is not None and b.kind == "heading" and not delimiter and (
                labels.field_heading_of(b.lines[0]) is not None or is_label_heading(b, ctx.label_texts)
                and b.level > level)
            if b is None or delimiter or (b.kind == "heading" and not inner):
                if cur is not None:
                    u = _section_unit(cur, anchor_of, label)
                    if u is not None:
                        units.append(u)
                cur = [] if delimiter else None
                label = b if delimiter else None
                continue
            if cur is not None:
                cur.append(b)
    return units


def _section_unit(blocks: list[Block], anchor_of, label: Block | None) -> Unit | None:
    """A label heading's section: its text is the block holding the anchor, or, when the
    anchor stands alone (``^283957200`` on its own line), the text block before it; a deeper
    label heading (``###### ^283957200q``) separates what comes before it (fields, a note
    written first) from the text."""
    parts: list[list[Block]] = [[]]
    for b in blocks:
        if b.kind == "heading" and labels.field_heading_of(b.lines[0]) is None:
            parts.append([])
            continue
        parts[-1].append(b)
    anchored_part = next((p for p in parts if any(id(b) in anchor_of for b in p)), None)
    text_part = anchored_part if anchored_part is not None else (parts[-1] if len(parts) > 1 else parts[0])
    content = [b for b in text_part if b.kind not in ("blank", "comment", "rule")]
    text_blocks = [b for b in content if (b.kind in ("para", "quote", "table") and not _is_note_para(b))
                   or b.kind == "item" and not is_field_item(b)]
    if not text_blocks:
        return None
    first = next((b for b in text_blocks if id(b) in anchor_of), None)
    if first is not None and _trailer_only(first) and text_blocks.index(first) > 0:
        first_text = text_blocks[text_blocks.index(first) - 1]
        head = [first_text, first]
    elif first is not None:
        idx = text_blocks.index(first)
        head = text_blocks[: idx + 1] if len(parts) == 1 else [first]
    else:
        head = [text_blocks[0]]
    tail = [b for p in parts for b in p if b not in head]
    return Unit("section", head=head, tail=tail, anchor=anchor_of.get(id(head[-1])), label_heading=label)


def _trailer_only(b: Block) -> bool:
    """A block whose only text is an anchor: a lone ``^123456`` or ``[View Highlight](…)``."""
    if b.kind == "para":
        return len(b.lines) == 1 and not _strip_separators(peel(b.lines[0]).text)
    if b.kind == "item":
        own = own_blocks(b)
        return len(own) == 1 and own[0].kind == "para" and _trailer_only(own[0]) and len(b.children) == 1
    return False


def _strip_separators(text: str) -> str:
    return text.strip(" \t\u00a0-–—|·•*_\\>")


def _span_units(ctx: _Ctx, anchor_of) -> list[Unit]:
    units: list[Unit] = []
    for r in ctx.regions:
        cur: list[Block] = []
        under_label = False          # below a "#### Note" heading: the last unit's note
        for b in r.blocks:
            if b.kind in ("rule", "heading"):
                cur = []
                under_label = b.kind == "heading" and labels.field_heading_of(b.lines[0]) is not None
                if under_label and units:
                    units[-1].tail.append(b)
                continue
            if b.kind == "blank":
                if (under_label or not cur) and units:
                    units[-1].tail.append(b)
                continue
            if b.kind != "para" and b.kind not in ("quote", "item", "table"):
                continue
            if b.kind == "para" and _skippable_para(b):
                continue
            if units and not cur and (under_label or _is_note_para(b) or b.kind == "item" and is_field_item(b)):
                units[-1].tail.append(b)
                continue
            cur.append(b)
            if id(b) in anchor_of:
                units.append(Unit("span", head=cur, anchor=anchor_of[id(b)]))
                cur = []
    return units


def _sibling_tails(units: list[Unit], ctx: _Ctx) -> None:
    """After a quote or paragraph unit: the blocks up to the next unit, rule or heading."""
    starts = {id(u.head[0]) for u in units}
    for u in units:
        b0 = u.head[-1]
        parent = b0.parent
        sibs = parent.children if parent is not None else []
        pos = _position(b0)
        i = pos + 1 if pos >= 0 else len(sibs)
        while i < len(sibs):
            b = sibs[i]
            if id(b) in starts or b.kind == "rule":
                break
            if b.kind == "heading" and labels.field_heading_of(b.lines[0]) is None:
                break
            if b.kind == "para" and (_FOOTNOTE_DEF.match(b.lines[0]) or _STRAY_NUMBER.match(b.lines[0].strip())):
                break
            if b.kind == "quote" and u.kind == "quote":
                break
            u.tail.append(b)
            i += 1


def _section_tails(units: list[Unit], ctx: _Ctx, level: int) -> None:
    starts = {id(u.head[0]) for u in units}
    for u in units:
        h = u.head[0]
        sibs = h.parent.children
        i = _position(h) + 1
        while i < len(sibs):
            b = sibs[i]
            if id(b) in starts or b.kind == "rule" or b.kind == "heading" and b.level <= level \
                    and labels.field_heading_of(b.lines[0]) is None:
                break
            u.tail.append(b)
            i += 1


# -- no anchors ------------------------------------------------------------------------------

def _structural_units(ctx: _Ctx, signals: bool) -> tuple[list[Unit], str]:
    if not ctx.regions or not signals:
        return [], "none"      # a note of one's own: its lists are not highlights
    blocks = [b for r in ctx.regions for b in r.blocks]
    if any(is_label_heading(b, ctx.label_texts) for b in blocks):
        return _section_units(ctx, {}), "heading-sections"
    items = [b for r in ctx.regions for b in _items_at_depth(r, 0)
             if not is_field_item(b) and not is_placeholder(b) and text_shape(own_blocks(b)) != "empty"]
    items = [b for b in items if not _is_meta_item(b, [])]
    chunks = sum(len(_chunks(r)) for r in ctx.regions) if any(b.kind == "rule" for b in blocks) else 0
    if items and chunks >= 2 * len(items):
        units = _chunk_units(ctx, {})         # rules delimit; a numbered line inside one is its text
        if units:
            return units, "rule-separated"
    if items:
        units = [_item_unit(b, None) for b in items]
        _extend_item_tails(units, ctx)
        return units, "list"
    quotes = [b for b in blocks if b.kind == "quote" and text_shape([b]) != "empty"]
    if quotes:
        units = [Unit("quote", head=[b]) for b in quotes]
        _sibling_tails(units, ctx)
        return units, "blockquote"
    headings = [b for b in blocks if b.kind == "heading" and b is not ctx.title
                and not labels.is_highlights_header(b.lines[0])
                and labels.field_heading_of(b.lines[0]) is None and not _LOCATION_HEADING.match(b.lines[0])]
    if headings:
        level = Counter(b.level for b in headings).most_common(1)[0][0]
        same = [b for b in headings if b.level == level]
        units = [Unit("heading", head=[b]) for b in same]
        _section_tails(units, ctx, level)
        if all(_tail_is_fields(u.tail) for u in units):
            return units, "heading"
    if any(b.kind == "rule" for b in blocks):
        units = _chunk_units(ctx, {})
        if units:
            return units, "rule-separated"
    if signals:
        units = []
        under_label = False
        for b in blocks:
            if b.kind == "heading":
                under_label = labels.field_heading_of(b.lines[0]) is not None
            elif b.kind == "rule":
                under_label = False
            elif b.kind == "para" and not under_label and not _skippable_para(b) and not _is_note_para(b) \
                    and not _COVER.match(b.lines[0]):
                units.append(Unit("para", head=[b]))
        _sibling_tails(units, ctx)
        return units, "paragraph"
    return [], "none"


# -- sections ---------------------------------------------------------------------------------

def _tail_is_fields(tail: list[Block]) -> bool:
    """Only fields after a heading: labelled lines and bullets, or text under a ``Note`` heading."""
    under_label = False
    for t in tail:
        if t.kind == "heading":
            under_label = labels.field_heading_of(t.lines[0]) is not None
            continue
        if t.kind == "rule":
            under_label = False
            continue
        if t.kind == "para" and (under_label or _is_note_para(t)):
            continue
        if t.kind == "item" and (under_label or is_field_item(t)):
            continue
        if t.kind in ("quote", "item", "para", "table"):
            return False
    return True


def _assign_sections(units: list[Unit], regions: list[Region], label_texts: set[str],
                     title: Block | None = None) -> None:
    """Headings between units (chapters) name the section of the units below them; a
    ``### Location 343`` heading locates the unit right below it."""
    unit_start = {}
    for u in units:
        if u.head:
            unit_start[id(u.head[0])] = u
    first_unit = min((u.head[0].start for u in units if u.head), default=0)
    for r in regions:
        section = None
        section_level = 0
        pending_location = None
        for b in r.blocks:
            if b.kind == "heading":
                text = b.lines[0]
                if b is title or b.level == 1 and b.start < first_unit:
                    continue                  # the note's title
                u = unit_start.get(id(b))
                if u is not None:
                    if u.section is None:
                        u.section = section
                    continue
                if _LOCATION_HEADING.match(text.strip()):
                    label = " ".join(text.replace("\u00a0", " ").split())
                    pending_location = Location(label=label, url=None, value=location_value(label))
                    continue
                if is_label_heading(b, label_texts) or labels.field_heading_of(text) is not None:
                    continue
                if labels.is_highlights_header(text):
                    if section is None or b.level <= section_level:
                        section = None       # a header deeper than the chapter keeps the chapter
                    continue
                section, section_level = plain_text(text) or None, b.level
                continue
            u = unit_start.get(id(b))
            if u is None:
                # a unit inside this block (an outline parent, a placeholder)
                for inner in b.walk():
                    u2 = unit_start.get(id(inner))
                    if u2 is not None and u2.section is None and section is not None:
                        u2.section = section
                continue
            if u.section is None:
                u.section = section
            if pending_location is not None and u.location is None:
                u.location = pending_location
            pending_location = None
