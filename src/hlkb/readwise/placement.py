"""Where an import's edits go in an existing note: which lines a removed highlight takes
with it, where a new one is inserted and with what separator, and the book id added to
the front matter. Plain functions of the note as read (edit.source.SourceFile) and its
parsed highlights; the planner (sync.py) decides what to add, replace or remove."""

from __future__ import annotations

import datetime as _dt
import re
from collections import Counter

from hlkb import frontmatter
from hlkb.edit.source import LineEdit
from hlkb.parse.locations import location_value
from hlkb.readwise.exports import Book, Item
from hlkb.readwise.plans import Finding
from hlkb.readwise.render import BOOK_ID_KEY, book_id_value, location_of
from hlkb.templates import render, yaml_scalar

_RULE_LINE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,}|(?:- ){2,}-|(?:\* ){2,}\*)\s*$")
_BOOK_ID_LINE = re.compile(r"^(?:readwise[_-]?book[_-]?id|book[_-]?id|user[_-]?book[_-]?id)[ \t]*:", re.IGNORECASE)


def ordered(items: list[Item]) -> list[Item]:
    """A book's highlights in reading order: by location where every one has one, else
    by when they were made where every one says, else as the export lists them."""
    if items and all(i.location is not None for i in items):
        return sorted(items, key=lambda i: i.location)
    if items and all(i.highlighted_at for i in items):
        return sorted(items, key=lambda i: i.highlighted_at)
    return list(items)


def removal_edits(src, highlights, removals: list[tuple[int, int]]) -> list:
    """Deletions of the removed highlights' lines, each with the separator before it
    (after it for the note's first highlight), merged where they touch."""

    if not removals:
        return []
    removed_lines: set[int] = set()
    ordered_h = sorted(highlights, key=lambda x: x.line)
    starts = {h.line: i for i, h in enumerate(ordered_h)}
    for a, b in removals:
        removed_lines.update(range(a, b + 1))
        i = starts.get(a)
        if i is None:
            continue
        if i > 0:
            gap = range(ordered_h[i - 1].end_line + 1, a)
        elif i + 1 < len(ordered_h):
            gap = range(b + 1, ordered_h[i + 1].line)
        else:
            gap = range(0)
        if all(not src.lines[n - 1].strip() or _RULE_LINE.match(src.lines[n - 1]) for n in gap):
            removed_lines.update(gap)
    edits = []
    for start, stop in _runs(sorted(removed_lines)):
        edits.append(LineEdit.delete(start, stop + 1))
    return edits


def insert_edits(book, highlights, inserts: list[Item], removals, renderer, src, plain: set[str]) -> list:
    """Insertions of the new highlights ``inserts``, each after the one before it by
    location (else after the last), separated as the note separates its highlights;
    ``plain``: keys written as plain text."""

    if not inserts:
        return []
    removed = {a for a, _b in removals}
    kept = [h for h in sorted(highlights, key=lambda x: x.line) if h.line not in removed]
    gap = separator_gap(kept, src, renderer)
    groups: dict[int, list[Item]] = {}
    by_value = kept and all(h.location and h.location.value is not None for h in kept)
    for item in ordered(inserts):
        anchor = None  # insert after this line (0: before the first)
        if kept:
            anchor = kept[-1].end_line
            if by_value:
                label, url = location_of(book, item)
                value = location_value(label, url) if label else None
                if value is not None:
                    before = [h for h in kept if h.location.value <= value]
                    anchor = before[-1].end_line if before else -kept[0].line
        groups.setdefault(anchor if anchor is not None else 10**9, []).append(item)
    edits = []
    for anchor, items in groups.items():
        blocks = [renderer.item_lines(book, i, i.key in plain) for i in items]
        if anchor == 10**9:  # no highlight in the note: at its end, under a header
            edits.append(append_edit(src, renderer, blocks, gap))
        elif anchor < 0:  # before the first highlight
            out: list[str] = []
            for block in blocks:
                out += block + gap
            edits.append(LineEdit(-anchor, -anchor, tuple(out)))
        else:
            out = []
            for block in blocks:
                out += gap + block
            edits.append(LineEdit.insert_after(anchor, out))
    return edits


def separator_gap(kept, src, renderer) -> list[str]:
    """The lines the note puts between two highlights (the most common separator-like
    gap), else the template's."""
    gaps: Counter = Counter()
    for a, b in zip(kept, kept[1:]):
        lines = src.lines[a.end_line : b.line - 1]
        if all(not ln.strip() or _RULE_LINE.match(ln) for ln in lines):
            gaps[tuple(ln.rstrip() for ln in lines)] += 1
    if gaps:
        return list(gaps.most_common(1)[0][0])
    return renderer.separator_lines()


def append_edit(src, renderer, blocks, gap):
    """The new highlights at the end of a note that has none, under the template's header."""

    header = (
        render(renderer.template.header, {**header_values(), "is_new_page": True}).strip("\n")
        if renderer.template.header
        else ""
    )
    out: list[str] = []
    last = len(src.lines)
    while last > 0 and not src.lines[last - 1].strip():
        last -= 1
    if header and not any(line.rstrip() == header for line in src.lines):
        out += ([""] if last else []) + header.split("\n")
    elif last:
        out += [""] if not header else []
    for i, block in enumerate(blocks):
        out += (gap if i else []) + block
    return LineEdit(last + 1, len(src.lines) + 1, tuple(out))


def book_id_edit(src, note, book: Book, found_by: str) -> tuple[list, Finding | None]:
    """Where a note was found by other evidence than its book id, the id goes into its
    front matter, so that it is found by it from now on. Where it cannot be (front matter
    that is not valid YAML): no edit, and the finding that says so."""

    if found_by == "book id":
        return [], None
    line = f"{BOOK_ID_KEY}: {yaml_scalar(book_id_value(book.key))}"
    fm = frontmatter.split(src.text)
    if not fm.present:
        return [LineEdit(1, 1, ("---", line, "---"))], None
    if not fm.closed or note.front_matter_raw is not None:
        return [], Finding(
            src.display,
            1,
            book.key,
            None,
            "front-matter",
            "its front matter is not valid YAML, so the book id was not added to it",
        )
    for n in range(fm.open_line + 1, fm.close_line):
        if _BOOK_ID_LINE.match(src.lines[n - 1]):
            return [LineEdit.replace(n, line)], None
    return [LineEdit(fm.close_line, fm.close_line, (line,))], None


def _runs(numbers: list[int]):
    """Runs of consecutive numbers in sorted ``numbers``, as (first, last) pairs."""
    start = prev = None
    for n in numbers:
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            yield start, prev
            start = prev = n
    if start is not None:
        yield start, prev


def header_values() -> dict:

    return {"date": _dt.date.today(), "time": "", "has_new_highlights": True}
