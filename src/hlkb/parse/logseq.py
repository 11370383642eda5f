"""Logseq exports: page properties (``key:: value``) and a tab-indented outline.

::

    title:: Pro Bash Programming (highlights)
    author:: [[…]]
    - Highlights first synced by [[Readwise]] [[Apr 13th, 2023]]
    \t- Chapter 2 …                      (a chapter parent: a section, not a highlight)
    \t\t- -                                (placeholder)
    \t\t\t- highlight text ([View Tweet](…))
    \t\t\t  continuation
    \t\t\t\t- **Note**: …
    \t\t\t- Question? #flashcard          (the question becomes the note …)
    \t\t\t\t- passage                      (… of this child, the highlight)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hlkb.parse.blocks import SUBLINE, Body, RawHighlight, parse_tags
from hlkb.parse.inline import plain_text
from hlkb.parse.locations import has_highlight_link

PROPERTY = re.compile(r"^(?P<key>[A-Za-z][\w-]*)::(?:[ \t]+(?P<value>.*?))?[ \t]*$")
_NODE = re.compile(r"^(?P<indent>[\t ]*)-(?:[ \t]+(?P<text>.*))?$")
_BLOCK_PROPERTY = re.compile(r"^[ \t]*(?:collapsed|id|heading|background-color|hl-[\w-]+)::", re.IGNORECASE)
_CONTAINER = re.compile(r"^(?:highlights first synced by|new highlights added)\b", re.IGNORECASE)
_FLASHCARD = re.compile(r"[ \t]*#(?:flashcard|card)\b", re.IGNORECASE)


_SYNC_PARENT = re.compile(r"^- (?:Highlights first synced by|New highlights added) .*\n[\t ]+- ", re.MULTILINE)


def looks_like_logseq(lines: list[str], start_line: int) -> bool:
    """A body whose first non-blank line is a ``key:: value`` page property, or a page
    without properties whose outline hangs under a Readwise sync bullet."""
    for idx in range(start_line - 1, len(lines)):
        text = lines[idx]
        if text.strip():
            if PROPERTY.match(text):
                return True
            break
    body = "\n".join(lines[start_line - 1:])
    # The substrings every _SYNC_PARENT match holds: most notes need no regex scan.
    if "- Highlights first synced by " not in body and "- New highlights added " not in body:
        return False
    return bool(_SYNC_PARENT.search(body))


@dataclass
class _Node:
    line: int
    width: int
    lines: list[str]
    end_line: int
    text_end_line: int
    children: list["_Node"] = field(default_factory=list)

    @property
    def head(self) -> str:
        return self.lines[0].strip() if self.lines else ""

    def subtree_end(self) -> int:
        return max([self.end_line] + [c.subtree_end() for c in self.children])


def _width(indent: str) -> int:
    return len(indent.expandtabs(4))


def _outline(entries: list[tuple[int, str]]) -> list[_Node]:
    roots: list[_Node] = []
    stack: list[_Node] = []
    last: _Node | None = None
    for ln, text in entries:
        m = _NODE.match(text)
        if m:
            node = _Node(line=ln, width=_width(m.group("indent")), lines=[m.group("text") or ""],
                         end_line=ln, text_end_line=ln)
            while stack and stack[-1].width >= node.width:
                stack.pop()
            (stack[-1].children if stack else roots).append(node)
            stack.append(node)
            last = node
            continue
        if last is None:
            continue
        if not text.strip():
            last.lines.append("")
            continue
        if _BLOCK_PROPERTY.match(text):
            last.end_line = ln
            continue
        # continuation: the node's own indentation, then two spaces
        stripped = text.lstrip("\t")
        stripped = stripped[2:] if stripped.startswith("  ") else stripped.lstrip(" ")
        last.lines.append(stripped)
        last.end_line = last.text_end_line = ln
    return roots


def _trimmed(lines: list[str]) -> list[str]:
    out = list(lines)
    while out and not out[-1].strip():
        out.pop()
    return out


def _is_subline(node: _Node) -> re.Match | None:
    return SUBLINE.match(node.head) if node.head else None


def _highlight(node: _Node, section: str | None) -> RawHighlight:
    raw = RawHighlight(line=node.line, lines=_trimmed(node.lines) or [""], text_end_line=node.text_end_line,
                       end_line=node.subtree_end(), section=section)
    for child in node.children:
        m = _is_subline(child)
        if not m:
            continue   # deeper outline under a highlight: kept in note.text, not a highlight
        if m.group("key").lower() == "note":
            raw.note_lines.extend([m.group("value")] + [ln for ln in child.lines[1:]])
            raw.note_line = raw.note_line or child.line
        else:
            raw.tags.extend(parse_tags(m.group("value")))
            raw.tags_line = raw.tags_line or child.line
    return raw


def _walk(nodes: list[_Node], section: str | None, out: list[RawHighlight]) -> None:
    for node in nodes:
        head = node.head
        content_children = [c for c in node.children if not _is_subline(c)]
        if _CONTAINER.match(head) or head in ("", "-"):
            _walk(node.children, section, out)
            continue
        if _is_subline(node):
            continue   # a Note with no highlight above it at this level
        if _FLASHCARD.search(head) and content_children:
            question = _FLASHCARD.sub("", "\n".join(_trimmed(node.lines))).strip()
            for child in content_children:
                raw = _highlight(child, section)
                if question:
                    raw.note_lines = [question] + (["", *raw.note_lines] if raw.note_lines else [])
                    raw.note_line = node.line
                    raw.note_is_question = True
                out.append(raw)
            continue
        has_link = has_highlight_link(head) or has_highlight_link(node.lines[-1] if node.lines else "")
        if content_children and not has_link:
            _walk(node.children, plain_text(head) or section, out)   # a chapter parent
            continue
        out.append(_highlight(node, section))
        if content_children:
            _walk(content_children, section, out)


def read_logseq(lines: list[str], start_line: int) -> Body:
    body = Body(format="logseq", body_start=start_line)
    idx = start_line - 1
    while idx < len(lines):
        text = lines[idx]
        if not text.strip():
            idx += 1
            continue
        m = PROPERTY.match(text)
        if not m:
            break
        key = m.group("key")
        if key not in body.properties:
            body.properties[key] = m.group("value") or ""
            body.property_lines[key] = idx + 1
        idx += 1
    entries = [(i + 1, lines[i]) for i in range(idx, len(lines))]
    _walk(_outline(entries), None, body.highlights)
    return body
