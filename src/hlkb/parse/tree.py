"""The block structure of a note body: headings, list items, quotes, paragraphs, rules.

A small CommonMark-like container parse, line by line with a stack of open containers,
tuned to how exporters and people write these notes:

- A line belongs to an open list item when it is indented past the item's marker (not only
  past its content column): Readwise writes sublines at 4 spaces under ``- `` items and
  Logseq mixes tabs and spaces (``\\t - ``). Tabs count to the next multiple of 4.
- Only an unindented line continues an item lazily (``    - text`` followed by ``more text``
  at column 0, as roam-to-git writes); an indented line goes where its indentation puts it,
  so ``  Transcript:`` after a nested ``  - point`` is the outer item's text again.
- Headings count at column 0 of the body, of a quote, or as an item's first line
  (``- ### Highlights``); an indented ``# x`` inside an item is text (shell comments).
- ``---`` is always a rule (never a setext heading): exporters put it right after a
  paragraph as a separator. ``===`` under a line makes that line a level-1 heading.
- ``%%`` … ``%%`` (Obsidian comments), ``<!-- … -->`` and fenced code are opaque blocks.

Every leaf block keeps its file line numbers and its lines with container prefixes removed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

TAB = 4

_ITEM = re.compile(r"(?P<marker>[-*+]|\d{1,9}[.)])(?P<gap>[ \t]+|$)")
_RULE = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
_HEADING = re.compile(r"^(?P<hashes>#{1,6})(?:[ \t]+(?P<text>.*?))?[ \t]*$")
_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})")
_SETEXT = re.compile(r"^ {0,3}=+[ \t]*$")
_COMMENT_FENCE = re.compile(r"^%%[ \t]*$")
_COMMENT_LINE = re.compile(r"^%%.*%%[ \t]*$")
_HTML_COMMENT_OPEN = re.compile(r"^<!--")
# Whitespace-only lines (no-break, ideographic and zero-width spaces too) are blank.
_BLANK_CHARS = " \t\u00a0\u3000\u200b\ufeff\u2002\u2003\u202f"


def is_blank(text: str) -> bool:
    return not text.strip(_BLANK_CHARS)


def indent_width(text: str) -> int:
    """Columns of leading spaces and tabs (a tab goes to the next multiple of 4)."""
    s = text.lstrip(" ")
    if s[:1] != "\t":
        return len(text) - len(s)  # spaces only: the common case, without the loop
    rest = text.lstrip(" \t")
    prefix = text[: len(text) - len(rest)]
    spaces = len(prefix) - len(prefix.lstrip(" "))
    if "\t" not in prefix.lstrip(" ").lstrip("\t").lstrip(" ") and spaces < TAB:
        # spaces (fewer than a tab stop), tabs, spaces (Logseq's "\t\t- x", "\t  key:: v")
        tabs = len(prefix.lstrip(" ")) - len(prefix.lstrip(" ").lstrip("\t"))
        return TAB * tabs + (len(prefix) - spaces - tabs)
    col = 0
    for ch in text:
        if ch == " ":
            col += 1
        elif ch == "\t":
            col += TAB - col % TAB
        else:
            break
    return col


def dedent(text: str, cols: int) -> str:
    """``text`` without ``cols`` columns of leading whitespace (a tab that straddles the
    cut leaves its remaining columns as spaces)."""
    s = text.lstrip(" ")
    spaces = len(text) - len(s)
    if spaces >= cols:
        return text[cols:]
    if s[:1] != "\t":
        return s
    if not spaces:
        t = text.lstrip("\t")
        tabs = len(text) - len(t)
        if cols <= TAB * tabs:  # the cut falls among leading tabs (Logseq's indentation)
            whole, part = divmod(cols, TAB)
            return text[whole:] if not part else " " * (TAB - part) + text[whole + 1 :]
    col = 0
    i = 0
    while i < len(text) and col < cols:
        ch = text[i]
        if ch == " ":
            col += 1
        elif ch == "\t":
            step = TAB - col % TAB
            if col + step > cols:
                return " " * (col + step - cols) + text[i + 1 :]
            col += step
        else:
            break
        i += 1
    return text[i:]


@dataclass(eq=False, slots=True)
class Block:
    kind: str  # document, item, quote, para, heading, rule, fence, table, comment, blank
    start: int  # first file line
    end: int  # last file line
    lines: list[str] = field(default_factory=list)  # leaf text, container prefixes removed
    lns: list[int] = field(default_factory=list)  # file line of each of ``lines``
    children: list[Block] = field(default_factory=list)
    level: int = 0  # heading level
    marker: str = ""  # item marker ("-", "*", "1.")
    col: int = 0  # file column where the item marker / quote ">" is
    content_col: int = 0  # item: columns from the marker to its text
    parent: Block | None = None
    first_line_heading: bool = False  # item whose first line is a heading ("- ## Articles")
    cache: dict | None = None  # per-block facts the layout computes once (layout.py)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def walk(self):
        """This block and every block inside it, in file order."""
        stack = [self]
        while stack:
            b = stack.pop()
            yield b
            if b.children:
                stack.extend(reversed(b.children))

    def leaves(self):
        """Leaf blocks in file order."""
        if self.kind not in ("document", "item", "quote"):
            return [self]
        out = []
        stack = list(reversed(self.children))
        while stack:
            b = stack.pop()
            if b.kind in ("document", "item", "quote"):
                stack.extend(reversed(b.children))
            else:
                out.append(b)
        return out

    def leaf_lines(self) -> list[tuple[int, str]]:
        out: list[tuple[int, str]] = []
        for leaf in self.leaves():
            out.extend(zip(leaf.lns, leaf.lines))
        return out

    def depth(self) -> int:
        """How many items and quotes contain this block."""
        d = 0
        p = self.parent
        while p is not None and p.kind != "document":
            d += 1
            p = p.parent
        return d

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        head = self.lines[0][:40] if self.lines else ""
        return f"<{self.kind} {self.start}-{self.end} {head!r} +{len(self.children)}>"


class Builder:
    def __init__(self, first_line: int):
        self.doc = Block("document", first_line, first_line - 1)
        self.stack: list[Block] = [self.doc]  # open containers, outermost first
        self.leaf: Block | None = None  # open paragraph / fence / comment / table
        self.fence: str | None = None
        self.comment: str | None = None  # "%%" or "-->"
        self.prev_blank = True
        # fences cut short by their container's end: (opener line, fence); and, on a second
        # reading, the fences to continue past it up to a closing line (see build_tree)
        self.cut_fences: list[tuple[int, str]] = []
        self.lazy_fences: dict[int, int] = {}

    # -- helpers ------------------------------------------------------------------------
    def _pop_to(self, depth: int) -> None:
        """Close the open containers deeper than ``depth``. Items and quotes end at their
        last non-blank line: blank lines at the end of one separate it from what follows,
        so they move up to its parent (right after it: nothing was added to the parent
        while it was open)."""
        stack = self.stack
        while len(stack) > depth:
            c = stack.pop()
            children = c.children
            if children and children[-1].kind == "blank":
                parent = stack[-1]
                n = len(children)
                while n and children[n - 1].kind == "blank":
                    n -= 1
                for blank in children[n:]:
                    blank.parent = parent
                parent.children.extend(children[n:])
                del children[n:]
            end = c.start
            for x in children:
                if x.end > end:
                    end = x.end
            c.end = end

    def finish(self) -> Block:
        """The document, every container closed."""
        self._pop_to(1)
        doc = self.doc
        if doc.children:
            doc.end = max(c.end for c in doc.children)
        return doc

    def _add(self, block: Block) -> Block:
        parent = self.stack[-1]
        block.parent = parent
        parent.children.append(block)
        return block

    def _close_leaf(self) -> None:
        self.leaf = None
        self.fence = None
        self.comment = None

    def _leaf(self, kind: str, ln: int, text: str) -> Block:
        parent = self.stack[-1]
        b = Block(kind, ln, ln, [text], [ln], parent=parent)
        parent.children.append(b)
        return b

    def _append(self, ln: int, text: str) -> None:
        leaf = self.leaf
        assert leaf is not None  # (only called with a leaf open)
        leaf.lines.append(text)
        leaf.lns.append(ln)
        leaf.end = ln

    # -- one line -------------------------------------------------------------------------
    def feed(self, ln: int, raw: str) -> None:
        blank = not raw.strip(_BLANK_CHARS)
        rest = raw
        matched = 1  # open containers this line continues (document: always)
        stack = self.stack
        before_quote = raw
        if len(stack) > 1:
            for i in range(1, len(stack)):
                c = stack[i]
                if c.kind == "quote":
                    if blank:
                        break
                    s0 = rest.lstrip(" \t")
                    if not s0.startswith(">") or len(rest) - len(s0) > 3:
                        break
                    before_quote = rest
                    rest = s0[2:] if s0[1:2] in (" ", "\t") else s0[1:]
                elif not blank:  # an item: blank lines keep it open
                    s0 = rest.lstrip(" ")
                    if s0[:1] != "\t":  # indented with spaces only: the common case, by slicing
                        w = len(rest) - len(s0)
                        if w <= c.col:
                            break
                        content = c.col + c.content_col
                        if w < content:
                            if s0[:1] in "-*+" and s0[1:2] in (" ", "\t", ""):
                                break  # " * next": a bullet short of the content column is a sibling
                            rest = s0
                        else:
                            rest = rest[content:]
                    else:
                        w = indent_width(rest)
                        if w <= c.col:
                            break
                        if (
                            w < c.col + c.content_col
                            and rest.lstrip(" \t")[:1] in "-*+"
                            and rest.lstrip(" \t")[1:2] in (" ", "\t", "")
                        ):
                            break
                        rest = dedent(rest, min(w, c.col + c.content_col))
                matched += 1
        all_matched = matched == len(stack)
        if (
            all_matched
            and stack[-1].kind == "quote"
            and rest.startswith("[!")
            and _CALLOUT_START.match(rest)
            and any(c.kind != "blank" for c in stack[-1].children)
        ):
            # "> [!quote]" right after another callout's last line: a new callout (a re-sync
            # glued two together), not a line of the first
            self._pop_to(len(stack) - 1)
            self._close_leaf()
            self._open(ln, before_quote)
            self.prev_blank = False
            return

        leaf = self.leaf
        if leaf is not None and leaf.kind == "fence" and not all_matched:
            closer = self.lazy_fences.get(leaf.start)
            if closer is not None and ln <= closer:
                self._append(ln, raw)  # the code pasted at column 0 inside an item
                if ln == closer:
                    self._close_leaf()
                self.prev_blank = False
                return
            if not blank:
                self.cut_fences.append((leaf.start, self.fence or "```"))
        if leaf is not None and leaf.kind in ("fence", "comment") and all_matched:
            self._append(ln, rest)
            s = rest.strip()
            if (
                leaf.kind == "fence"
                and len(leaf.lines) > 1
                and s.startswith(self.fence)  # type: ignore[arg-type]  # (set with the fence)
                and not s.strip(self.fence[0])  # type: ignore[index]
                or leaf.kind == "comment"
                and len(leaf.lines) > 1
                and ((self.comment == "%%" and _COMMENT_FENCE.match(s)) or (self.comment == "-->" and "-->" in s))
            ):
                self._close_leaf()
            self.prev_blank = False
            return

        if blank:
            if len(stack) > matched:
                self._pop_to(matched)
            self._close_leaf()
            self._leaf("blank", ln, "")
            self.prev_blank = True
            return

        if not all_matched and leaf is not None and leaf.kind == "para" and not self.prev_blank:
            # Lazy continuation of the open paragraph: under quotes any plain text line (as
            # CommonMark has it), under items only an unindented one (see the module doc).
            only_quotes = True
            for i in range(matched, len(stack)):
                if stack[i].kind != "quote":
                    only_quotes = False
                    break
            if only_quotes:
                if not _starts_block(rest):
                    self._append(ln, rest)
                    self.prev_blank = False
                    return
            elif raw[:1] not in " \t" and not _starts_block(raw):  # unindented
                self._append(ln, raw)
                self.prev_blank = False
                return

        if not all_matched:
            self._pop_to(matched)
            self._close_leaf()
        self._open(ln, rest)
        self.prev_blank = False

    def _open(self, ln: int, rest: str) -> None:
        """Start (or continue) what ``rest``, the line after its containers' prefixes, holds."""
        s = rest.lstrip(" \t")
        container = self.stack[-1]
        first = s[:1]
        if first not in _BLOCK_STARTS and not first.isdigit():
            # plain text: most lines of a note (the checks below cannot match)
            leaf = self.leaf
            if leaf is not None and leaf.kind == "para" and leaf.parent is container:
                leaf.lines.append(rest)
                leaf.lns.append(ln)
                leaf.end = ln
                return
            self.fence = self.comment = None
            self.leaf = self._leaf("para", ln, rest)
            return
        w = indent_width(rest) if len(s) != len(rest) else 0
        if first == ">" and w <= 3:
            self._close_leaf()
            q = self._add(Block("quote", ln, ln, col=w))
            self.stack.append(q)
            inner = rest[_QUOTE_PREFIX.match(rest).end() :]  # type: ignore[union-attr]  # (first == ">")
            if is_blank(inner):
                self._leaf("blank", ln, "")
            else:
                self._open(ln, inner)
            return
        if first in "-*_" and not rest.strip(" \t\n" + first) and _RULE.match(rest):
            self._close_leaf()
            self._leaf("rule", ln, s.rstrip())
            return
        marker = None
        if first in "-*+" and (len(s) == 1 or s[1] in " \t"):
            marker = first
            after = s[1:]
        elif first.isdigit():
            m = _ITEM.match(s)
            if m:
                marker = m.group("marker")
                after = s[len(marker) :]
        if marker is not None:
            text = after.lstrip(" \t")
            gap = after[: len(after) - len(text)]
            gap_w = (indent_width(" " * (w + len(marker)) + gap) - w - len(marker)) if "\t" in gap else len(gap)
            item = Block("item", ln, ln, marker=marker, col=w)
            item.content_col = len(marker) + (gap_w if 0 < gap_w <= 4 else 1)
            if gap_w > 4:
                text = after[1:]
            self._close_leaf()
            item.parent = container
            container.children.append(item)
            self.stack.append(item)
            if not text.strip(_BLANK_CHARS):
                return
            t0 = text[0]
            if t0.isdigit():
                om = _ITEM.match(text)
                if om:
                    # "- 1. The first…": a highlight that starts with a number, not a nested list
                    self.leaf = self._leaf("para", ln, text)
                    return
            elif t0 == "#":
                hm = _HEADING.match(text)
                if hm and (hm.group("text") or "").strip():
                    item.first_line_heading = True
                    hb = self._leaf("heading", ln, hm.group("text").strip())
                    hb.level = len(hm.group("hashes"))
                    return
            if t0 in _BLOCK_STARTS:
                self._open(ln, text)
            else:
                self.leaf = self._leaf("para", ln, text)
            return
        fm = _FENCE.match(s)
        if fm:
            self._close_leaf()
            self.leaf = self._leaf("fence", ln, rest)
            self.fence = fm.group("fence")[0] * 3
            return
        if w == 0 and s.startswith("#") and container.kind != "item":
            hm = _HEADING.match(s)
            if hm and (hm.group("text") or "").strip():
                self._close_leaf()
                hb = self._leaf("heading", ln, hm.group("text").strip())
                hb.level = len(hm.group("hashes"))
                return
        if _COMMENT_FENCE.match(s):
            self._close_leaf()
            self.leaf = self._leaf("comment", ln, rest)
            self.comment = "%%"
            return
        if s.startswith("<!--") and "-->" not in s:
            self._close_leaf()
            self.leaf = self._leaf("comment", ln, rest)
            self.comment = "-->"
            return
        if _COMMENT_LINE.match(s) or (s.startswith("<!--") and s.rstrip().endswith("-->")):
            self._close_leaf()
            self._leaf("comment", ln, rest)
            return
        leaf = self.leaf
        open_para = leaf is not None and leaf.parent is container
        if s.startswith("|"):
            if leaf is not None and open_para and leaf.kind == "table":
                self._append(ln, rest)
                return
            self._close_leaf()
            self.leaf = self._leaf("table", ln, rest)
            return
        if (
            leaf is not None
            and _SETEXT.match(rest)
            and open_para
            and leaf.kind == "para"
            and container.kind == "document"
        ):
            para = leaf  # "Title\n===": the paragraph's last line is a heading
            title = para.lines.pop()
            tln = para.lns.pop()
            if para.lines:
                para.end = para.lns[-1]
            else:
                container.children.remove(para)
            self._close_leaf()
            hb = self._leaf("heading", tln, title.strip())
            hb.level = 1
            hb.end = ln
            return
        if leaf is not None and open_para and leaf.kind == "para":
            self._append(ln, rest)
            return
        self._close_leaf()
        self.leaf = self._leaf("para", ln, rest)


_QUOTE_PREFIX = re.compile(r"^[ \t]{0,3}>[ \t]?")
_CALLOUT_START = re.compile(r"^\[![\w|-]+\][+-]?(?:[ \t]|$)")
# First characters of a line that can open something other than a paragraph line.
_BLOCK_STARTS = frozenset(">-*+_#`~%<|=")


# First characters of what _starts_block recognises: an image, a rule, a quote, a fence, a
# table row, a list item, a heading.
_STARTS_BLOCK = frozenset("!-*_>`~|+#")
_IMAGE_LINE = re.compile(r"^!\[[^\]\n]*\]\([^)\n]*\)[ \t]*$")


def _starts_block(text: str) -> bool:
    """Does ``text`` open a block of its own (so it cannot continue a paragraph lazily)?
    An image alone on a line counts: exporters write covers that way after a list."""
    s = text.lstrip(" \t")
    if not s:
        return False
    if s[0] not in _STARTS_BLOCK and not s[0].isdigit():
        return False  # none of the patterns below can match
    if _IMAGE_LINE.match(s):
        return True
    if _RULE.match(text) or s.startswith((">", "|")) or _FENCE.match(s) or _ITEM.match(s):
        return True
    return (
        indent_width(text) == 0
        and s.startswith("#")
        and bool(_HEADING.match(s))
        and bool((_HEADING.match(s).group("text") or "").strip())  # type: ignore[union-attr]
    )


def build_tree(lines: list[str], first_line: int = 1) -> Block:
    """The block tree of ``lines[first_line - 1:]`` (file lines, 1-based)."""

    def feed_all(b: Builder) -> None:
        for idx in range(first_line - 1, len(lines)):
            b.feed(idx + 1, lines[idx])

    return build(first_line, feed_all)


def build(first_line: int, feed_all: Callable[[Builder], None]) -> Block:
    """The block tree of what ``feed_all`` feeds a builder, line by line."""
    b = Builder(first_line)
    feed_all(b)
    closer = _misread_closer(b)
    if closer is not None:
        # A fence opened inside a list item whose code and closing fence the user pasted
        # at column 0: read strictly, the item ends at the first unindented line and the
        # closing fence opens a new code block that swallows the rest of the note. The
        # writer meant one code block inside the item; read it so (a second reading, only
        # for such a note).
        opener, end = closer
        b = Builder(first_line)
        b.lazy_fences = {opener: end}
        feed_all(b)
    return b.finish()


def _misread_closer(b: Builder) -> tuple[int, int] | None:
    """(opener line, closing line) when the document ends inside a bare fence (no info
    string) that never closes, and an earlier fence of the same character was cut short by
    its container's end: the bare fence is that one's closing line."""
    leaf = b.leaf
    if leaf is None or leaf.kind != "fence" or not b.cut_fences or b.fence is None:
        return None
    if leaf.lines[0].strip().strip(b.fence[0]) or len(leaf.lines) < 2:
        return None  # an info string: it can only open a block
    opener = next((line for line, fence in reversed(b.cut_fences) if fence == b.fence), None)
    return None if opener is None else (opener, leaf.start)


def dump(block: Block, indent: str = "") -> str:
    """The tree as indented text (for debugging and tests)."""
    out = []
    for c in block.children:
        if c.kind == "blank":
            continue
        head = c.lines[0][:60] if c.lines else ""
        extra = (
            f" h{c.level}"
            if c.kind == "heading"
            else (f" {c.marker!r}@{c.col}+{c.content_col}" if c.kind == "item" else "")
        )
        out.append(
            f"{indent}{c.kind}{extra} {c.start}-{c.end} {head!r}"
            + (f" (+{len(c.lines) - 1})" if len(c.lines) > 1 else "")
        )
        if c.children:
            out.append(dump(c, indent + "  "))
    return "\n".join(x for x in out if x)
