"""What the format readers hand to the note assembler: highlights before plain text and ids.

Each reader (readwise.py, legacy.py, logseq.py) fills a ``Body``; core.py turns its raw
highlights into model Highlights (location link, Readwise id, plain text, ids) the same
way for every format, so those rules live in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hlkb.model import Location, TagSlot

# Tags written as "[[tag with spaces]]", "#tag", "#[[tag with spaces]]" or bare words.
# An apostrophe inside a bare word belongs to it (Logseq "tags:: O'Reilly-Learning").
_TAG = re.compile(r"#?\[\[([^\[\]]+)\]\]|#?([^\s#\[\]()\"',;]+(?:['\u2019][^\s#\[\]()\"',;]+)*)")
# A Note/Tags subline: "- Note: x", "- **Note:** x", "- **Note**: x", "tags: #x" (any case).
SUBLINE = re.compile(
    r"^(?P<indent>[ \t]*)(?:[-*+][ \t]+)?(?:\*\*|__)?(?P<key>note|tags)(?:(?:\*\*|__)[ \t]*:|:[ \t]*(?:\*\*|__)?)[ \t]*(?P<value>.*)$",
    re.IGNORECASE,
)
# A Readwise heading marker in a note: ".h1" ... ".h6" (also bold).
HEADING_MARKER = re.compile(r"^\s*(?:\*\*)?\.h[1-6](?:\*\*)?\s*$", re.IGNORECASE)


def parse_tags(value: str) -> list[str]:
    """``[[a]] [[b c]] #d e, f`` -> ["a", "b c", "d", "e", "f"] (order kept, no repeats)."""
    tags: list[str] = []
    for a, b in _TAG.findall(value or ""):
        tag = (a or b).strip()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


@dataclass
class RawHighlight:
    line: int  # first line of the highlight text
    lines: list[str]  # text lines as written, marker and indentation removed
    text_end_line: int
    end_line: int
    note_lines: list[str] = field(default_factory=list)
    note_line: int | None = None
    tags: list[str] = field(default_factory=list)
    tags_line: int | None = None
    section: str | None = None
    color: str | None = None
    location: Location | None = None  # from a "### Location 343" heading above a quote
    note_is_question: bool = False  # Logseq flashcard: the question is kept as the note
    layout: str | None = None  # the unit kind (layout.py): item, quote, chunk, heading, …
    tag_slot: TagSlot | None = None  # where a new tag would be written
    trailer_lines: list[str] = field(default_factory=list)  # "^rwID-1" / "%% Color %%" lines after its fields
    text_field_line: int | None = None  # a "Highlight:: text" field, when the template put the text in one
    text_field_lines: list[str] = field(default_factory=list)

    def add_text(self, text: str, line: int) -> None:
        self.lines.append(text)
        self.text_end_line = line
        self.end_line = max(self.end_line, line)

    @property
    def note(self) -> str | None:
        if not self.note_lines:
            return None
        lines = [ln.rstrip() for ln in self.note_lines]
        while lines and not lines[-1].strip():
            lines.pop()
        text = "\n".join(lines).strip()
        return text or None


@dataclass
class Body:
    """What a reader found below the front matter."""

    format: str = "markdown"
    title: str | None = None
    title_line: int | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    metadata_lines: dict[str, int] = field(default_factory=dict)
    properties: dict[str, str] = field(default_factory=dict)  # Logseq page properties
    property_lines: dict[str, int] = field(default_factory=dict)
    highlights: list[RawHighlight] = field(default_factory=list)
    body_start: int = 1  # first line of the body proper
    layout: str = "none"  # layout.Layout.name

    def add_metadata(self, key: str, value: str, ln: int) -> str:
        """Record a metadata field; a key seen before becomes ``key (2)``, ``key (3)``…
        (two "Source" lines both kept). Returns the key it was stored under."""
        if key in self.metadata:
            n = 2
            while f"{key} ({n})" in self.metadata:
                n += 1
            key = f"{key} ({n})"
        self.metadata[key] = value
        self.metadata_lines[key] = ln
        return key
