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

This module decides the unit; regions.py holds the regions and the block facts, grouping.py
the units made of several blocks (chunks, sections, spans) and the tails.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from hlkb.model import Location
from hlkb.parse import labels
from hlkb.parse.grouping import (
    Context,
    Unit,
    chunk_units,
    extend_item_tails,
    is_meta_item,
    item_unit,
    items_at_depth,
    leading_notes,
    other_kind_units,
    rule_chunks,
    section_tails,
    section_units,
    sibling_tails,
    span_units,
    tail_is_fields,
    trailer_only,
)
from hlkb.parse.inline import plain_text
from hlkb.parse.locations import location_value
from hlkb.parse.regions import (
    COVER,
    FLASHCARD,
    LOCATION_HEADING,
    Region,
    anchor_lines,
    is_field_item,
    is_header_item,
    is_label_heading,
    is_note_para,
    is_placeholder,
    is_property_line,
    item_shape,
    own_blocks,
    repeated_block_ids,
    skippable_para,
    text_shape,
    title_block,
)
from hlkb.parse.tree import Block


@dataclass
class Layout:
    units: list[Unit]
    name: str  # what was detected, for the note record's "layout"
    regions: list[Region]
    outline: bool
    preamble: list[Block]  # top-level blocks before the first region (title, metadata)
    title: Block | None = None


def _region_index(regions: list[Region]) -> dict[int, Region]:
    return {id(b): r for r in regions for b in r.blocks}


def _region_of(block: Block, index: dict[int, Region]) -> Region | None:
    node: Block | None = block
    while node is not None:
        r = index.get(id(node))
        if r is not None:
            return r
        node = node.parent
    return None


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
        return "item", items  # innermost first
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
    block_ids = any(r.header is not None for r in regions) and repeated_block_ids(regions)
    for r in regions:
        after_location = False
        for b in r.blocks:
            if b.kind in ("fence", "comment", "blank"):
                continue
            if b.kind == "heading" and LOCATION_HEADING.match(b.lines[0].strip()):
                after_location = True  # "### Location 343" locates the block below it
                continue
            if is_label_heading(b, label_texts):
                continue  # "##### ^283957200" names a highlight, it is not one
            found = anchor_lines(b, block_ids)
            if after_location and not found:
                leaves = [x for x in b.leaves() if x.kind in ("para", "table")]
                if leaves:
                    found = [(leaves[-1].lns[-1], leaves[-1])]
            anchors.extend(found)
            after_location = False
    ctx = Context(regions, outline, label_texts, anchors, {ln for ln, _ in anchors}, title_block(doc), block_ids)
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


def _outline_units(ctx: Context) -> list[Unit]:
    units: list[Unit] = []
    has_anchors = bool(ctx.anchors)
    shapes: set[str] = set()
    pending: list[tuple[Block, str | None]] = []  # unanchored leaf items, judged at the end

    def own_anchor(item: Block) -> tuple[int, Block] | None:
        for b in own_blocks(item):
            if b.kind in ("fence", "comment"):
                continue
            for a in anchor_lines(b, ctx.block_ids):
                return a
        return None

    def walk(items: list[Block], section: str | None) -> None:
        for item in items:
            if item.kind != "item":
                continue
            if is_header_item(item):
                continue  # its own region
            if is_placeholder(item):
                walk(item.children, section)
                continue
            if is_field_item(item):
                continue  # a Note/Tags block: read as the tail of the unit above it
            own = own_blocks(item)
            content_children = [c for c in item.children[len(own) :] if c.kind == "item" and not is_field_item(c)]
            anchor = own_anchor(item)
            if anchor is None and content_children and all(_is_numbered(c) for c in content_children):
                # Only bullets are outline blocks: a numbered list under a block's first
                # line is that block's text, and the anchor on its last line is the block's.
                anchor = own_anchor(content_children[-1])
                if anchor is not None:
                    content_children = []
            head_text = "\n".join(ln for b in own for _, ln in b.leaf_lines())
            if anchor is not None:
                u = item_unit(item, anchor)
                u.section = section
                units.append(u)
                shapes.add(text_shape(own))
                todo = [u]
                while todo:
                    outer = todo.pop()
                    for inner, inner_anchor in nested_anchored(outer.head[0], outer.anchor):
                        # a highlight the reader moved under this one (or under a block
                        # of their own below it) is a highlight of its own, not its note
                        v = item_unit(inner, inner_anchor)
                        v.section = section
                        units.append(v)
                        outer.nested.append(inner)
                        todo.append(v)
                continue
            if FLASHCARD.search(head_text) and content_children:
                question = FLASHCARD.sub("", head_text).strip()
                for child in content_children:
                    u = item_unit(child, own_anchor(child))
                    u.section = section
                    if question:
                        u.note_lines = [question]
                        u.note_line = item.start
                    units.append(u)
                continue
            if content_children and _is_section_parent(own):
                name = plain_text(head_text.split("\n")[0]) if head_text.strip() else None
                walk(item.children[len(own) :], name or section)
                continue
            pending.append((item, section))

    def nested_anchored(item: Block, held) -> list[tuple[Block, tuple[int, Block]]]:
        """The anchored items below ``item`` (not below those), other than the one holding
        ``item``'s own anchor (a numbered list's last line)."""
        found = []
        for c in item.children[len(own_blocks(item)) :]:
            if c.kind != "item" or is_field_item(c) or held is not None and c.start <= held[0] <= c.end:
                continue
            a = own_anchor(c)
            if a is not None:
                found.append((c, a))
            else:
                found.extend(nested_anchored(c, held))
        return found

    for r in ctx.regions:
        walk(r.blocks, None)
    for item, section in pending:
        shape = item_shape(item)
        if shape == "empty" or has_anchors and shape not in shapes:
            continue
        u = item_unit(item, None)
        u.section = section
        units.append(u)
    extend_item_tails(units, ctx)
    return units


def _is_numbered(item: Block) -> bool:
    return item.kind == "item" and item.marker[:1].isdigit() and not item.children[len(own_blocks(item)) :]


def _is_section_parent(own: list[Block]) -> bool:
    """An outline block that heads others: a chapter title, an article link (one line of
    text, not a quote), or a heading block."""
    if any(b.kind == "heading" for b in own):
        return True
    if text_shape(own) not in ("text", "ref"):
        return False
    lines = [t for b in own for _, t in b.leaf_lines() if t.strip() and not is_property_line(t)]
    return len(lines) <= 1


# -- anchored markdown ------------------------------------------------------------------------


def _anchored_units(ctx: Context) -> tuple[list[Unit], str]:
    hosts = []
    index = _region_index(ctx.regions)
    for ln, leaf in ctx.anchors:
        r = _region_of(leaf, index)
        if r is None:
            continue
        kind, blocks = _host(leaf, r.root)
        hosts.append((kind, blocks, (ln, leaf), r))
    if hosts and not any(is_label_heading(b, ctx.label_texts) for r in ctx.regions for b in r.blocks):
        trailers = [h for h in hosts if h[0] in ("para", "item") and trailer_only(h[1][0])]
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


def _group_units(ctx: Context, hosts) -> list[Unit]:
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
            if (
                b.kind == "heading"
                and b.level <= level
                and labels.field_heading_of(b.lines[0]) is None
                or b.kind == "rule"
            ):
                groups.append((b if b.kind == "heading" else None, []))
                continue
            groups[-1][1].append(b)
        for heading, blocks in groups:
            anchors = [b for b in blocks if id(b) in anchor_of]
            if len(anchors) > 1:
                return []
            texts = [
                b
                for b in blocks
                if b.kind in ("para", "quote", "table", "item")
                and id(b) not in anchor_of
                and not is_note_para(b)
                and not (b.kind == "item" and is_field_item(b))
                and not (b.kind == "para" and skippable_para(b))
            ]
            if not anchors or not texts:
                continue
            head = sorted([texts[0], anchors[0]], key=lambda b: b.start)
            tail = [b for b in blocks if b not in head]
            u = Unit("group", head=head, tail=tail, anchor=anchor_of[id(anchors[0])])
            if heading is not None:
                u.section = plain_text(heading.lines[0]) or None
            units.append(u)
    return units


def _anchored_items(ctx: Context, hosts) -> list[Unit]:
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
    for kind, blocks, anchor, r in hosts:
        if kind != "item":
            continue
        unit_item = next((b for b in blocks if _item_depth(b, r.root) == depth), blocks[0])
        if id(unit_item) in chosen:
            continue
        chosen[id(unit_item)] = item_unit(unit_item, anchor)
    units = list(chosen.values())
    covered = {id(u.head[0]) for u in units}
    shapes: set[str] | None = None  # the anchored items' shapes, when an unanchored one asks
    # Unanchored items at the same depth with the same shape are highlights whose link is missing.
    for r in ctx.regions:
        for item in items_at_depth(r, depth):
            if id(item) in covered or _inside(item, covered) or is_field_item(item) or is_placeholder(item):
                continue
            if _contains_unit(item, covered):
                continue
            if shapes is None:
                shapes = {item_shape(u.head[0]) for u in chosen.values()}
            shape = item_shape(item)
            if shape in shapes and shape != "empty" and not is_meta_item(item, units):
                units.append(item_unit(item, None))
    other_kind_units(ctx, hosts, "item", units)
    extend_item_tails(units, ctx)
    return units


def _inside(block: Block, ids: set[int]) -> bool:
    p = block.parent
    while p is not None:
        if id(p) in ids:
            return True
        p = p.parent
    return False


def _contains_unit(block: Block, ids: set[int]) -> bool:
    return any(id(b) in ids for b in block.walk() if b is not block)


def _anchored_quotes(ctx: Context, hosts) -> list[Unit]:
    units: list[Unit] = []
    anchored = {}
    for kind, blocks, anchor, _r in hosts:
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
                    continue  # a "> [!info] Summary" callout among "> [!quote]" highlights
                units.append(Unit("quote", head=[b], anchor=a))
    sibling_tails(units, ctx)
    leading_notes(units)
    other_kind_units(ctx, hosts, "quote", units)
    return units


def _split_quote_at_anchors(q: Block, anchors: list) -> list[Unit]:
    """One quote holding several highlights (no blank line between them): a unit per
    anchor, each its lines up to that anchor, as a quote of its own."""
    units = []
    lines = [(ln, t) for ln, t in q.leaf_lines()]
    start = 0
    for ln, _leaf in sorted(anchors, key=lambda a: a[0]):
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


def _anchored_headings(ctx: Context, hosts) -> list[Unit]:
    levels = Counter(blocks[0].level for kind, blocks, _, _ in hosts if kind == "heading")
    level = levels.most_common(1)[0][0]
    anchored = {id(blocks[0]): anchor for kind, blocks, anchor, _ in hosts if kind == "heading"}
    units = []
    for r in ctx.regions:
        for b in r.blocks:
            if (
                b.kind == "heading"
                and b.level == level
                and not LOCATION_HEADING.match(b.lines[0])
                and not labels.is_highlights_header(b.lines[0])
            ):
                units.append(Unit("heading", head=[b], anchor=anchored.get(id(b))))
    section_tails(units, ctx, level)
    other_kind_units(ctx, hosts, "heading", units)
    return units


def _anchored_paragraphs(ctx: Context, hosts) -> tuple[list[Unit], str]:
    anchor_of: dict[int, Any] = {}
    for kind, blocks, anchor, _r in hosts:
        if kind == "para":
            anchor_of.setdefault(id(blocks[0]), anchor)
    if any(is_label_heading(b, ctx.label_texts) for r in ctx.regions for b in r.blocks):
        return section_units(ctx, anchor_of), "heading-sections"
    if any(b.kind == "rule" for r in ctx.regions for b in r.blocks):
        units = chunk_units(ctx, anchor_of)
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
            elif b.kind == "para" and not skippable_para(b) and not is_note_para(b) and not under_label:
                paras.append(b)
        anchored_idx = [i for i, b in enumerate(paras) if id(b) in anchor_of]
        if anchored_idx:
            before += anchored_idx[0]
            after += len(paras) - 1 - anchored_idx[-1]
    spans = before > 0 and after == 0
    if spans:
        return span_units(ctx, anchor_of), "link-terminated"
    units = []
    for r in ctx.regions:
        for b in r.blocks:
            if id(b) in anchor_of:
                units.append(Unit("para", head=[b], anchor=anchor_of[id(b)]))
    sibling_tails(units, ctx)
    other_kind_units(ctx, hosts, "para", units)
    return units, "paragraph"


# -- no anchors ------------------------------------------------------------------------------


def _structural_units(ctx: Context, signals: bool) -> tuple[list[Unit], str]:
    if not ctx.regions or not signals:
        return [], "none"  # a note of one's own: its lists are not highlights
    blocks = [b for r in ctx.regions for b in r.blocks]
    if any(is_label_heading(b, ctx.label_texts) for b in blocks):
        return section_units(ctx, {}), "heading-sections"
    items = [
        b
        for r in ctx.regions
        for b in items_at_depth(r, 0)
        if not is_field_item(b) and not is_placeholder(b) and item_shape(b) != "empty"
    ]
    items = [b for b in items if not is_meta_item(b, [])]
    chunks = sum(len(rule_chunks(r)) for r in ctx.regions) if any(b.kind == "rule" for b in blocks) else 0
    if items and chunks >= 2 * len(items):
        units = chunk_units(ctx, {})  # rules delimit; a numbered line inside one is its text
        if units:
            return units, "rule-separated"
    if items:
        units = [item_unit(b, None) for b in items]
        extend_item_tails(units, ctx)
        return units, "list"
    quotes = [b for b in blocks if b.kind == "quote" and text_shape([b]) != "empty"]
    if quotes:
        units = [Unit("quote", head=[b]) for b in quotes]
        sibling_tails(units, ctx)
        return units, "blockquote"
    headings = [
        b
        for b in blocks
        if b.kind == "heading"
        and b is not ctx.title
        and not labels.is_highlights_header(b.lines[0])
        and labels.field_heading_of(b.lines[0]) is None
        and not LOCATION_HEADING.match(b.lines[0])
    ]
    if headings:
        level = Counter(b.level for b in headings).most_common(1)[0][0]
        same = [b for b in headings if b.level == level]
        units = [Unit("heading", head=[b]) for b in same]
        section_tails(units, ctx, level)
        if all(tail_is_fields(u.tail) for u in units):
            return units, "heading"
    if any(b.kind == "rule" for b in blocks):
        units = chunk_units(ctx, {})
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
            elif (
                b.kind == "para"
                and not under_label
                and not skippable_para(b)
                and not is_note_para(b)
                and not COVER.match(b.lines[0])
            ):
                units.append(Unit("para", head=[b]))
        sibling_tails(units, ctx)
        return units, "paragraph"
    return [], "none"


def _assign_sections(
    units: list[Unit], regions: list[Region], label_texts: set[str], title: Block | None = None
) -> None:
    """Headings between units (chapters) name the section of the units below them; a
    ``### Location 343`` heading locates the unit right below it."""
    unit_start = {}
    u: Unit | None
    for u in units:
        if u.head:
            unit_start[id(u.head[0])] = u
    first_unit = min((u.head[0].start for u in units if u.head), default=0)
    for r in regions:
        section: Any = None
        section_level = 0
        pending_location: Any = None
        for b in r.blocks:
            if b.kind == "heading":
                text = b.lines[0]
                if b is title or b.level == 1 and b.start < first_unit:
                    continue  # the note's title
                u = unit_start.get(id(b))
                if u is not None:
                    if u.section is None:
                        u.section = section
                    continue
                if LOCATION_HEADING.match(text.strip()):
                    label = " ".join(text.replace("\u00a0", " ").split())
                    pending_location = Location(label=label, url=None, value=location_value(label))
                    continue
                if is_label_heading(b, label_texts) or labels.field_heading_of(text) is not None:
                    continue
                if labels.is_highlights_header(text):
                    if section is None or b.level <= section_level:
                        section = None  # a header deeper than the chapter keeps the chapter
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
