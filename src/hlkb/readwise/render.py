"""A Readwise book and its highlights as Markdown, with an export template (templates.py).

The template is the user's (``[template]`` in hlkb.toml) or Readwise's default Obsidian
template. Two things are hlkb's own, so that a later import finds every highlight again:

- the highlight's Readwise id is in its link (``([View Highlight](https://readwise.io/open/ID))``)
  or, where its link is another one (a Kindle location, a tweet), in a block id ``^rwID``
  at the end of the line its text ends on;
- the text is written so that the parser reads it back as the same text: Readwise's text
  is Markdown (Reader keeps emphasis and links) and is written as such, but what would
  change a note's structure is escaped where it stands (a line starting ``#``, ``>``,
  ``- ``, ``1.``, ``Note:``; an ending that reads as a location link, a block id or a
  tag). Backslash escapes and character references read back as the characters they stand
  for, so the plain text is unchanged.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from dataclasses import dataclass
from typing import NamedTuple

from hlkb.errors import HlkbError, UsageError
from hlkb.parse import parse_text
from hlkb.parse.anchors import peel
from hlkb.parse.inline import plain_text
from hlkb.parse.labels import field_heading_of, field_of
from hlkb.parse.template_hints import compile_template
from hlkb.readwise.exports import Book, Item
from hlkb.readwise.state import data_hash
from hlkb.templates import DEFAULT_FRONT_MATTER, Template, render, render_head, yaml_scalar

OPEN_URL = "https://readwise.io/open/{id}"
KINDLE_URL = "https://readwise.io/to_kindle?action=open&asin={asin}&location={location}"
BOOK_ID_KEY = "readwise_book_id"

# -- values ---------------------------------------------------------------------------------------


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def location_of(book: Book, item: Item) -> tuple[str, str]:
    """(label, url) of a highlight's link as Readwise's export writes it: "Location 220"
    with its Kindle link, "Page 12", "Time 0:11:12" with the podcast moment, else "View
    Highlight" ("View Tweet") with the highlight's own link. ("", "") when there is none."""
    loc, kind = item.location, item.location_type
    own = item.url or (OPEN_URL.format(id=item.readwise_id) if item.readwise_id else "") or item.readwise_url or ""
    if loc is not None and kind in ("location", "page", "time_offset"):
        if kind == "location":
            url = KINDLE_URL.format(asin=book.asin, location=_number_text(loc)) if book.asin else own
            return f"Location {_number_text(loc)}", url
        if kind == "page":
            return f"Page {_number_text(loc)}", own
        seconds = int(loc)
        return f"Time {seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}", own
    if own:
        return ("View Tweet" if book.category == "tweets" else "View Highlight"), own
    return "", ""


def book_values(book: Book) -> dict:
    """The template variables of a book (templates.py lists them)."""
    return {
        "title": book.title,
        "full_title": book.full_title or book.title,
        "author": book.author or "",
        "category": book.category,
        "url": book.url or "",
        "image_url": book.image_url or "",
        "document_tags": list(book.document_tags),
        "book_id": book_id_value(book.key),
        "highlights_url": book.readwise_url or "",
        "summary": one_paragraph(book.summary or ""),
        "source": book.source or "",
        "document_note": book.document_note or "",
        "asin": book.asin or "",
    }


def book_id_value(key: str):
    """The book id as front matter holds it: a number for Readwise's ids."""
    return int(key) if key.isdigit() else key


def item_values(book: Book, item: Item, plain: bool = False) -> dict:
    label, url = location_of(book, item)
    return {
        "highlight_text": markdown_text(item.text, plain),
        "highlight_note": note_text(item.note),
        "highlight_tags": list(item.tags),
        "highlight_location": label,
        "highlight_location_url": url,
        "highlight_id": item.readwise_id or "",
        "highlight_url": item.readwise_url or (OPEN_URL.format(id=item.readwise_id) if item.readwise_id else ""),
        "highlighted_at": item.highlighted_at or "",
        "highlight_color": item.color or "",
        "highlight_chapter": "",
    }


def item_fields(book: Book, item: Item) -> dict:
    """A highlight's Readwise fields that a note can show, as Readwise gives them: what a
    change in Readwise is told by (state.data_hash), whatever hlkb's way of writing them."""
    label, url = location_of(book, item)
    return {
        "text": item.text,
        "note": item.note,
        "tags": list(item.tags),
        "location": label,
        "url": url,
        "color": item.color or "",
        "highlighted_at": item.highlighted_at or "",
        "favorite": item.is_favorite,
    }


def one_paragraph(text: str) -> str:
    return " ".join(text.split())


# -- text that reads back as itself ------------------------------------------------------------------

# Line starts that open a block of their own: ATX headings, quotes, list items, thematic
# breaks and setext underlines, fences, HTML blocks.
_HEADING = re.compile(r"#{1,6}(?=[ \t]|$)")
_BULLET = re.compile(r"[-+*](?=[ \t]|$)")
_ORDERED = re.compile(r"(\d{1,9})([.)])(?=[ \t]|$)")
_RULE = re.compile(r"(?:([-*_=])[ \t]*)\1(?:[ \t]*\1)+[ \t]*$|=+[ \t]*$")


def _escape_line_start(line: str) -> str:
    line = _escape_block_start(line)
    return _unlabelled(line) if line and _is_label(line) else line


def _escape_block_start(line: str) -> str:
    if not line:
        return line
    first = line[0]
    if first in "#" and _HEADING.match(line):
        return "\\" + line
    if first in ">|<" or first in "`~" and line.startswith(("```", "~~~")):
        return "\\" + line
    if first in "-+*=_" and (_BULLET.match(line) or _RULE.match(line)):
        return "\\" + line
    if first.isdigit():
        m = _ORDERED.match(line)
        if m:
            return m.group(1) + "\\" + line[len(m.group(1)) :]
    return line


def _is_label(line: str) -> bool:
    """Would the parser take this line for a field of its own ("Note: …", "💭 …",
    "**Tags**:: …", "### Note") rather than text?"""

    if len(line) > 40 and ord(line[0]) <= 0x2000 and ":" not in line[:100] and "\uff1a" not in line[:100]:
        return False  # a label is a word or three and a colon, or a short line of its own
    return field_of(line) is not None or field_heading_of(line) is not None


def _unlabelled(line: str) -> str:
    """``line`` written so that it is no field: its first colon escaped, else its first
    character as a reference (a letter or an emoji label cannot take a backslash)."""
    candidates = []
    colon = line.find(":")
    if colon != -1:
        candidates.append(line[:colon] + "\\" + line[colon:])
    wide = line.find("\uff1a")
    if wide != -1:
        candidates.append(line[:wide] + "&#65306;" + line[wide + 1 :])
    first = line[0]
    candidates.append(("\\" + line) if first in _ESCAPABLE else f"&#{ord(first)};" + line[1:])
    for candidate in candidates:
        if not _is_label(candidate):
            return candidate
    return candidates[-1]


def _inline_safe(text: str) -> str:
    # Obsidian hides what lies between %% and %%: the characters stay, escaped
    return text.replace("%%", "\\%\\%") if "%%" in text else text


def markdown_text(text: str, plain: bool = False) -> str:
    """Readwise's highlight text as the lines hlkb writes (see the module doc).

    ``plain``: its plain text on one line, every ASCII punctuation character escaped: for
    the rare text whose Markdown the parser reads otherwise (formatting is lost, the
    characters are not)."""
    if plain:
        import unicodedata

        flat = plain_text(text)
        escaped = "".join("\\" + ch if ch in _ESCAPABLE else ch for ch in flat)
        if flat and not flat[0].isascii() and unicodedata.category(flat[0])[0] in "SP":
            # a symbol starting every highlight is a template's mark to the parser ("📌 text")
            escaped = f"&#{ord(flat[0])};" + escaped[1:]
        return _protect_end(_escape_line_start(escaped))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    out: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip(" \t\u00a0\u3000\ufeff\u200b")
        if not line:
            if out and out[-1]:
                out.append("")
            continue
        out.append(_inline_safe(_escape_line_start(line)))
    while out and not out[-1]:
        out.pop()
    return _protect_end("\n".join(out))


def note_text(note: str) -> str:
    """The reader's note as written: its own lines without the spaces around them (an
    indented line would leave the note's block), runs of blank lines as one."""
    if not note:
        return ""
    lines = [ln.strip() for ln in note.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if not line.strip():
            if out and out[-1]:
                out.append("")
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


_TRAILER_ENDS = set(")]_*+|-\u2010\u2011\u2012\u2013\u2014\u2015·•")
_PROBE_LINK = " ([Location 1](https://readwise.io/to_kindle?action=open&asin=X&location=1))"


def _trailer_cut(text: str) -> int | None:
    """Where the parser would cut ``text`` short taking its ending for a trailer (a link,
    a block id, a tag, a colour, a footnote), alone or before a location link; None if it
    reads it whole."""

    whole = text.rstrip(" \t\u00a0")
    if (
        whole
        and whole[-1] not in _TRAILER_ENDS
        and "^" not in whole[-120:]
        and "#" not in whole[-250:]
        and "%%" not in whole[-80:]
    ):
        return None  # no trailer of the parser's ends so (links, ids, tags, colours, dashes)
    for context in ("", _PROBE_LINK):
        got = peel(whole + context).text.rstrip(" \t\u00a0")
        if len(got) < len(whole):
            return len(got)
    return None


_ESCAPABLE = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


_DASH_END = re.compile(r"[-\u2010-\u2015]$")


def _protect_end(text: str) -> str:
    """``text`` with whatever the parser would peel off its end made plain characters: a
    backslash before the ASCII punctuation that starts it, else a character reference."""
    if _DASH_END.search(text):
        # a dash before the link is a template's separator to the parser ("text — (link)"),
        # and after punctuation ("a.- (link)") it splits the highlight in two
        text = _as_reference(text, len(text) - 1)
    for _ in range(12):
        cut = _trailer_cut(text)
        if cut is None:
            return text
        i = cut
        while i < len(text) and text[i] in " \t\u00a0\n":
            i += 1
        if i >= len(text):
            return text
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPABLE:
            # already escaped, and still read as a trailer ("\\(Page 5)", "\\-" before a
            # link): the character as a reference, which no pattern of the parser's sees
            text = text[:i] + f"&#{ord(text[i + 1])};" + text[i + 2 :]
        elif ch in _ESCAPABLE and ch != "-" and not (i and text[i - 1] == "\\"):
            text = text[:i] + "\\" + text[i:]
        else:
            text = _as_reference(text, i)
    return text


def _as_reference(text: str, i: int) -> str:
    """``text`` with its character at ``i`` as a character reference. An odd run of
    backslashes before it ends in one that escapes it (``\\-``): that one goes, the reference
    stands for the character; before a character no backslash escapes (``\\—``) that
    backslash is text, and is doubled, or it would escape the reference's ``&``."""
    ch = text[i]
    run = i - len(text[:i].rstrip("\\"))
    start = i
    if run % 2:
        if ch in _ESCAPABLE:
            start = i - 1
        else:
            text, i, start = text[:i] + "\\" + text[i:], i + 1, i + 1
    return text[:start] + f"&#{ord(ch)};" + text[i + 1 :]


# -- what a highlight must read back as ---------------------------------------------------------------


class Expected(NamedTuple):
    """What a written highlight must read back as (its plain text, its note as written)
    and the hash of its Readwise fields that the import records (state.data_hash). A tuple:
    10k of them are made, and sent back from the rendering processes, per 10k highlights."""

    text: str
    note: str
    data: str


def expect(book: Book, item: Item) -> Expected:
    return Expected(plain_text(item.text), note_text(item.note), data_hash(item_fields(book, item)))


# -- rendering -----------------------------------------------------------------------------------------

_SENTINEL = "\x02"


@dataclass
class RenderedItem:
    lines: list[str]  # the highlight's lines as written
    id_in_block: bool  # its Readwise id is in its link (no block id added)


class NoteRenderer:
    """Notes and highlights of one template."""

    def __init__(self, template: Template | None = None):
        template = template or Template()
        if template.front_matter is None:
            template = Template(
                highlight=template.highlight,
                header=template.header,
                page=template.page,
                front_matter=DEFAULT_FRONT_MATTER,
                separator=template.separator,
                source=template.source,
            )
        self.template = template
        # what the reader wrote that this template shows (a template may leave notes or
        # tags out: then they are not expected back)
        self.shows_note = "highlight_note" in template.highlight
        self.shows_tags = "highlight_tags" in template.highlight

    def reads_back(self, h, item: Item, expected: Expected | None = None) -> bool:
        """Does the parsed highlight ``h`` give back ``item`` as this template shows it?
        (``expected``: what ``expect(book, item)`` gave for it, if it was made already.)"""

        return (
            h.text == (expected.text if expected is not None else plain_text(item.text))
            and (
                not self.shows_note
                or (h.note or "") == (expected.note if expected is not None else note_text(item.note))
            )
            and (not self.shows_tags or list(h.tags) == list(item.tags))
        )

    def item_lines(self, book: Book, item: Item, plain: bool = False) -> list[str]:
        values = item_values(book, item, plain)
        text = values["highlight_text"]
        values["highlight_text"] = text + _SENTINEL
        out = render(self.template.highlight, values).strip("\n")
        lines = out.split("\n")
        end = next((i for i, ln in enumerate(lines) if _SENTINEL in ln), None)
        lines = [ln.replace(_SENTINEL, "") for ln in lines]
        if item.readwise_id and not carries_id(out, item.readwise_id):
            at = end if end is not None else 0
            lines[at] = lines[at].rstrip() + f" ^rw{item.readwise_id}"
        return [ln.rstrip() for ln in lines]

    def head(self, book: Book) -> str:
        """Front matter, page part and header of a new note; the front matter always holds
        the book id (``readwise_book_id``), whatever the template writes."""
        text = render_head(self.template, book_values(book), True, True)
        return ensure_book_id(text, book.key)

    def note(self, book: Book, items: list[Item], plain: set[str] = frozenset()) -> str:
        """A new note; the highlights whose keys are in ``plain`` with their plain text."""
        blocks = ["\n".join(self.item_lines(book, item, item.key in plain)) for item in items]
        text = self.head(book) + self.template.separator.join(blocks)
        return text.rstrip("\n") + "\n"

    def separator_lines(self) -> list[str]:
        """The lines the template puts between two highlights."""
        sep = self.template.separator
        if "\n" not in sep:
            return []
        return sep.split("\n")[1:-1] if sep.endswith("\n") else sep.split("\n")[1:]


@dataclass
class RenderedNote:
    text: str
    expected: list[Expected]  # for each of its highlights, in order
    error: str | None = None  # the one-line error that stopped it (then no text)


# New notes rendered at once in forked processes, this many at least (fewer: in this one, no
# start-up); they inherit the books to render (_BATCH) rather than being sent them.
POOL_MIN_NOTES = 48
_BATCH: tuple | None = None


def render_notes(
    renderer: NoteRenderer, notes: list[tuple[Book, list[Item]]], jobs: int | None = None, then=None
) -> list:
    """Each ``(book, items)`` as a new note (``renderer.note``), with what each of its
    highlights must read back as (``expect``): a RenderedNote each, in order. Many notes
    are rendered on every core (at most ``jobs`` processes, default one per core up to
    four), where processes can be forked. ``then(i, rendered)``, where given, runs where
    the ``i``-th note was rendered (a worker process, or this one), and what it returns
    (picklable) takes the RenderedNote's place."""
    return list(iter_rendered(renderer, notes, jobs, then))


def iter_rendered(renderer: NoteRenderer, notes: list[tuple[Book, list[Item]]], jobs: int | None = None, then=None):
    """``render_notes`` one by one, in order, each as soon as it is made: the caller works
    on the first (writes it) while the others are being rendered. The worker processes are
    forked when the first is asked for (before the caller starts a thread, e.g. a progress
    bar's) and end with the iteration."""

    global _BATCH
    if jobs is None:
        jobs = max(1, min(4, os.cpu_count() or 1))
    if jobs < 2 or len(notes) < POOL_MIN_NOTES or "fork" not in multiprocessing.get_all_start_methods():
        for i in range(len(notes)):
            yield _render_then(renderer, notes, then, i)
        return
    # the first here: what the others need made once (compiled templates, the inline
    # parser, and what ``then`` needs), before the workers are forked with it
    first = _render_then(renderer, notes, then, 0)
    _BATCH = (renderer, notes, then)
    try:
        pool = multiprocessing.get_context("fork").Pool(jobs)
    except OSError:  # no processes to be had (a limit, no memory): all of them here
        _BATCH = None
        yield first
        for i in range(1, len(notes)):
            yield _render_then(renderer, notes, then, i)
        return
    try:
        with pool:
            rest = pool.imap(_render_at, range(1, len(notes)), chunksize=max(1, len(notes) // (jobs * 8)))
            yield first
            yield from rest
    finally:
        _BATCH = None


def _render_at(i: int) -> RenderedNote:
    """Worker: the ``i``-th note of the batch its parent forked it with."""
    assert _BATCH is not None
    return _render_then(*_BATCH, i)


def _render_then(renderer: NoteRenderer, notes: list[tuple[Book, list[Item]]], then, i: int):
    rendered = _render_one(renderer, *notes[i])
    return rendered if then is None else then(i, rendered)


def _render_one(renderer: NoteRenderer, book: Book, items: list[Item]) -> RenderedNote:
    try:
        text = renderer.note(book, items)
    except HlkbError as exc:
        return RenderedNote("", [], str(exc))
    return RenderedNote(text, [expect(book, item) for item in items])


def check_readable(renderer: NoteRenderer) -> None:
    """Refuse (UsageError, naming the settings file) a user's template whose highlights the
    parser cannot read back with their ids, text, notes and tags: notes written with it
    could not be found again, and every import would add them anew."""

    template = renderer.template
    if template.source is None:
        return  # Readwise's default: read back by design
    book = Book(key="1", readwise_id="1", title="Probe", author="Someone", asin="B000000000")
    book.items = [
        Item(
            key="91",
            readwise_id="91",
            text="First sample sentence.",
            note="a sample note",
            tags=["alpha", "two words"],
            location=120,
            location_type="location",
        ),
        Item(key="92", readwise_id="92", text="Second sample, on page twelve.", location=12, location_type="page"),
        Item(
            key="93",
            readwise_id="93",
            text="Third sample:\nits second line.",
            note="another note",
            location=3,
            location_type="order",
        ),
        Item(
            key="94",
            readwise_id="94",
            text="Fourth, said at a moment.",
            location=754,
            location_type="time_offset",
            url="https://www.airr.io/quote/probe",
        ),
    ]
    note = parse_text(renderer.note(book, book.items), "probe.md", strict=False, template=compile_template(template))
    got = {h.readwise_id: h for h in note.highlights if h.readwise_id}
    for item in book.items:
        h = got.get(item.readwise_id)
        if h is None:
            problem = f"the id of {item.text!r} is not read back"
        elif h.text != plain_text(item.text):
            problem = f"{item.text!r} reads as {h.text!r}"
        elif not renderer.reads_back(h, item):
            problem = f"the note and tags of {item.text!r} read as {h.note!r} and {h.tags!r}"
        else:
            continue
        raise UsageError(
            f"hlkb import cannot use this export template: written with it, {problem} (see "
            "docs/parser.md, 'Your own template', for templates the parser reads)",
            template.source,
        )


def carries_id(rendered: str, rid: str) -> bool:
    """Does the rendered highlight hold its id in a form the parser reads (its link or a
    block id)?"""
    for marker in ("readwise.io/open/", "^rw", "^rwID-"):
        start = rendered.find(marker + rid)
        while start != -1:
            end = start + len(marker) + len(rid)
            if end == len(rendered) or not rendered[end].isdigit():
                return True
            start = rendered.find(marker + rid, end)
    return False


_BOOK_ID_LINE = re.compile(r"^(?:readwise[_-]?book[_-]?id|book[_-]?id|user[_-]?book[_-]?id)[ \t]*:", re.IGNORECASE)


def ensure_book_id(head: str, key: str) -> str:
    """``head`` (a new note's start) with ``readwise_book_id: KEY`` in its front matter."""
    if head.startswith("---\n"):
        end = head.find("\n---\n", 3)
        if end != -1:
            fm = head[4 : end + 1]
            if any(_BOOK_ID_LINE.match(line) for line in fm.split("\n")):
                return head
            return "---\n" + fm + f"{BOOK_ID_KEY}: {yaml_scalar(book_id_value(key))}\n" + head[end + 1 :]
    return f"---\n{BOOK_ID_KEY}: {yaml_scalar(key)}\n---\n" + head
