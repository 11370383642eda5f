"""Readwise's exports read into books and their highlights, each input detected by content.

- The CSV export (Readwise → Export → CSV): one row a highlight, columns ``Highlight, Book
  Title, Book Author, Amazon Book ID, Note, Color, Tags, Location Type, Location,
  Highlighted at, Document tags``. It carries no Readwise ids, so a book is known by its
  title, author and ASIN (``csv-<hash>``) and a highlight by its text.
- The API v2 export (``/api/v2/export/``): a page ``{"count", "nextPageCursor", "results":
  [book, …]}``, a list of books (or of pages), or JSONL (a book or a page a line). A book is
  known by ``user_book_id``, a highlight by ``id``.

Structure that is not what Readwise writes (a book without an id, highlights that are not
a list) is an error naming the file and the place (``results[3].highlights[0]``, or the
line in JSONL/CSV): the whole import stops before anything is written.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from dataclasses import dataclass, field

from hlkb.errors import InputError
from hlkb.model import normalize_for_id, stable_hash
from hlkb.parse.inline import plain_text
from hlkb.textio import read_regular_file

# A whole library exported as JSON can be far larger than a note.
MAX_EXPORT_BYTES = 2 * 1024 * 1024 * 1024

CSV_COLUMNS = (
    "Highlight",
    "Book Title",
    "Book Author",
    "Amazon Book ID",
    "Note",
    "Color",
    "Tags",
    "Location Type",
    "Location",
    "Highlighted at",
    "Document tags",
)


@dataclass
class Item:
    """One highlight as Readwise has it."""

    key: str  # the Readwise id, or "t-<hash of its text>" (CSV)
    text: str
    note: str = ""
    tags: list[str] = field(default_factory=list)
    location: float | None = None
    location_type: str | None = None  # "location", "page", "time_offset", "order", "offset", …
    url: str | None = None  # its own link: the tweet, the podcast moment, the page
    readwise_url: str | None = None  # https://readwise.io/open/<id>
    readwise_id: str | None = None
    external_id: str | None = None  # Reader's id (read.readwise.io/read/<id> links)
    color: str | None = None
    highlighted_at: str | None = None
    updated_at: str | None = None
    is_favorite: bool = False
    deleted: bool = False  # deleted or discarded in Readwise
    where: str = ""  # its place in the input, for messages

    @property
    def ids(self) -> set[str]:
        """Every id a note may carry for it (its Readwise id and Reader's)."""
        return {i for i in (self.readwise_id, self.external_id) if i}


@dataclass
class Book:
    """One book, article, tweet thread or podcast episode, with its highlights."""

    key: str  # the Readwise book id, or "csv-<hash>" (CSV)
    title: str
    readwise_id: str | None = None
    full_title: str | None = None
    author: str | None = None
    category: str = "books"
    source: str | None = None
    url: str | None = None
    image_url: str | None = None
    summary: str | None = None
    document_note: str | None = None
    document_tags: list[str] = field(default_factory=list)
    asin: str | None = None
    readwise_url: str | None = None  # https://readwise.io/bookreview/<id>
    items: list[Item] = field(default_factory=list)
    deleted: bool = False
    # True when the input holds every highlight of the book (the CSV export does), so one
    # that hlkb wrote before and is missing now was deleted in Readwise.
    complete: bool = False
    where: str = ""


@dataclass
class Export:
    books: list[Book] = field(default_factory=list)
    kind: str = ""  # "csv", "json", "jsonl", "api"
    warnings: list[str] = field(default_factory=list)
    count: int | None = None  # books the API says the export has


def csv_book_key(title: str, author: str | None, asin: str | None) -> str:
    return "csv-" + stable_hash(
        "readwise-csv-book",
        normalize_for_id(title),
        normalize_for_id(author or ""),
        (asin or "").strip().upper(),
        length=12,
    )


def text_key(text: str) -> str:
    """The key of a highlight known only by its text (the CSV has no ids)."""

    return "t-" + stable_hash("readwise-text", normalize_for_id(plain_text(text) or text), length=16)


def clean_line(value) -> str:
    """A title or name on one line: whitespace (line breaks included) collapsed."""
    return " ".join(str(value).split()) if value is not None else ""


def category_name(value) -> str:
    name = "-".join(str(value or "").strip().lower().lstrip("#").split())
    return name or "books"


# -- detection --------------------------------------------------------------------------------


def read_export(path, shown: str | None = None) -> Export:
    """Read one export file (``-`` for stdin), whatever its kind."""

    shown = shown or str(path)
    if str(path) == "-":
        data = sys.stdin.buffer.read(MAX_EXPORT_BYTES + 1)
        if len(data) > MAX_EXPORT_BYTES:
            raise InputError("the export on stdin is too large", shown)
    else:
        data = read_regular_file(path, shown, limit=MAX_EXPORT_BYTES)[0]
    return parse_export(data, shown)


def parse_export(data: bytes, shown: str) -> Export:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"not UTF-8 (byte 0x{data[exc.start]:02x}); Readwise exports are UTF-8", shown, line) from None
    head = text.lstrip()
    if head.startswith(("{", "[")):
        return _read_json_text(text, shown)
    first = text.split("\n", 1)[0]
    if _csv_header(first) is not None:
        return read_csv_text(text, shown)
    raise InputError(
        "not a Readwise export: neither the CSV export (a header with 'Highlight' and "
        "'Book Title') nor the API export JSON (pages, a list of books, or JSONL)",
        shown,
    )


def _csv_header(first_line: str) -> list[str] | None:
    try:
        row = next(csv.reader([first_line]))
    except (csv.Error, StopIteration):
        return None
    names = [c.strip().lstrip("\ufeff") for c in row]
    folded = {n.casefold() for n in names}
    if "highlight" in folded and "book title" in folded:
        return names
    return None


# -- JSON ----------------------------------------------------------------------------------------


def _read_json_text(text: str, shown: str) -> Export:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as whole_error:
        lines = text.split("\n")
        first = next((ln for ln in lines if ln.strip()), "")
        if sum(1 for ln in lines if ln.strip()) > 1 and _is_json_object(first):
            return _read_jsonl(lines, shown)  # one object a line; else one broken document
        raise InputError(f"invalid JSON: {whole_error.msg}", shown, whole_error.lineno, whole_error.colno) from None
    export = Export(kind="json")
    _add_json_value(export, data, shown, "", None)
    return export


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except json.JSONDecodeError:
        return False


def _read_jsonl(lines: list[str], shown: str) -> Export:
    export = Export(kind="jsonl")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON line: {exc.msg}", shown, number, exc.colno) from None
        if not isinstance(value, dict):
            raise InputError("a JSONL line must hold a book or an export page (an object)", shown, number)
        _add_json_value(export, value, shown, "", number)
    return export


def _add_json_value(export: Export, value, shown: str, place: str, line: int | None) -> None:
    if isinstance(value, list):
        for i, entry in enumerate(value):
            if not isinstance(entry, dict):
                raise InputError(f"{place}[{i}] is not a book (an object)", shown, line)
            _add_json_value(export, entry, shown, f"{place}[{i}]", line)
        return
    if not isinstance(value, dict):
        raise InputError(
            "not a Readwise export: the JSON is neither an export page, a book nor a list of books", shown, line
        )
    if "results" in value:
        results = value["results"]
        if not isinstance(results, list):
            raise InputError(f"{place or 'the page'}.results is not a list of books", shown, line)
        if isinstance(value.get("count"), int):
            export.count = (export.count or 0) + value["count"]
        _add_json_value(export, results, shown, f"{place}results" if not place else f"{place}.results", line)
        return
    if "user_book_id" in value or "highlights" in value:
        export.books.append(book_from_json(value, shown, place or "the book", line))
        return
    raise InputError(
        f"{place or 'the JSON'}: not a Readwise export page or book (no 'results', 'user_book_id' or 'highlights')",
        shown,
        line,
    )


def _id_text(value, what: str, shown: str, place: str, line: int | None) -> str:
    if type(value) is int and value >= 0:
        return str(value)
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
        raise InputError(f"{place}: {what} is not a Readwise id (a number): {value!r:.40}", shown, line)
    return str(int(str(value).strip()))


def _text_or_none(value, what: str, shown: str, place: str, line: int | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise InputError(f"{place}: {what} is not text", shown, line)
    return value


def _tag_names(value, shown: str, place: str, line: int | None) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [t for t in (s.strip() for s in value.split(",")) if t]
    if not isinstance(value, list):
        raise InputError(f"{place}: tags are not a list", shown, line)
    out = []
    for tag in value:
        name = tag.get("name") if isinstance(tag, dict) else tag
        if not isinstance(name, str):
            raise InputError(f"{place}: a tag has no name", shown, line)
        name = clean_line(name)
        if name and name not in out:
            out.append(name)
    return out


def _number(value, what: str, shown: str, place: str, line: int | None) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InputError(f"{place}: {what} is not a number", shown, line)
    if isinstance(value, (int, float)):
        return value if value == value else None
    try:
        number = float(str(value).strip().replace(",", ""))
    except ValueError:
        raise InputError(f"{place}: {what} is not a number: {value!r:.40}", shown, line) from None
    return int(number) if number.is_integer() else number


def book_from_json(data: dict, shown: str, place: str, line: int | None) -> Book:
    book_id = _id_text(data.get("user_book_id"), "user_book_id", shown, place, line)
    s = lambda key: _text_or_none(data.get(key), key, shown, place, line)
    raw_title = clean_line(s("title") or "")
    title = clean_line(s("readable_title") or "") or raw_title or f"Untitled {book_id}"
    book = Book(
        key=book_id,
        readwise_id=book_id,
        title=title,
        full_title=raw_title or None,
        author=clean_line(s("author") or "") or None,
        category=category_name(s("category")),
        source=s("source"),
        url=s("source_url") or s("unique_url") or None,
        image_url=s("cover_image_url") or None,
        summary=(s("summary") or "").strip() or None,
        document_note=(s("document_note") or "").strip() or None,
        document_tags=_tag_names(data.get("book_tags"), shown, place, line),
        asin=(s("asin") or "").strip() or None,
        readwise_url=s("readwise_url") or None,
        deleted=bool(data.get("is_deleted")),
        where=place,
    )
    highlights = data.get("highlights", [])
    if highlights is None:
        highlights = []
    if not isinstance(highlights, list):
        raise InputError(f"{place}.highlights is not a list", shown, line)
    for i, h in enumerate(highlights):
        where = f"{place}.highlights[{i}]"
        if not isinstance(h, dict):
            raise InputError(f"{where} is not a highlight (an object)", shown, line)
        book.items.append(_item_from_json(h, shown, where, line))
    return book


def _item_from_json(h: dict, shown: str, place: str, line: int | None) -> Item:
    hid = _id_text(h.get("id"), "id", shown, place, line)
    get = h.get

    def s(key: str) -> str | None:
        value = get(key)
        # text or nothing, as nearly every field is: no call (10k highlights: 0.1 s of 0.2)
        return value if value is None or type(value) is str else _text_or_none(value, key, shown, place, line)

    text = s("text")
    if text is None:
        raise InputError(f"{place}: the highlight has no text", shown, line)
    external = s("external_id")
    return Item(
        key=hid,
        readwise_id=hid,
        text=text,
        note=(s("note") or "").strip(),
        tags=_tag_names(h.get("tags"), shown, place, line),
        location=_number(h.get("location"), "location", shown, place, line),
        location_type=(s("location_type") or "").strip().lower() or None,
        url=(s("url") or "").strip() or None,
        readwise_url=(s("readwise_url") or "").strip() or None,
        external_id=external.strip().lower() if external and external.strip() else None,
        color=s("color") or None,
        highlighted_at=s("highlighted_at"),
        updated_at=s("updated_at"),
        is_favorite=bool(h.get("is_favorite")),
        deleted=bool(h.get("is_deleted")) or bool(h.get("is_discard")),
        where=place,
    )


# -- CSV ---------------------------------------------------------------------------------------------


def read_csv_text(text: str, shown: str) -> Export:
    reader = csv.reader(io.StringIO(text.replace("\r\n", "\n").replace("\r", "\n"), newline=""))
    export = Export(kind="csv")
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise InputError("an empty CSV file", shown, 1) from None
    names = [c.strip().lstrip("\ufeff").casefold() for c in header]
    index = {}
    for wanted in CSV_COLUMNS:
        if wanted.casefold() in names:
            index[wanted] = names.index(wanted.casefold())
    books: dict[str, Book] = {}
    seen_keys: dict[str, dict[str, int]] = {}
    line = reader.line_num
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InputError(f"invalid CSV: {exc}", shown, reader.line_num) from None
        line = start
        if not any(cell.strip() for cell in row):
            continue

        def cell(name: str, row: list[str] = row) -> str:
            return row[index[name]] if name in index and index[name] < len(row) else ""

        text = cell("Highlight")
        title = clean_line(cell("Book Title"))
        if not text.strip():
            export.warnings.append(f"{shown}:{line}: a row without highlight text; skipped")
            continue
        if not title:
            export.warnings.append(f"{shown}:{line}: a highlight without a book title; skipped")
            continue
        author = clean_line(cell("Book Author")) or None
        asin = cell("Amazon Book ID").strip() or None
        key = csv_book_key(title, author, asin)
        book = books.get(key)
        loc_type = cell("Location Type").strip().lower() or None
        if book is None:
            book = books[key] = Book(
                key=key,
                title=title,
                full_title=title,
                author=author,
                asin=asin,
                document_tags=_tag_names(cell("Document tags"), shown, "", line),
                complete=True,
                where=f"line {line}",
            )
            seen_keys[key] = {}
        place = f"line {line}"
        item_key = text_key(text)
        n = seen_keys[key].get(item_key, 0)
        seen_keys[key][item_key] = n + 1
        if n:
            item_key = f"{item_key}-{n + 1}"
        book.items.append(
            Item(
                key=item_key,
                text=text,
                note=cell("Note").strip(),
                tags=_tag_names(cell("Tags"), shown, place, line),
                location=_number(cell("Location"), "Location", shown, place, line),
                location_type=loc_type,
                color=cell("Color").strip() or None,
                highlighted_at=cell("Highlighted at").strip() or None,
                where=place,
            )
        )
    for book in books.values():
        book.category = _csv_category(book)
    export.books = list(books.values())
    return export


_TWEETS_TITLE = re.compile(r"^tweets? from\b", re.IGNORECASE)


def _csv_category(book: Book) -> str:
    """The CSV has no category: Readwise's own naming and locations tell it."""
    types = {i.location_type for i in book.items}
    if "time_offset" in types:
        return "podcasts"
    if _TWEETS_TITLE.match(book.title):
        return "tweets"
    if book.asin or types & {"location", "page"}:
        return "books"
    return "articles"


# -- several inputs --------------------------------------------------------------------------------


def merge_books(exports: list[Export]) -> list[Book]:
    """Books of several inputs (pages, files) merged by key, in first-seen order; a
    highlight given twice keeps its later version (the most recently updated, if dated)."""
    merged: dict[str, Book] = {}
    for export in exports:
        for book in export.books:
            have = merged.get(book.key)
            if have is None:
                merged[book.key] = book
                continue
            have.complete = have.complete or book.complete
            have.deleted = book.deleted
            positions = {item.key: i for i, item in enumerate(have.items)}
            for item in book.items:
                i = positions.get(item.key)
                if i is None:
                    positions[item.key] = len(have.items)
                    have.items.append(item)
                elif (item.updated_at or "") >= (have.items[i].updated_at or ""):
                    have.items[i] = item
    return list(merged.values())
