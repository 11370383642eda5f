"""Parsing a note file into a Note: dispatch by format, note fields, highlights and ids.

Format readers (readwise.py for Markdown and the Readwise templates, legacy.py for the
2020-21 template, logseq.py for Logseq pages) return a ``Body`` of raw highlights; the
rules every format shares live here: the location link, Readwise ids from links and
``^block`` ids, colors, trailing inline ``#tags``, plain text, heading highlights
(``.h1`` notes) and id assignment.
"""

from __future__ import annotations

import re
from pathlib import Path

from hlkb import frontmatter
from hlkb.model import Diagnostic, Highlight, Note, highlight_id_for, note_id_for
from hlkb.parse import fields
from hlkb.parse.blocks import HEADING_MARKER, Body, RawHighlight, parse_tags
from hlkb.parse.inline import plain_text
from hlkb.parse.lang import detect_lang
from hlkb.parse.locations import readwise_id_from_url, split_location
from hlkb.parse.logseq import looks_like_logseq, read_logseq
from hlkb.parse.readwise import read_markdown
from hlkb.textio import read_text

_COLOR = re.compile(r"[ \t]*%%[ \t]*Colou?r:[ \t]*(?P<color>[\w-]+)[ \t]*%%", re.IGNORECASE)
_BLOCK_ID = re.compile(r"(?:^|\s)\^(?P<id>[A-Za-z0-9][\w-]*)[ \t]*$")
_READWISE_BLOCK_ID = re.compile(r"^(?:rw(?:ID-)?(?P<rw>\d+)|(?P<num>\d{5,}))$", re.IGNORECASE)
# One "#tag" / "#[[tag]]" at the very end; tags are peeled off one at a time from the end
# (a single regex over "#a #b … #z text" backtracks quadratically).
_LAST_TAG = re.compile(r"[ \t]+#(?P<tag>\[\[[^\[\]\n]{1,200}\]\]|[^\s#()\[\]]{1,200})[ \t]*$")
_QUOTE_PREFIX = re.compile(r"^[ \t]*>[ \t]?", re.MULTILINE)
_BOOKREVIEW = re.compile(r"readwise\.io/bookreview/(\d+)")
_IMAGE_ONLY = re.compile(r"^!\[[^\]]*\]\((?P<url>[^)\s]+)\)$")
# Lines of the body that give the note's language (a sample keeps huge notes cheap).
_LANG_SAMPLE = 20000


def parse_file(path, display_path=None, strict=True) -> Note:
    shown = display_path or str(path)
    decoded = read_text(path, shown)
    note = parse_text(decoded.text, shown, strict=strict, file_name=Path(path).name)
    note.encoding = decoded.encoding
    return note


def parse_text(text: str, path: str = "<string>", strict: bool = True, file_name: str | None = None) -> Note:
    """Parse a note's decoded text (newlines already ``\\n``).

    strict=False: front-matter errors become ``note.warnings`` and the note is read as if
    it had no front matter; strict=True raises FrontMatterError.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    warnings: list[Diagnostic] = []
    try:
        fm = frontmatter.parse(text, path)
    except frontmatter.FrontMatterError as exc:
        if strict:
            raise
        warnings.append(Diagnostic(path, exc.line or 1, exc.column or 1, exc.code, "error", exc.message))
        fm = frontmatter.FrontMatter()
    data = fm.data
    if fm.present and data is not None and not isinstance(data, dict):
        warnings.append(Diagnostic(path, fm.first_yaml_line, 1, "front-matter-not-mapping", "warning",
                                   f"front matter is a {type(data).__name__}, not a mapping of keys; ignored"))
    if not isinstance(data, dict):
        data = {}
    lines = text.split("\n")
    body_line = fm.body_line if fm.present else 1
    if looks_like_logseq(lines, body_line):
        body = read_logseq(lines, body_line)
    else:
        body = read_markdown(lines, body_line)
    note = _assemble_note(body, data, fm, text, path, file_name, warnings)
    note.highlights = _build_highlights(body.highlights, note, path)
    start = fm.body_offset if fm.present else 0
    note.lang = detect_lang(text[start:start + _LANG_SAMPLE])
    return note


# -- note fields ------------------------------------------------------------------------

def _assemble_note(body: Body, data: dict, fm, text: str, path: str, file_name: str | None,
                   warnings: list[Diagnostic]) -> Note:
    meta = body.metadata
    props = body.properties
    logseq = body.format == "logseq"
    front = dict(props) if logseq else data
    title = (fields.clean_title(fields.get_ci(data, "title"))
             or (fields.clean_title(props.get("title")) if logseq else None)
             or (fields.clean_title(props.get("full-title", "").strip('"')) if logseq else None)
             or body.title
             or fields.clean_title(fields.get_ci(meta, "Full Title", "Title"))
             or fields.title_from_file_name(file_name or (path if path != "<string>" else None)))
    author = (fields.as_text(fields.get_ci(meta, "Author", "Authors"))
              or fields.as_text(fields.get_ci(front, "author", "authors", "creator")))
    category = (fields.clean_category(fields.get_ci(meta, "Category"))
                or fields.clean_category(fields.get_ci(front, "category", "type")))
    url = (fields.as_text(fields.get_ci(meta, "URL", "Source URL"))
           or fields.as_text(fields.get_ci(front, "url", "source_url", "link")))
    if logseq:
        tags = parse_tags(props.get("tags", "")) if props.get("tags") else []
    else:
        tags = fields.front_matter_tags(fields.get_ci(data, "tags", "tag"))
    doc_tags_raw = fields.get_ci(meta, "Document Tags")
    summary = fields.get_ci(meta, "Summary") or (fields.as_text(fields.get_ci(front, "summary")))
    note = Note(
        id="",
        path=path,
        title=title,
        author=author or None,
        category=category,
        url=url or None,
        tags=tags,
        front_matter=front,
        metadata=dict(meta),
        summary=summary.strip() if isinstance(summary, str) and summary.strip() else None,
        document_tags=parse_tags(doc_tags_raw) if isinstance(doc_tags_raw, str) else [],
        format=body.format,
        text=text,
        front_matter_lines=dict(body.property_lines) if logseq else dict(fm.key_lines),
        body_line=fm.body_line if fm.present else 1,
        warnings=warnings,
        date=fields.note_date(front, meta),
    )
    note.id = note_id_for(_note_key(note, meta, file_name, path))
    return note


def _note_key(note: Note, meta: dict, file_name: str | None, path: str) -> str:
    """What identifies the document across moves and renames, most specific first."""
    book_id = fields.get_ci(meta, "ID")
    if not book_id:
        m = _BOOKREVIEW.search(str(fields.get_ci(meta, "Readwise URL") or ""))
        book_id = m.group(1) if m else None
    if book_id and str(book_id).strip().isdigit():
        return f"readwise-book:{str(book_id).strip()}"
    if note.url:
        return f"url:{note.url.strip()}"
    stem = fields.title_from_file_name(file_name or path)
    if note.title and note.title != stem:
        return f"title:{note.title}|{note.author or ''}"
    return f"file:{stem or path}"


# -- highlights ---------------------------------------------------------------------------

def _apply_heading_markers(raws: list[RawHighlight]) -> list[tuple[RawHighlight, str | None]]:
    """Readwise heading highlights (note ".h1"…".h6") become the section of what follows.

    Returns the other highlights with their note (``raw.note``, computed once here)."""
    out: list[tuple[RawHighlight, str | None]] = []
    override: str | None = None
    original = object()
    for raw in raws:
        if raw.section != original:
            original, override = raw.section, None
        note = raw.note
        if note and HEADING_MARKER.match(note):
            override = plain_text(split_location("\n".join(raw.lines))[0]) or override
            continue
        if override:
            raw.section = override
        out.append((raw, note))
    return out


def _without_blank_ends(lines: list[str]) -> list[str]:
    """``lines`` without blank lines at either end (the same list when there are none)."""
    if lines and lines[0].strip() and lines[-1].strip():
        return lines
    lines = list(lines)
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return lines


def _build_highlights(raws: list[RawHighlight], note: Note, path: str) -> list[Highlight]:
    highlights: list[Highlight] = []
    used: set[str] = set()
    occurrences: dict[str, int] = {}
    for raw, raw_note in _apply_heading_markers(raws):
        lines = _without_blank_ends(raw.lines)
        if not lines:
            continue
        if len(lines) == 1:
            markdown = lines[0].rstrip()
        else:
            markdown = "\n".join(line.rstrip() for line in lines)
        work = markdown
        color = raw.color
        m = _COLOR.search(work) if "%%" in work else None     # the substring tests skip
        if m:                                                  # regex scans that cannot match
            color = m.group("color").lower()
            work = _COLOR.sub("", work)
        block_rid = None
        m = _BLOCK_ID.search(work) if "^" in work else None
        if m:
            bm = _READWISE_BLOCK_ID.match(m.group("id"))
            if bm:
                block_rid = bm.group("rw") or bm.group("num")
            work = work[: m.start()]
        work = work.rstrip()
        inline_tags: list[str] = []
        rest, inline_tags = _peel_trailing_tags(work)
        if inline_tags and rest.endswith(")"):
            work = rest                    # "([View Highlight](…)) #Highlight #[[2023-11-01]]"
        else:
            inline_tags = []
        work, location = split_location(work)
        if location is None and note.format == "logseq":
            # Logseq puts tags at the end of a block with no link before them ("… #flashcard")
            rest, trailing = _peel_trailing_tags(work)
            if trailing and rest.strip():
                work, inline_tags = rest, trailing
        if raw.note_is_question:
            inline_tags.append("flashcard")
        if location is None:
            location = raw.location
        rid = readwise_id_from_url(location.url if location else None) or block_rid
        text = plain_text(_QUOTE_PREFIX.sub("", work) if ">" in work else work)
        if not text:
            img = _IMAGE_ONLY.match(work.strip())
            text = img.group("url") if img else plain_text(markdown)
        tags = list(raw.tags)
        if inline_tags:
            tags.extend(t for t in inline_tags if t not in tags)
        hid = _unique_id(rid, text, note.id, used, occurrences)
        highlights.append(Highlight(
            id=hid, note_id=note.id, path=path, line=raw.line, text=text, markdown=markdown,
            note=raw_note, tags=tags, location=location, readwise_id=rid, lang=detect_lang(text),
            end_line=max(raw.end_line, raw.text_end_line), text_end_line=raw.text_end_line,
            note_line=raw.note_line, tags_line=raw.tags_line, section=raw.section, color=color))
    return highlights


def _peel_trailing_tags(work: str) -> tuple[str, list[str]]:
    """("text", ["a", "b c"]) for "text #a #[[b c]]"; tags only when letters start them."""
    tags: list[str] = []
    while "#" in work:
        m = _LAST_TAG.search(work, max(0, len(work) - 240))
        if not m:
            break
        tag = m.group("tag")
        tag = tag[2:-2] if tag.startswith("[[") else tag
        if not tag or not (tag[0].isalpha() or tag[0].isdigit() and m.group("tag").startswith("[[")):
            break
        tags.insert(0, tag.strip())
        work = work[: m.start()]
    return work, tags


def _unique_id(rid: str | None, text: str, note_id: str, used: set[str], occurrences: dict[str, int]) -> str:
    """The Readwise id where there is one; else a content hash, disambiguated by occurrence."""
    if rid and rid not in used:
        used.add(rid)
        return rid
    key = text
    occ = occurrences.get(key, 0)
    hid = highlight_id_for(note_id, text, occ)
    while hid in used:
        occ += 1
        hid = highlight_id_for(note_id, text, occ)
    occurrences[key] = occ + 1
    used.add(hid)
    return hid
