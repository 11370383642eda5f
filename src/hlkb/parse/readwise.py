"""Markdown notes: the Readwise v2 template and its many customisations, plain Markdown.

Reads a note body line by line with a small state machine:

- ``preamble``: the title (``# H1``, setext, ``## X (Highlights)``), cover images, and
  legacy ``%%`` blocks; bullets here are highlights only when the note has no Highlights
  heading but does carry highlight links (custom templates that go straight to bullets).
- ``metadata``: ``## Metadata`` / ``### Metadata`` / ``# About`` fields (bulleted, plain,
  dataview ``Key::`` or bold ``**Key:**``); non-field lines spill into the previous field
  (long summaries).
- ``highlights``: under ``## Highlights``, ``# Highlights``, ``## New highlights added …``;
  other headings here are sections (chapters), ``### Location 343`` headings locate the
  quote below them. Bullets, ``>`` quotes and callouts start highlights; indented lines
  continue them or are ``Note:``/``Tags:`` sublines; stray ``1`` lines and lone ``-`` are
  template furniture. Legacy notes (``---``-separated paragraphs) go to legacy.ChunkReader.
"""

from __future__ import annotations

import re

from hlkb.parse import legacy
from hlkb.parse.blocks import SUBLINE, Body, RawHighlight, parse_tags
from hlkb.parse.inline import plain_text
from hlkb.parse.locations import has_highlight_link, location_value
from hlkb.model import Location

# Headings start at column 0: an indented "# …" is a continuation line (shell comments in code).
HEADING = re.compile(r"^(?P<hashes>#{1,6})(?:[ \t]+(?P<text>.*?))?[ \t]*$")
CODE_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
SETEXT = re.compile(r"^ {0,3}=+[ \t]*$")
BULLET = re.compile(r"^(?P<marker>[-*+])(?:[ \t]+(?P<text>.*))?$")
QUOTE = re.compile(r"^ {0,3}>[ \t]?(?P<text>.*)$")
CALLOUT_HEADER = re.compile(r"^\[![\w-]+\][+-]?")
STRAY_NUMBER = re.compile(r"^[ \t]*\d{1,3}[ \t]*$")
BLOCK_ID_LINE = re.compile(r"^[ \t]*\^[A-Za-z0-9][\w-]*[ \t]*$")
COMMENT_LINE = re.compile(r"^[ \t]*%%.*%%[ \t]*$")
# "…577))# Title": a re-sync glued onto the last highlight line.
GLUED_HEADING = re.compile(r"^(?P<before>.*\)\))(?P<heading>#{1,2} \S.*)$")
LOCATION_HEADING = re.compile(r"^(?:Location|Page|Time|Loc\.?)[ \t\u00a0]+[0-9][0-9:,.\-]*$", re.IGNORECASE)
_META_FIELD = re.compile(
    r"^[ \t]*(?P<bullet>[-*+][ \t]+)?(?:\*\*(?P<bk>[^*:\n]{1,40}?)(?::\*\*|\*\*[ \t]*::?)"
    r"|(?P<k>[^:*\[\]#!>\n]{1,40}?)[ \t]*::?)(?:[ \t]+|$)(?P<v>.*?)[ \t]*$")
_HIGHLIGHT_HEADINGS = re.compile(r"^(?:highlights?\b.*|new highlights added\b.*|highlights first synced\b.*)$", re.IGNORECASE)
_TITLE_HIGHLIGHTS = re.compile(r"^(?P<title>.+?)\s*\(highlights\)\s*$", re.IGNORECASE)
# The legacy template: its "# About" heading, or a "%%" block whose first line is "ID: …".
_ABOUT_HEADING = re.compile(r"^#[ \t]+About[ \t]*$")
_ID_LINE = re.compile(r"^ID:")


def _entries(lines: list[str], start_line: int) -> list[tuple[int, str]]:
    out = []
    for idx in range(start_line - 1, len(lines)):
        text = lines[idx]
        m = GLUED_HEADING.match(text) if "))#" in text else None
        if m:
            out.append((idx + 1, m.group("before")))
            out.append((idx + 1, m.group("heading")))
        else:
            out.append((idx + 1, text))
    return out


def _has_link(text: str) -> bool:
    return has_highlight_link(text)


def _strip_indent(text: str, width: int = 2) -> str:
    if text.startswith("\t"):
        return text[1:]
    n = 0
    while n < width and n < len(text) and text[n] == " ":
        n += 1
    return text[n:]


class _State:
    def __init__(self, body: Body, legacy_mode: bool, implicit: bool):
        self.body = body
        self.mode = "preamble"
        self.section: str | None = None
        self.cur: RawHighlight | None = None
        self.cur_is_quote = False
        self.sub: str | None = None
        self.sub_indent = 0
        self.blank = False
        self.pending_location: Location | None = None
        self.legacy_mode = legacy_mode
        self.implicit = implicit
        self.chunks = legacy.ChunkReader(body.highlights)
        self.last_meta_key: str | None = None
        self.seen_highlights_heading = False

    # -- highlight lifecycle -------------------------------------------------------------
    def close(self) -> None:
        self.cur = None
        self.cur_is_quote = False
        self.sub = None
        self.blank = False

    def start(self, ln: int, text: str, quote: bool = False) -> None:
        self.cur = RawHighlight(line=ln, lines=[text], text_end_line=ln, end_line=ln,
                                section=self.section, location=self.pending_location)
        self.pending_location = None
        self.cur_is_quote = quote
        self.sub = None
        self.blank = False
        self.body.highlights.append(self.cur)

    # -- headings --------------------------------------------------------------------------
    def heading(self, level: int, text: str) -> None:
        if self.legacy_mode and self.mode == "highlights":
            self.chunks.flush(self.section)
        self.close()
        key = text.strip().lower()
        if key in ("metadata", "about"):
            self.mode = "metadata"
            self.last_meta_key = None
            return
        if _HIGHLIGHT_HEADINGS.match(key):
            self.mode = "highlights"
            self.seen_highlights_heading = True
            self.section = None
            return
        m = _TITLE_HIGHLIGHTS.match(text)
        if m and self.body.title is None:
            self.body.title = plain_text(m.group("title"))
            self.mode = "preamble"
            return
        if key == "full document":
            self.mode = "other"
            return
        if self.mode == "highlights" or (self.mode == "preamble" and self.implicit and self.body.title is not None):
            if LOCATION_HEADING.match(text.strip()):
                label = " ".join(text.replace("\u00a0", " ").split())
                self.pending_location = Location(label=label, url=None, value=location_value(label))
                return
            plain = plain_text(text)
            if level == 1 and self.body.title and plain == self.body.title:
                # the whole note again (duplicated export): back to its preamble
                self.mode = "preamble"
                self.section = None
                return
            self.section = plain or None
            return
        if level == 1 and self.body.title is None:
            self.body.title = plain_text(text) or None
            self.mode = "preamble"
            return
        if self.mode == "metadata":
            self.mode = "preamble"

    # -- metadata --------------------------------------------------------------------------
    def metadata_line(self, ln: int, text: str) -> bool:
        """Read a field line; False when the line is not metadata (the caller re-reads it)."""
        if not text.strip():
            return True
        m = _META_FIELD.match(text)
        key = None
        if m:
            key = (m.group("bk") or m.group("k") or "").strip()
            if len(key.split()) > 5 or not key:
                key = None
        if key is not None:
            value = m.group("v")
            if key in self.body.metadata:   # keep the first; later duplicates are numbered
                n = 2
                while f"{key} ({n})" in self.body.metadata:
                    n += 1
                key = f"{key} ({n})"
            self.body.metadata[key] = value
            self.body.metadata_lines[key] = ln
            self.last_meta_key = key
            return True
        if BULLET.match(text) and _has_link(text):
            return False          # highlights straight after the metadata, no heading
        if self.last_meta_key is not None:
            prev = self.body.metadata[self.last_meta_key]
            self.body.metadata[self.last_meta_key] = (prev + "\n" + text.strip()) if prev else text.strip()
        return True

    # -- highlights --------------------------------------------------------------------------
    def highlight_line(self, ln: int, text: str) -> None:
        if self.legacy_mode:
            self.chunks.feed(ln, text, self.section)
            return
        stripped = text.strip()
        if not stripped:
            if self.cur is not None:
                self.blank = True
            return
        indented = text[0] in " \t"
        if not indented:
            b = BULLET.match(text)
            if b:
                body = b.group("text") or ""
                if not body.strip() or body.strip() == "-":
                    self.close()          # "-" / "- -" placeholders
                    return
                if self.cur is not None and body.lstrip().startswith(("**", "__")):
                    sm = SUBLINE.match(body)
                    if sm:
                        self._subline(ln, sm, 0)   # "- **Note:** …" written as its own bullet
                        return
                self.start(ln, body)
                return
            q = QUOTE.match(text)
            if q:
                inner = q.group("text")
                if CALLOUT_HEADER.match(inner.strip()):
                    self.close()     # "> [!quote] title" is furniture; the quote starts below it
                    return
                if self.cur is not None and self.cur_is_quote and not self.blank:
                    self.cur.add_text(inner, ln)
                else:
                    self.start(ln, inner, quote=True)
                return
            if STRAY_NUMBER.match(text):
                self.close()
                return
            if (BLOCK_ID_LINE.match(text) or COMMENT_LINE.match(text)) and self.cur is not None:
                self.cur.add_text(stripped, ln)
                return
            if self.cur is not None and not self.blank:
                if self.sub == "note":          # lazy continuation of a Note subline
                    self.cur.note_lines.append(stripped)
                    self.cur.end_line = ln
                elif self.sub is None:
                    self.cur.add_text(text, ln)     # lazy continuation of the highlight
                return
            if _has_link(text):
                self.start(ln, text)            # an unbulleted highlight paragraph
                return
            if self.cur is not None:
                if self.blank:
                    self.cur.add_text("", ln - 1)
                self.cur.add_text(text, ln)     # kept as text of the nearest highlight
                self.blank = False
            return
        # indented line
        if self.cur is None:
            return
        indent = len(text) - len(text.lstrip(" \t"))
        sm = SUBLINE.match(text)
        if sm and indent >= 2 and (text.lstrip()[:1] in "-*+" or text.lstrip().startswith(("**", "__"))):
            self._subline(ln, sm, indent)
            return
        if self.sub == "note" and indent > self.sub_indent:
            self.cur.note_lines.append(text.strip())
            self.cur.end_line = ln
            return
        if self.sub == "tags" and indent > self.sub_indent:
            self.cur.tags.extend(parse_tags(text))
            self.cur.end_line = ln
            return
        if self.blank:
            self.cur.add_text("", ln - 1)
            self.blank = False
        self.cur.add_text(_strip_indent(text), ln)

    def _subline(self, ln: int, m: re.Match, indent: int) -> None:
        key = m.group("key").lower()
        value = m.group("value")
        cur = self.cur
        if key == "note":
            if cur.note_line is None:
                cur.note_lines, cur.note_line = [value], ln
            else:
                cur.note_lines.append(value)
        else:
            cur.tags.extend(t for t in parse_tags(value) if t not in cur.tags)
            if cur.tags_line is None:
                cur.tags_line = ln
        cur.end_line = ln
        self.sub = key
        self.sub_indent = indent
        self.blank = False


def _rule_separated_highlights(texts: list[str]) -> bool:
    """Legacy highlights without the ``# About`` block: ``---`` rules between paragraphs
    under the Highlights heading, and no bullets there."""
    rules = bullets = 0
    inside = False
    for t in texts:
        hm = HEADING.match(t) if t.startswith("#") else None
        if hm:
            inside = bool(_HIGHLIGHT_HEADINGS.match((hm.group("text") or "").strip())) or (inside and len(hm.group("hashes")) > 2)
            continue
        if inside:
            if legacy.HR.match(t):
                rules += 1
            elif BULLET.match(t):
                bullets += 1
    return rules > 0 and bullets == 0


def read_markdown(lines: list[str], start_line: int) -> Body:
    entries = _entries(lines, start_line)
    texts = [t for _, t in entries]
    has_hl_heading = any((m := HEADING.match(t)) and _HIGHLIGHT_HEADINGS.match((m.group("text") or "").strip())
                         for t in texts if t.startswith("#"))
    # (the startswith/"in" tests only skip regex calls that cannot match)
    is_legacy = any(t.startswith("#") and _ABOUT_HEADING.match(t) for t in texts) or any(
        "%%" in t and legacy.COMMENT_FENCE.match(t) and i + 1 < len(texts) and _ID_LINE.match(texts[i + 1])
        for i, t in enumerate(texts))
    if not is_legacy and has_hl_heading:
        is_legacy = _rule_separated_highlights(texts)
    implicit = not has_hl_heading and any(BULLET.match(t) and _has_link(t) for t in texts)
    body = Body(body_start=start_line)
    state = _State(body, legacy_mode=is_legacy, implicit=implicit)
    prev_text = ""
    fence: str | None = None     # inside a ``` / ~~~ code block "# x" is not a heading
    i = 0
    while i < len(entries):
        ln, text = entries[i]
        fm = CODE_FENCE.match(text)
        if fm:
            if fence is None:
                fence = fm.group(1)[0] * 3
            elif fm.group(1).startswith(fence):
                fence = None
        elif state.mode == "preamble" and fence is None and legacy.COMMENT_FENCE.match(text):
            i = legacy.read_comment_block(entries, i, body.metadata, body.metadata_lines)
            continue
        hm = HEADING.match(text) if fence is None and text.startswith("#") else None
        if hm and (hm.group("text") or "").strip():
            state.heading(len(hm.group("hashes")), hm.group("text"))
            if state.body.title is not None and body.title_line is None:
                body.title_line = ln
        elif state.mode == "metadata":
            if not state.metadata_line(ln, text):
                state.mode = "highlights"
                continue
        elif state.mode == "highlights":
            state.highlight_line(ln, text)
        elif state.mode == "preamble":
            if SETEXT.match(text) and prev_text.strip() and body.title is None:
                body.title = plain_text(prev_text) or None
                body.title_line = ln - 1
            elif implicit and (BULLET.match(text) or state.cur is not None):
                state.highlight_line(ln, text)
        prev_text = text
        i += 1
    if is_legacy:
        state.chunks.flush(state.section)
    if is_legacy:
        body.format = "readwise-legacy"
    elif body.highlights or body.metadata or has_hl_heading:
        body.format = "readwise"
    return body
