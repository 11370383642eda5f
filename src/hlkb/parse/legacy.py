"""The legacy (2020-21) Readwise template.

::

    %%
    ID: 2756788
    Updated: 2020-06-11
    %%
    # About
    Title: [[…]]            (plain "Key: value" fields, read like ## Metadata)
    # Highlights
    text ([165](…location=165)) %% Color: yellow %% ^61947227
    ---
    next highlight …

Highlights are paragraphs separated by ``---`` lines; a chunk may carry ``Note:`` /
``**Note:**`` and ``Tags:`` lines. Colors and ``^id`` block ids are read by core.py for
every format.
"""

from __future__ import annotations

import re

from hlkb.parse.blocks import SUBLINE, RawHighlight, parse_tags

HR = re.compile(r"^[ \t]*(?:-[ \t]*){3,}$|^[ \t]*(?:\*[ \t]*){3,}$|^[ \t]*(?:_[ \t]*){3,}$")
COMMENT_FENCE = re.compile(r"^[ \t]*%%[ \t]*$")
_KEY_VALUE = re.compile(r"^[ \t]*(?P<k>[A-Za-z][\w .-]{0,40}?)[ \t]*:[ \t]*(?P<v>.*?)[ \t]*$")
_BULLET = re.compile(r"^[-*+][ \t]+")


def read_comment_block(entries, start: int, metadata: dict, metadata_lines: dict) -> int:
    """Read a ``%%`` … ``%%`` block of ``Key: value`` lines; returns the index after it."""
    i = start + 1
    while i < len(entries):
        ln, text = entries[i]
        if COMMENT_FENCE.match(text):
            return i + 1
        m = _KEY_VALUE.match(text)
        if m and m.group("k") not in metadata:
            metadata[m.group("k").strip()] = m.group("v")
            metadata_lines[m.group("k").strip()] = ln
        i += 1
    return i


class ChunkReader:
    """Collects ``---``-separated highlight paragraphs of a legacy Highlights section."""

    def __init__(self, out: list[RawHighlight]):
        self.out = out
        self.chunk: list[tuple[int, str]] = []

    def feed(self, ln: int, text: str, section: str | None) -> None:
        if HR.match(text):
            self.flush(section)
        else:
            self.chunk.append((ln, text))

    def flush(self, section: str | None) -> None:
        chunk, self.chunk = self.chunk, []
        while chunk and not chunk[0][1].strip():
            chunk.pop(0)
        while chunk and not chunk[-1][1].strip():
            chunk.pop()
        if not chunk:
            return
        first_ln, first = chunk[0]
        raw = RawHighlight(line=first_ln, lines=[_BULLET.sub("", first, count=1)],
                           text_end_line=first_ln, end_line=first_ln, section=section)
        in_note = False
        for ln, text in chunk[1:]:
            m = SUBLINE.match(text)
            if m:
                key = m.group("key").lower()
                if key == "note":
                    raw.note_lines, raw.note_line, in_note = [m.group("value")], ln, True
                else:
                    raw.tags, raw.tags_line, in_note = parse_tags(m.group("value")), ln, False
                raw.end_line = ln
            elif in_note:
                raw.note_lines.append(text.strip())
                raw.end_line = ln
            else:
                raw.add_text(text, ln)
        self.out.append(raw)
