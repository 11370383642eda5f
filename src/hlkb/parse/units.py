"""One highlight unit (layout.py) read into its fields: text, note, tags, location.

The unit's head holds the text, up to its anchor line; everything after is its tail, read
field by field wherever the template put them: ``Note:`` / ``Tags:`` / ``Page:`` lines or
bullets (bold or not, ``::`` or ``：``), a ``### Note`` heading or a bare ``**Note**`` line
with the note below it, a ``> [!note]`` callout, and unlabelled blocks (an Omnivore note
under its quote, a Kindle-plugin note paragraph after its location) as the reader's note.
``Date::``-like fields are furniture. A field's continuation lines (indented under it, or
following it in the same paragraph) belong to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hlkb.model import Location, TagSlot
from hlkb.parse import labels
from hlkb.parse.anchors import only_separators, peel
from hlkb.parse.blocks import RawHighlight, parse_tags
from hlkb.parse.grouping import Unit
from hlkb.parse.inline import plain_text
from hlkb.parse.locations import location_value
from hlkb.parse.regions import is_field_item, is_property_line, own_blocks
from hlkb.parse.tree import Block

_MD_LINK = re.compile(r"\[(?P<label>[^\[\]\n]*)\]\((?P<url>[^\s]*?)\)")
_URL_LOCATION = re.compile(r"[?&]location=(\d+)")
# Lines in a tail that are template furniture, not a note: stray numbers ("1"), a lone "-",
# block ids and comments that follow the anchor line.
_TRAILER_LINE = re.compile(r"^[ \t]*(?:\^[A-Za-z0-9][\w-]*|%%.*%%)[ \t]*$")
_FURNITURE = re.compile(r"^[ \t]*(?:\d{1,3}|-|\^[A-Za-z0-9][\w-]*|%%.*%%|<br\s*/?>)[ \t]*$")


@dataclass
class _Lines:
    """Rendered lines of some blocks: (file line, text relative to the unit)."""

    items: list[tuple[int, str]] = field(default_factory=list)

    def add(self, ln: int, text: str) -> None:
        self.items.append((ln, text))


def render(block: Block, out: _Lines, prefix: str = "", first_prefix: str | None = None) -> None:
    """``block`` as Markdown lines relative to the unit (nested containers re-marked)."""
    fp = prefix if first_prefix is None else first_prefix
    if block.kind == "item":
        marker = block.marker + " "
        sub_first = fp + marker
        sub = prefix + " " * len(marker)
        first = True
        for c in block.children:
            render(c, out, sub, sub_first if first else None)
            if c.kind != "blank":
                first = False
        if first:
            out.add(block.start, (fp + block.marker).rstrip())
        return
    if block.kind == "quote":
        first = True
        for c in block.children:
            render(c, out, prefix + "> ", (fp + "> ") if first else None)
            first = False
        return
    if block.kind == "blank":
        out.add(block.start, prefix.rstrip(" ") if prefix.strip() else "")
        return
    if block.kind == "heading":
        text = "#" * block.level + " " + block.lines[0]
        out.add(block.start, fp + text)
        return
    for i, (ln, text) in enumerate(zip(block.lns, block.lines)):
        if is_property_line(text) and i > 0:
            continue  # Logseq block properties ("collapsed:: true") are not text
        out.add(ln, (fp if i == 0 else prefix) + text)


def _unit_children(unit: Unit) -> list[Block]:
    """The blocks that make up a unit's head, in order (an item's own children)."""
    out: list[Block] = []
    for h in unit.head:
        if unit.kind == "item" and h.kind == "item" or unit.kind == "quote" and h.kind == "quote":
            out.extend(h.children)
        else:
            out.append(h)
    return out


def split_head(unit: Unit, outline: bool) -> tuple[list[tuple[int, str]], list[Block], list[tuple[int, str]]]:
    """(text lines, tail blocks, tail lines split off a head paragraph)."""
    children = _unit_children(unit)
    anchor_ln = unit.anchor[0] if unit.anchor else None
    text = _Lines()
    tail_blocks: list[Block] = []
    tail_lines: list[tuple[int, str]] = []
    passed = False
    for _idx, c in enumerate(children):
        if passed:
            tail_blocks.append(c)
            continue
        if c.kind == "item" and is_field_item(c):
            tail_blocks.append(c)
            continue
        if c.kind == "quote" and c.children and _is_note_callout(c) and text.items:
            tail_blocks.append(c)
            continue
        if anchor_ln is not None and c.start <= anchor_ln <= c.end:
            if c.kind in ("para", "table") and anchor_ln < c.end:
                stop = c.lns.index(anchor_ln) + 1
                while stop < len(c.lines) and _TRAILER_LINE.match(c.lines[stop]):
                    stop += 1  # "^rw123" / "%% Color %%" on the line after the link
                for ln, t in zip(c.lns[:stop], c.lines[:stop]):
                    text.add(ln, t)
                tail_lines.extend(zip(c.lns[stop:], c.lines[stop:]))
            elif c.kind == "quote" and anchor_ln < c.end:
                inner = _split_quote(c, anchor_ln)
                for ln, t in inner[0]:
                    text.add(ln, t)
                tail_blocks.extend(inner[1])
            else:
                render(c, text)
            passed = True
            continue
        cut: int | None = None
        if anchor_ln is None and c.kind == "para" and text.items:
            # an unanchored head: a labelled line ends the text (legacy "Note:" lines)
            cut = next((i for i, t in enumerate(c.lines) if labels.field_of(t) or labels.field_heading_of(t)), None)
        elif anchor_ln is None and c.kind == "para" and not text.items and len(c.lines) > 1:
            cut = next((i for i, t in enumerate(c.lines) if i > 0 and labels.field_of(t)), None)
        if cut is not None:
            for ln, t in zip(c.lns[:cut], c.lines[:cut]):
                text.add(ln, t)
            tail_lines.extend(zip(c.lns[cut:], c.lines[cut:]))
            passed = True
            continue
        if outline and c.kind == "item" and anchor_ln is None and text.items:
            tail_blocks.append(c)
            passed = True
            continue
        render(c, text)
    lines = text.items
    while lines and not lines[-1][1].strip():
        lines.pop()
    while lines and not lines[0][1].strip():
        lines.pop(0)
    return lines, tail_blocks + unit.tail, tail_lines


def _without_callout_header(q: Block, anchor) -> tuple[Block, list[str]]:
    """A quote unit that is a callout (``> [!quote]``): its header line is furniture, unless
    the template put the highlight itself there (``> [!tldr]- text [🔗](url)``). A header
    that holds only the highlight's link (``> [!quote] [View Highlight](…)``) is returned as
    a trailer: the text is the callout's body."""
    first = next((c for c in q.children if c.kind != "blank"), None)
    if first is None or first.kind != "para":
        return q, []
    m = labels.CALLOUT.match(first.lines[0].strip())
    if not m:
        return q, []
    title = m.group("title").strip()
    anchor_ln = anchor[0] if anchor else None
    rest_lines = len(first.lines) > 1 or len([c for c in q.children if c.kind != "blank"]) > 1
    trailer = [title] if title and rest_lines and not peel(title).text.strip(" -–—|*_") and peel(title).anchored else []
    keep_title = title and not trailer and (anchor_ln == first.lns[0] or not rest_lines)
    para = Block("para", first.start, first.end, list(first.lines), list(first.lns), parent=q)
    if keep_title:
        para.lines[0] = title
    else:
        para.lines, para.lns = para.lines[1:], para.lns[1:]
        if para.lns:
            para.start = para.lns[0]
    clone = Block("quote", q.start, q.end, parent=q.parent, col=q.col)
    clone.children = [para if c is first else c for c in q.children if not (c is first and not para.lines)]
    return clone, trailer


def _is_note_callout(q: Block) -> bool:
    first = next((c for c in q.children if c.kind != "blank"), None)
    if first is None or first.kind != "para":
        return False
    m = labels.CALLOUT.match(first.lines[0].strip())
    return bool(m and m.group("type").lower() in labels.NOTE_CALLOUT_TYPES)


def _split_quote(q: Block, anchor_ln: int) -> tuple[list[tuple[int, str]], list[Block]]:
    """A quote unit whose anchor is not its last line: text up to it, the rest is tail."""
    text = _Lines()
    tail: list[Block] = []
    passed = False
    for c in q.children:
        if passed:
            tail.append(c)
            continue
        if c.start <= anchor_ln <= c.end:
            if c.kind == "para":
                cut = c.lns.index(anchor_ln) + 1
                for ln, t in zip(c.lns[:cut], c.lines[:cut]):
                    text.add(ln, t)
                if cut < len(c.lines):
                    tail.append(Block("para", c.lns[cut], c.end, c.lines[cut:], c.lns[cut:], parent=q))
            else:
                render(c, text)
            passed = True
            continue
        render(c, text)
    return text.items, tail


# -- the tail ---------------------------------------------------------------------------------


class _Fields:
    def __init__(self, raw: RawHighlight, unlabeled_note: bool, skip_lines: frozenset[int] = frozenset()):
        self.raw = raw
        self.skip_lines = skip_lines  # the lines of highlights nested in this one's blocks
        self.mode: str | None = None  # the field continuation lines belong to
        self.unlabeled_note = unlabeled_note
        self.text_given = False

    def start(self, kind: str, value: str, ln: int) -> None:
        raw = self.raw
        raw.end_line = max(raw.end_line, ln)
        if kind == labels.NOTE:
            value = _without_own_link(value)
            if raw.note_line is None:
                raw.note_line = ln
                raw.note_lines = [value] if value else []
            else:
                if raw.note_lines:
                    raw.note_lines.append("")
                if value:
                    raw.note_lines.append(value)
        elif kind == labels.TAGS:
            raw.tags.extend(t for t in parse_tags(value) if t not in raw.tags)
            if raw.tags_line is None:
                raw.tags_line = ln
        elif kind == labels.TEXT:
            if raw.text_field_line is None:  # "🎯 Highlight:: text" (Apple Books fields)
                raw.text_field_line = ln
                raw.text_field_lines = [value]
        elif kind == labels.SECTION:
            if raw.section is None and value.strip():
                raw.section = plain_text(value) or None  # "📖 Chapter:: Three"
        elif kind == labels.LOCATION:
            if raw.location is None and value.strip():
                v = value.strip()
                link = _MD_LINK.fullmatch(v)
                url = link.group("url") if link else (v if re.match(r"^[a-z][a-z0-9+.-]*://\S+$", v) else None)
                if url:
                    m = _URL_LOCATION.search(url)
                    n = float(m.group(1)) if m else None
                    label = link.group("label") if link else (f"Location {int(n)}" if n is not None else "")
                    raw.location = Location(label=label, url=url, value=n)
                else:
                    label = _location_label(value)
                    raw.location = Location(label=label, url=None, value=location_value(label))
        self.mode = kind

    def more(self, text: str, ln: int) -> None:
        """A line that continues the current field, or an unlabelled one."""
        raw = self.raw
        if _TRAILER_LINE.match(text):
            raw.trailer_lines.append(text.strip())  # a block id the template put last
            return
        if self.mode == labels.NOTE:
            raw.note_lines.append(text.strip())
            raw.end_line = max(raw.end_line, ln)
        elif self.mode == labels.TEXT:
            raw.text_field_lines.append(text.strip())
            raw.end_line = max(raw.end_line, ln)
        elif self.mode == labels.TAGS:
            raw.tags.extend(t for t in parse_tags(text) if t not in raw.tags)
            raw.end_line = max(raw.end_line, ln)
        elif self.mode in (None, labels.IGNORED) and self.unlabeled_note and text.strip() and self.mode is None:
            self.start(labels.NOTE, text.strip(), ln)
        elif self.mode is not None:
            raw.end_line = max(raw.end_line, ln)

    def line(self, text: str, ln: int) -> None:
        if _FURNITURE.match(text):
            if _TRAILER_LINE.match(text):
                self.raw.trailer_lines.append(text.strip())  # "^rwID-123" after a Note subline
            return
        f = labels.field_of(text)
        if f is not None:
            self.start(f[0], f[1], ln)
            return
        fh = labels.field_heading_of(text)
        if fh is not None:
            self.start(fh, "", ln)
            return
        self.more(text, ln)

    def block(self, b: Block) -> None:
        if b.kind in ("item", "para") and b.end - b.start < 2 and _lone_anchor(b):
            self.raw.end_line = max(self.raw.end_line, b.end)  # the trailer line, read already
            return
        if b.kind == "blank":
            if self.mode == labels.NOTE and self.raw.note_lines and self.raw.note_lines[-1] != "":
                self.raw.note_lines.append("")
            elif self.mode != labels.NOTE:
                self.mode = None  # tags and locations are one paragraph long
            return
        if b.kind == "rule":
            self.mode = None
            return
        if b.kind == "heading":
            fh = labels.field_heading_of(b.lines[0])
            if fh is not None:
                self.start(fh, "", b.start)
            return
        if b.kind == "item":
            own = own_blocks(b)
            if own and own[0].kind == "para":
                first = own[0]
                f = labels.field_of(first.lines[0])
                fh = labels.field_heading_of(first.lines[0]) if f is None else None
                if f is not None or fh is not None:
                    self.start(f[0] if f else fh, f[1] if f else "", first.start)  # type: ignore[arg-type]
                    for ln, t in zip(first.lns[1:], first.lines[1:]):
                        self.more(t, ln)
                    for c in b.children[1:]:
                        self.block(c)
                    return
            # an unlabelled child block: the reader's note (Omnivore, Logseq)
            if self.skip_lines and b.start in self.skip_lines:
                return
            mode = self.mode
            if mode != labels.NOTE and self.unlabeled_note:
                lines = _Lines()
                render(b, lines)
                if self.skip_lines:
                    lines.items = [(ln, t) for ln, t in lines.items if ln not in self.skip_lines]
                texts = [t[len(b.marker) + 1 :] if i == 0 else t for i, (_, t) in enumerate(lines.items)]
                if any(t.strip() for t in texts):
                    self.start(labels.NOTE, texts[0].strip(), b.start)
                    for (ln, _), t in zip(lines.items[1:], texts[1:]):
                        self.more(t, ln)
                    self.mode = None
            elif mode == labels.NOTE:
                lines = _Lines()
                render(b, lines)
                if self.skip_lines:
                    lines.items = [(ln, t) for ln, t in lines.items if ln not in self.skip_lines]
                for ln, t in lines.items:
                    self.more(t, ln)
            return
        if b.kind == "quote":
            lead = next((c for c in b.children if c.kind != "blank"), None)
            if lead is not None and lead.kind == "para":
                m = labels.CALLOUT.match(lead.lines[0].strip())
                if m:
                    kind = labels.NOTE if m.group("type").lower() in labels.NOTE_CALLOUT_TYPES else None
                    title = m.group("title").strip()
                    if kind:
                        f = labels.field_of(title) if title else None
                        fh = labels.field_heading_of(title) if title and f is None else None
                        value = f[1] if f else ("" if fh else title)
                        self.start(labels.NOTE, value, lead.start)
                        for ln, t in zip(lead.lns[1:], lead.lines[1:]):
                            self.line(t, ln)
                        for c in b.children[b.children.index(lead) + 1 :]:
                            self._quote_child(c)
                        self.mode = None
                    return
            for c in b.children:
                self._quote_child(c)
            return
        if b.kind in ("para", "table"):
            for ln, t in zip(b.lns, b.lines):
                if is_property_line(t) and labels.field_of(t) is None:
                    continue  # a Logseq block property ("collapsed:: true"), not a field
                self.line(t, ln)
            return
        if b.kind == "fence" and self.mode == labels.NOTE:
            for ln, t in zip(b.lns, b.lines):
                self.more(t, ln)

    def _quote_child(self, c: Block) -> None:
        if c.kind in ("para", "table"):
            for ln, t in zip(c.lns, c.lines):
                self.line(t, ln)
        else:
            self.block(c)


def _lone_anchor(b: Block) -> bool:
    text = " ".join(t for _, t in b.leaf_lines()).strip()
    tr = peel(text)
    return tr.anchored and only_separators(tr.text)


def _without_own_link(value: str) -> str:
    """A note label followed by the highlight's own link ("**Note on:** [(View Highlight)](…)")."""
    if value and ("](" in value or value.endswith(")")):
        tr = peel(value)
        if tr.anchored and not tr.text.strip(" -–—|*_"):
            return ""
    return value


def _location_label(value: str) -> str:
    v = " ".join(value.replace("\u00a0", " ").split())
    if v and (v[0].isdigit()):
        return f"Page {v}"
    return v


def raw_highlight(unit: Unit, outline: bool) -> RawHighlight | None:
    if unit.kind == "quote" and unit.head:
        quote, title_trailer = _without_callout_header(unit.head[0], unit.anchor)
        anchor = unit.anchor
        if title_trailer:  # "> [!quote] [View Highlight](…)": the body is the text
            leaves = [x for x in quote.leaves() if x.lns]
            anchor = _text_end_of_body(leaves) if leaves else None
        unit = Unit(
            unit.kind,
            [quote] + unit.head[1:],
            unit.tail,
            anchor,
            unit.section,
            unit.location,
            unit.note_lines,
            unit.label_heading,
            unit.note_line,
            trailers=unit.trailers + title_trailer,
        )
    if unit.kind in ("group", "section") and len(unit.head) > 1 and _lone_anchor(unit.head[-1]):
        # the anchor on a line of its own after the text (" * [View Highlight](…)", "^123456"):
        # a trailer of the highlight, not a line of its text
        anchor_block = unit.head[-1]
        unit.trailers.append(" ".join(t for _, t in anchor_block.leaf_lines()).strip())
        unit.head = unit.head[:-1]
        unit.tail = unit.tail + [anchor_block]
        unit.anchor = None
    lines, tail_blocks, tail_lines = split_head(unit, outline)
    # the template's date or location line right before the anchor ("> ⏱ 2023-01-02 10:20
    # ^id") ends the text: it belongs with the tail, its ids with the highlight
    moved: list[tuple[int, str]] = []
    while len(lines) > 1:
        peeled = peel(lines[-1][1])
        kind = (labels.field_of(peeled.text) or ("",))[0]
        # and a Note:/Tags: line right above such a line: the template's fields, written
        # before its date line ("> 📌 text" / "> Tags: x" / "> ⏱ 2024-08-27 ^id")
        if kind not in (labels.IGNORED, labels.LOCATION) and not (moved and kind in (labels.NOTE, labels.TAGS)):
            break
        ln, t = lines.pop()
        moved.insert(0, (ln, peeled.text))
        if peeled.anchored or peeled.block_id:
            unit.trailers.append(t[len(peeled.text) :].strip())
    tail_lines = moved + tail_lines
    if unit.kind == "heading" and unit.head:
        h = unit.head[0]
        lines = [(h.start, h.lines[0])]
    if not lines:
        # every line is a field: the text may be one of them ("🎯 Highlight:: …")
        probe = RawHighlight(line=unit.head[0].start if unit.head else 0, lines=[], text_end_line=0, end_line=0)
        f = _Fields(probe, unlabeled_note=False)
        for ln, t in tail_lines:
            f.line(t, ln)
        for b in tail_blocks:
            f.block(b)
        if probe.text_field_line is None or not any(t.strip() for t in probe.text_field_lines):
            return None
        lines = [(probe.text_field_line, t) for t in probe.text_field_lines]
    first_ln = lines[0][0]
    raw = RawHighlight(
        line=first_ln,
        lines=[t for _, t in lines],
        text_end_line=lines[-1][0],
        end_line=lines[-1][0],
        section=unit.section,
        location=unit.location,
    )
    raw.layout = unit.kind
    raw.trailer_lines.extend(unit.trailers)
    unlabeled = unit.kind in ("quote", "chunk", "para", "section", "heading", "group") or unit.anchor is not None
    skip = frozenset(ln for b in unit.nested for ln in range(b.start, b.end + 1)) if unit.nested else frozenset()
    f = _Fields(raw, unlabeled_note=unlabeled, skip_lines=skip)
    f.text_given = raw.text_field_line is None and bool(lines)
    for ln, t in tail_lines:
        f.line(t, ln)
    for b in tail_blocks:
        f.block(b)
    if unit.note_lines:
        raw.note_lines = list(unit.note_lines) + (["", *raw.note_lines] if raw.note_lines else [])
        raw.note_line = unit.note_line or raw.note_line
        raw.note_is_question = True
    last = max([raw.end_line] + [b.end for b in tail_blocks if b.kind not in ("blank", "rule")])
    raw.end_line = max(raw.end_line, last)
    if raw.note is None:
        raw.note_line = None  # "📝 Note:: N/A", "- Note: ": no note
    raw.tag_slot = _tag_slot(unit, raw)
    return raw


def _text_end_of_body(leaves: list[Block]) -> tuple[int, Block]:
    """(line, leaf) of the last line of the text of a callout whose header holds the
    highlight's link: the body's last line, or the line before a ``Note:`` or ``Tags:`` line
    that follows the text (the template's fields, written after the text as in every other
    layout)."""
    body = [(ln, t, leaf) for leaf in leaves for ln, t in zip(leaf.lns, leaf.lines)]
    seen_text = False
    last_text = body[-1][0], body[-1][2]
    for ln, t, leaf in body:
        if seen_text and (labels.field_of(t) or ("",))[0] in (labels.NOTE, labels.TAGS):
            return last_text
        if t.strip():
            seen_text, last_text = True, (ln, leaf)
    return body[-1][0], body[-1][2]


def _tag_slot(unit: Unit, raw: RawHighlight) -> TagSlot:
    """Where a first tag goes, in the unit's own style (see model.TagSlot)."""
    if unit.kind == "item":
        item = unit.head[0]
        if unit.nested:
            # after this highlight's lines, before the block holding the highlight nested
            # in it: a subline after that one would read as the nested highlight's
            first = min(b.start for b in unit.nested)
            holder = next(c for c in item.children if c.start <= first <= c.end)
            return TagSlot("subline", holder.start - 1)
        if any(c.kind == "item" and not is_field_item(c) for c in item.children):
            # a list inside the text: a deeper subline would land in its last item, so the
            # new one goes at the item's own content column
            return TagSlot("subline", raw.end_line, prefix=" " * (_abs_col(item) + item.content_col))
        return TagSlot("subline", raw.end_line)
    if unit.kind == "quote":
        q = unit.head[0]
        last = max((leaf.lns[-1] for leaf in q.leaves() if leaf.lns), default=q.end)
        return TagSlot("line", last, prefix=">" * _quote_depth(q) + " ")
    if unit.kind == "heading":
        return TagSlot("line", raw.line, paragraph=True)
    # chunks, paragraphs, spans, label-heading sections: a "Tags:" paragraph after the text
    return TagSlot("line", raw.text_end_line, paragraph=True)


def _abs_col(item: Block) -> int:
    col = item.col
    p = item.parent
    while p is not None and p.kind == "item":
        col += p.col + p.content_col
        p = p.parent
    return col


def _quote_depth(q: Block) -> int:
    d = 0
    node: Block | None = q
    while node is not None and node.kind == "quote":
        d += 1
        node = node.parent
    return d
