"""Parsing a note file into a Note: dispatch by format, note fields, highlights and ids.

Format readers (readwise.py for Markdown and the Readwise templates, legacy.py for the
2020-21 template, logseq.py for Logseq pages) return a ``Body`` of raw highlights; the
rules every format shares live here: the location link, Readwise ids from links and
``^block`` ids, colors, trailing inline ``#tags``, plain text, heading highlights
(``.h1`` notes) and id assignment.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import replace
from pathlib import Path

from hlkb import frontmatter
from hlkb.lang import detect_lang
from hlkb.model import Diagnostic, Highlight, Note, TagSlot, highlight_id_for, note_id_for
from hlkb.parse import fields, labels
from hlkb.parse.anchors import new_note, peel, trailing_tags
from hlkb.parse.blocks import HEADING_MARKER, Body, RawHighlight, parse_tags
from hlkb.parse.inline import plain_text
from hlkb.parse.reader import read_body
from hlkb.textio import read_text

_QUOTE_PREFIX = re.compile(r"^[ \t]*>[ \t]?", re.MULTILINE)
_BOOKREVIEW = re.compile(r"readwise\.io/bookreview/(\d+)")
_IMAGE_ONLY = re.compile(r"^!\[[^\]]*\]\((?P<url>[^)\s]+)\)$")
# Lines of the body that give the note's language (a sample keeps huge notes cheap).
_LANG_SAMPLE = 20000


def parse_file(path, display_path=None, strict=False, template=None) -> Note:
    """Parse one file. ``template``: a compiled export template (parse/template_hints.py,
    config.template_for) whose own labels and links the note is read with."""
    shown = display_path or str(path)
    decoded = read_text(path, shown)
    note = parse_text(decoded.text, shown, strict=strict, file_name=Path(path).name, template=template)
    note.encoding = decoded.encoding
    return note


def parse_text(
    text: str, path: str = "<string>", strict: bool = False, file_name: str | None = None, template=None
) -> Note:
    """Parse a note's decoded text (newlines already ``\\n``).

    By default invalid front matter becomes a warning in ``note.warnings`` and costs only
    the front matter (its text is kept in ``note.front_matter_raw``); the body is read as
    usual, the title coming from its heading. strict=True raises FrontMatterError instead.
    """
    new_note()
    labels.new_note()
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    warnings: list[Diagnostic] = []
    fm = frontmatter.split(text)
    fm_error = None
    try:
        frontmatter.load(fm, path)
    except frontmatter.FrontMatterError as exc:
        if strict:
            raise
        fm_error = exc
        warnings.append(
            Diagnostic(
                path,
                exc.line or 1,
                exc.column or 1,
                exc.code,
                "warning",
                exc.message + "; the front matter is ignored, the body is read",
            )
        )
        fm.data = {}
    data = fm.data
    if fm.present and data is not None and not isinstance(data, dict):
        warnings.append(
            Diagnostic(
                path,
                fm.first_yaml_line,
                1,
                "front-matter-not-mapping",
                "warning",
                f"front matter is a {type(data).__name__}, not a mapping of keys; ignored",
            )
        )
    if not isinstance(data, dict):
        data = {}
    lines = text.split("\n")
    body_line = fm.body_line if fm.present and fm.closed else 1
    if template is not None:
        lines = lines[: body_line - 1] + template.rewrite(lines[body_line - 1 :])
    body = read_body(lines, body_line, data)
    note = _assemble_note(body, data, fm, text, path, file_name, warnings)
    if fm_error is not None:
        note.front_matter_raw = fm.raw
    note.layout = body.layout
    note.highlights = _build_highlights(body.highlights, note, path, body)
    start = fm.body_offset if fm.present and fm.closed else 0
    note.lang = detect_lang(text[start : start + _LANG_SAMPLE])
    return note


# -- note fields ------------------------------------------------------------------------


def _assemble_note(
    body: Body, data: dict, fm, text: str, path: str, file_name: str | None, warnings: list[Diagnostic]
) -> Note:
    meta = body.metadata
    props = body.properties
    logseq = body.format == "logseq"
    # an outline's page properties, and any YAML front matter above them (a Readwise note
    # whose highlights are an outline keeps its front matter: its title, author, tags)
    front = {**data, **props} if logseq else data
    fmeta, ffront, fdata = fields.Folded(meta), fields.Folded(front), fields.Folded(data)
    title = (
        fields.clean_title(fdata.get("title"))
        or (fields.clean_title(props.get("title")) if logseq else None)
        or (fields.clean_title(props.get("full-title", "").strip('"')) if logseq else None)
        or body.title
        or fields.clean_title(fmeta.get("Full Title", "Title", "书名", "書名", "标题", "標題"))
        or fields.title_from_file_name(file_name or (path if path != "<string>" else None))
    )
    author = fields.as_text(fmeta.get("Author", "Authors")) or fields.as_text(
        ffront.get("author", "authors", "creator")
    )
    category = (
        fields.clean_category(fmeta.get("Category"))
        or fields.clean_category(_category_type(fmeta.get("Type")))
        or fields.clean_category(ffront.get("category", "type"))
    )
    url = fields.as_text(fmeta.get("URL", "Source URL")) or fields.as_text(ffront.get("url", "source_url", "link"))
    tags = fields.front_matter_tags(fdata.get("tags", "tag"))
    if logseq and props.get("tags"):
        tags = list(dict.fromkeys(tags + parse_tags(props["tags"])))
    doc_tags_raw = fmeta.get("Document Tags")
    summary = fmeta.get("Summary") or (fields.as_text(ffront.get("summary")))
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
        front_matter_lines={**fm.key_lines, **body.property_lines} if logseq else dict(fm.key_lines),
        body_line=fm.body_line if fm.present else 1,
        warnings=warnings,
        date=fields.note_date(front, meta),
    )
    note.id = note_id_for(_note_key(note, meta, file_name, path))
    return note


def _category_type(value):
    """A metadata "Type:: #Readwise/category/articles" names the category; other types do not."""
    return value if isinstance(value, str) and "category/" in value.lower() else None


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
            override = plain_text(peel("\n".join(raw.lines)).text) or override
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


def _build_highlights(raws: list[RawHighlight], note: Note, path: str, body: Body) -> list[Highlight]:
    highlights: list[Highlight] = []
    used: set[str] = set()
    occurrences: dict[str, int] = {}
    pairs = _apply_heading_markers(raws)
    markdowns = [_markdown_of(raw) for raw, _ in pairs]
    # Inline "#tags" ending every highlight (Apple Books' "#hl-green", Logseq blocks) are tags,
    # not text; ending one highlight among many they are text ("… #1 bestseller").
    ending_tags = sum(1 for md in markdowns if md and trailing_tags(md)[1])
    peel_tags = note.format == "logseq" or ending_tags >= 2 and ending_tags * 2 >= len(markdowns)
    markdowns = _without_decoration(markdowns)
    for (raw, raw_note), markdown in zip(pairs, markdowns):
        if not markdown:
            continue
        tr = peel(markdown, peel_tags=peel_tags)
        work = tr.text
        color = tr.color or raw.color
        if raw.trailer_lines:
            extra = peel("x " + " ".join(raw.trailer_lines))
            if tr.readwise_id is None and extra.readwise_id is not None:
                tr = replace(tr, readwise_id=extra.readwise_id)
            if tr.location is None and extra.location is not None:
                tr = replace(tr, location=extra.location)
            color = color or extra.color
        inline_tags = list(tr.tags)
        if raw.note_is_question:
            inline_tags.append("flashcard")
        location = tr.location or raw.location
        rid = tr.readwise_id
        text = plain_text(_QUOTE_PREFIX.sub("", work) if ">" in work else work)
        if not text:
            img = _IMAGE_ONLY.match(_QUOTE_PREFIX.sub("", work).strip())
            text = img.group("url") if img else plain_text(markdown)
        if not text:
            continue
        tags = list(raw.tags)
        if inline_tags:
            tags.extend(t for t in inline_tags if t not in tags)
        slot = raw.tag_slot
        if tr.tags and raw.tags_line is None:
            slot = TagSlot("inline", raw.text_end_line)  # it carries its tags after its link
        hid = _unique_id(rid, text, note.id, used, occurrences)
        highlights.append(
            Highlight(
                id=hid,
                note_id=note.id,
                path=path,
                line=raw.line,
                text=text,
                markdown=markdown,
                note=raw_note,
                tags=tags,
                location=location,
                readwise_id=rid,
                lang=detect_lang(text),
                end_line=max(raw.end_line, raw.text_end_line),
                text_end_line=raw.text_end_line,
                note_line=raw.note_line,
                tags_line=raw.tags_line,
                section=raw.section,
                color=color,
                layout=raw.layout,
                tag_slot=slot,
            )
        )
    return highlights


_DECORATION = re.compile(r"^(?:> ?)?(?P<mark>[^\w\s\[\]()*_`#>\-\\\"'“‘«「『（(]{1,3})[ \t]+")


def _without_decoration(markdowns: list[str]) -> list[str]:
    """The template's mark before every highlight ("📌 text", "🔖 text") is not text: when
    most highlights of the note start with the same symbol, it is taken off all of them."""
    marks: Counter[str] = Counter()
    for md in markdowns:
        m = _DECORATION.match(md) if md else None
        if m and all(unicodedata.category(ch)[0] in "SP" for ch in m.group("mark")):
            marks[m.group("mark")] += 1
    if not marks:
        return markdowns
    mark, n = marks.most_common(1)[0]
    if n < 2 or n * 10 < len(markdowns) * 6:
        return markdowns
    out = []
    for md in markdowns:
        m = _DECORATION.match(md) if md else None
        out.append(md[: m.start("mark")] + md[m.end() :] if m and m.group("mark") == mark else md)
    return out


def _markdown_of(raw: RawHighlight) -> str:
    lines = _without_blank_ends(raw.lines)
    if not lines:
        return ""
    if len(lines) == 1:
        return lines[0].rstrip()
    return "\n".join(line.rstrip() for line in lines)


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
