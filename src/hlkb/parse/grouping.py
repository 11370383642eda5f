"""Highlight units made of several blocks, and the tails that follow a unit.

Used by the layout inference (layout.py) both when anchors decide the unit and when the
structure must: rule-separated chunks, label-heading sections (``## Highlight``), paragraph
spans running up to an anchor, and each unit's tail (its ``Note:``/``Tags:`` fields, a
``### Note`` heading, the reader's note as a plain paragraph).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hlkb.model import Location
from hlkb.parse import labels
from hlkb.parse.anchors import only_separators, peel
from hlkb.parse.regions import (
    FOOTNOTE_DEF,
    STRAY_NUMBER,
    Region,
    is_field_item,
    is_label_heading,
    is_note_para,
    is_placeholder,
    own_blocks,
    position,
    skippable_para,
    text_shape,
)
from hlkb.parse.tree import Block


@dataclass
class Unit:
    kind: str  # item, quote, heading, chunk, section, para, span
    head: list[Block]  # blocks holding the highlight's text
    tail: list[Block] = field(default_factory=list)
    anchor: tuple[int, Block] | None = None  # (line, leaf) of the anchor
    section: str | None = None
    location: Location | None = None  # from a "### Location 343" heading above
    note_lines: list[str] | None = None  # a flashcard question
    label_heading: Block | None = None  # "## Highlight" above a section unit
    note_line: int | None = None  # line of the flashcard question
    trailers: list[str] = field(default_factory=list)  # a link the template put before the text
    nested: list[Block] = field(default_factory=list)  # highlights the reader moved under this one


# -- units ----------------------------------------------------------------------------------------


@dataclass
class Context:
    regions: list[Region]
    outline: bool
    label_texts: set[str]
    anchors: list[tuple[int, Block]]
    anchor_lines: set[int]
    title: Block | None = None
    block_ids: bool = False


def item_unit(item: Block, anchor: tuple[int, Block] | None) -> Unit:
    return Unit("item", head=[item], anchor=anchor)


def items_at_depth(r: Region, depth: int):
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


def is_meta_item(item: Block, units: list[Unit]) -> bool:
    """A ``- Author: x`` line before every highlight is metadata, not a highlight."""
    own = own_blocks(item)
    if not own or own[0].kind != "para":
        return False
    mf = labels.meta_field(own[0].lines[0])
    first = min((u.head[0].start for u in units), default=None)
    return mf is not None and labels.is_known_meta_key(mf[0]) and (first is None or item.start < first)


def extend_item_tails(units: list[Unit], ctx: Context) -> None:
    """Blocks after an item unit at its own level up to the next unit: an unindented
    ``- Note:`` bullet (a sibling), a plain paragraph note."""
    starts = {id(u.head[0]) for u in units}
    for u in units:
        item = u.head[0]
        parent = item.parent
        if parent is None:
            continue
        sibs = parent.children
        i = position(item) + 1
        while i < len(sibs):
            b = sibs[i]
            if id(b) in starts or b.kind in ("rule", "heading"):
                break
            if b.kind == "item":
                if not is_field_item(b):
                    break
            elif b.kind == "para" and not is_note_para(b) or b.kind not in ("blank", "para"):
                break
            u.tail.append(b)
            i += 1


def other_kind_units(ctx: Context, hosts, primary: str, units: list[Unit]) -> None:
    """Anchors the primary units do not hold (a quote among bullets): units of their own."""
    covered: set[int] = set()
    for u in units:
        for h in u.head:
            for b in h.walk():
                covered.add(id(b))
        for t in u.tail:
            for b in t.walk():
                covered.add(id(b))
    for kind, blocks, anchor, _r in hosts:
        if kind == primary or id(anchor[1]) in covered:
            continue
        host = blocks[0]
        if kind == "item":
            units.append(item_unit(host, anchor))
        else:
            units.append(Unit(kind if kind != "para" else "para", head=[host], anchor=anchor))
        for b in host.walk():
            covered.add(id(b))


def rule_chunks(r: Region) -> list[list[Block]]:
    out: list[list[Block]] = [[]]
    for b in r.blocks:
        if b.kind in ("rule", "heading"):
            out.append([b] if b.kind == "heading" else [])
            continue
        out[-1].append(b)
    return [c for c in out if any(x.kind not in ("blank", "heading") for x in c)]


def chunk_units(ctx: Context, anchor_of) -> list[Unit]:
    units = []
    for r in ctx.regions:
        for chunk in rule_chunks(r):
            content = [
                b
                for b in chunk
                if b.kind not in ("blank", "heading", "comment") and not (b.kind == "para" and skippable_para(b))
            ]
            if not content:
                continue
            anchored = [b for b in content if id(b) in anchor_of]
            if len(anchored) > 1:
                return []  # rules do not delimit highlights here
            if anchored:
                a = anchored[0]
                idx = content.index(a)
                rest = chunk[chunk.index(a) + 1 :]  # blank lines kept: they end a Tags field
                units.append(Unit("chunk", head=content[: idx + 1], tail=rest, anchor=anchor_of[id(a)]))
            else:
                units.append(Unit("chunk", head=content, tail=[]))
    anchored_shapes = {(text_shape(u.head), u.head[0].kind) for u in units if u.anchor}
    return [
        u
        for u in units
        if u.anchor
        or (not anchored_shapes or (text_shape(u.head), u.head[0].kind) in anchored_shapes)
        and not _is_meta_chunk(u.head)
    ]


def _is_meta_chunk(blocks: list[Block]) -> bool:
    """A chunk of ``Author: x`` lines (metadata between rules before the highlights); one
    with a ``Highlight:: text`` field is a highlight written as fields."""
    lines = [t for b in blocks for _, t in b.leaf_lines() if t.strip()]
    if any((labels.field_of(t) or ("", ""))[0] == labels.TEXT for t in lines):
        return False
    return bool(lines) and all(labels.meta_field(t) is not None for t in lines)


def section_units(ctx: Context, anchor_of) -> list[Unit]:
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
            inner = (
                b is not None
                and b.kind == "heading"
                and not delimiter
                and (
                    labels.field_heading_of(b.lines[0]) is not None
                    or is_label_heading(b, ctx.label_texts)
                    and b.level > level
                )
            )
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
    text_blocks = [
        b
        for b in content
        if (b.kind in ("para", "quote", "table") and not is_note_para(b)) or b.kind == "item" and not is_field_item(b)
    ]
    if not text_blocks:
        return None
    first = next((b for b in text_blocks if id(b) in anchor_of), None)
    if first is not None and trailer_only(first) and text_blocks.index(first) > 0:
        first_text = text_blocks[text_blocks.index(first) - 1]
        head = [first_text, first]
    elif first is not None:
        idx = text_blocks.index(first)
        head = text_blocks[: idx + 1] if len(parts) == 1 else [first]
    else:
        head = [text_blocks[0]]
    tail = [b for p in parts for b in p if b not in head]
    return Unit("section", head=head, tail=tail, anchor=anchor_of.get(id(head[-1])), label_heading=label)


def trailer_only(b: Block) -> bool:
    """A block whose only text is an anchor: a lone ``^123456`` or ``[View Highlight](…)``."""
    if b.kind == "para":
        return len(b.lines) == 1 and only_separators(peel(b.lines[0]).text)
    if b.kind == "item":
        own = own_blocks(b)
        return len(own) == 1 and own[0].kind == "para" and trailer_only(own[0]) and len(b.children) == 1
    return False


def span_units(ctx: Context, anchor_of) -> list[Unit]:
    units: list[Unit] = []
    for r in ctx.regions:
        cur: list[Block] = []
        under_label = False  # below a "#### Note" heading: the last unit's note
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
            if b.kind == "para" and skippable_para(b):
                continue
            if units and not cur and (under_label or is_note_para(b) or b.kind == "item" and is_field_item(b)):
                units[-1].tail.append(b)
                continue
            cur.append(b)
            if id(b) in anchor_of:
                units.append(Unit("span", head=cur, anchor=anchor_of[id(b)]))
                cur = []
    return units


def sibling_tails(units: list[Unit], ctx: Context) -> None:
    """After a quote or paragraph unit: the blocks up to the next unit, rule or heading."""
    starts = {id(u.head[0]) for u in units}
    for u in units:
        b0 = u.head[-1]
        parent = b0.parent
        sibs = parent.children if parent is not None else []
        pos = position(b0)
        i = pos + 1 if pos >= 0 else len(sibs)
        while i < len(sibs):
            b = sibs[i]
            if id(b) in starts or b.kind == "rule":
                break
            if b.kind == "heading" and labels.field_heading_of(b.lines[0]) is None:
                break
            if b.kind == "para" and (FOOTNOTE_DEF.match(b.lines[0]) or STRAY_NUMBER.match(b.lines[0].strip())):
                break
            if b.kind == "quote" and u.kind == "quote":
                break
            u.tail.append(b)
            i += 1


def leading_notes(units: list[Unit]) -> None:
    """A note-first template (the reader's note, then ``> highlight ([View Highlight](…))``,
    then ``---``): when every quote stands between rules with nothing after it, and at
    least two have text of their own before them, the blocks between the previous rule (or
    heading) and a quote are that quote's note. Both conditions are the file's evidence:
    one stray paragraph after ``## Highlights`` is not a template."""
    if len(units) < 2 or any(u.kind != "quote" or _has_content(u.tail) for u in units):
        return
    starts = {id(u.head[0]) for u in units}
    leading: list[list[Block]] = []
    for u in units:
        q = u.head[0]
        sibs = q.parent.children if q.parent is not None else []
        i = position(q) - 1
        before: list[Block] = []
        while i >= 0:
            b = sibs[i]
            if id(b) in starts:
                return  # two quotes with no rule between: rules are not the delimiter
            if b.kind in ("rule", "heading"):
                break
            before.insert(0, b)
            i -= 1
        if i < 0 and len(leading) > 0:
            return
        leading.append(before)
    if sum(_has_content(b) for b in leading) < 2:
        return
    for u, before in zip(units, leading):
        if _has_content(before):
            u.tail = before + u.tail


def _has_content(blocks: list[Block]) -> bool:
    return any(
        b.kind not in ("blank", "rule", "comment") and not (b.kind == "para" and skippable_para(b)) for b in blocks
    )


def section_tails(units: list[Unit], ctx: Context, level: int) -> None:
    starts = {id(u.head[0]) for u in units}
    for u in units:
        h = u.head[0]
        sibs = h.parent.children  # type: ignore[union-attr]  # (a unit's head is never the root)
        i = position(h) + 1
        while i < len(sibs):
            b = sibs[i]
            if (
                id(b) in starts
                or b.kind == "rule"
                or b.kind == "heading"
                and b.level <= level
                and labels.field_heading_of(b.lines[0]) is None
            ):
                break
            u.tail.append(b)
            i += 1


# -- sections ---------------------------------------------------------------------------------


def tail_is_fields(tail: list[Block]) -> bool:
    """Only fields after a heading: labelled lines and bullets, or text under a ``Note`` heading."""
    under_label = False
    for t in tail:
        if t.kind == "heading":
            under_label = labels.field_heading_of(t.lines[0]) is not None
            continue
        if t.kind == "rule":
            under_label = False
            continue
        if t.kind == "para" and (under_label or is_note_para(t)):
            continue
        if t.kind == "item" and (under_label or is_field_item(t)):
            continue
        if t.kind in ("quote", "item", "para", "table"):
            return False
    return True
