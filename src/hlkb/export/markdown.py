"""A readable Markdown digest: one section a note (title, author, link), then its highlights.

Records arrive in file order (a note record, then its highlights, pairs, claims), or ranked
for a query; a new section starts whenever the note changes. When a highlight's note record
is not in the stream (``--kind highlight``), ``lookup(note_id)`` supplies it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TextIO

_ESCAPE = re.compile(r"([\\`*_\[\]<>#|])")


def escape_inline(text: str | None) -> str:
    """Note metadata shown as text, not as Markdown or HTML."""
    return _ESCAPE.sub(r"\\\1", " ".join((text or "").split()))


def _block(text: str, first: str, rest: str) -> str:
    lines = (text or "").strip("\n").split("\n")
    return "\n".join([first + lines[0]] + [(rest + ln) if ln.strip() else rest.rstrip() for ln in lines[1:]])


class MarkdownDigest:
    def __init__(self, out: TextIO, lookup: Callable[[str], dict | None] | None = None):
        self.out = out
        self.lookup = lookup
        self.current: str | None = None
        self.sections = 0

    def _start(self, note_id: str, note: dict | None, path: str | None) -> None:
        self.current = note_id
        out = self.out
        self.sections += 1
        title = (note or {}).get("title") or (path or note_id)
        out.write(f"## {escape_inline(title)}\n\n")
        facts = []
        if note and note.get("author"):
            facts.append(f"- Author: {escape_inline(note['author'])}")
        if note and note.get("category"):
            facts.append(f"- Category: {escape_inline(note['category'])}")
        url = (note or {}).get("url")
        if url:
            facts.append(f"- Link: <{url.replace('>', '%3E').replace(' ', '%20')}>")
        if note and note.get("tags"):
            facts.append("- Tags: " + ", ".join(escape_inline(t) for t in note["tags"]))
        facts.append(f"- File: `{(path or (note or {}).get('path') or '').replace('`', '')}`")
        out.write("\n".join(facts) + "\n\n")

    def add(self, record: dict) -> None:
        kind = record.get("kind")
        if kind == "note":
            if record["id"] != self.current:
                self._start(record["id"], record, record.get("path"))
            return
        if kind not in ("highlight", "pair", "claim"):
            return  # diagnostics and unknown kinds have no place in a reading digest
        note_id = record.get("note_id")
        if note_id != self.current:
            note = self.lookup(note_id) if self.lookup and note_id else None
            self._start(note_id, note, record.get("path"))
        if kind == "highlight":
            self._highlight(record)
        elif kind == "pair":
            self._pair(record)
        elif kind == "claim":
            self._claim(record)

    def _highlight(self, h: dict) -> None:
        out = self.out
        out.write(_block(h.get("markdown") or h.get("text") or "", "> ", "> ") + "\n")
        extras = []
        location = h.get("location")
        if location and location.get("label"):
            label = escape_inline(location["label"])
            extras.append(f"[{label}]({location['url']})" if location.get("url") else label)
        if h.get("tags"):
            extras.append("Tags: " + ", ".join(f"#{t}" for t in h["tags"]))
        if extras:
            out.write(">\n> — " + " · ".join(extras) + "\n")
        if h.get("note"):
            out.write("\n" + _block(h["note"], "**Note:** ", "") + "\n")
        out.write("\n")

    def _pair(self, p: dict) -> None:
        en = "\n\n".join(p.get("en") or [])
        zh = "\n\n".join(p.get("zh") or [])
        self.out.write(_block(en, "> ", "> ") + "\n>\n" + _block(zh, "> ", "> ") + "\n\n")

    def _claim(self, c: dict) -> None:
        who = f" — {escape_inline(c['attribution'])}" if c.get("attribution") else ""
        check = f" ({c['check']})" if c.get("check") and c["check"] != "unverified" else ""
        self.out.write(f"- Claim: {escape_inline(c.get('text'))}{who}{check}\n\n")


def write_markdown(records: Iterable[dict], out: TextIO, lookup: Callable[[str], dict | None] | None = None) -> int:
    digest = MarkdownDigest(out, lookup)
    count = 0
    for record in records:
        digest.add(record)
        count += 1
    if not count:
        out.write("_No records._\n")
    return count
