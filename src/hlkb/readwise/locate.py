"""Which note of the vault holds a book: found by its Readwise ids, wherever it lives now.

A renamed or moved note is still its book's note: the file name is never what finds it.
In order of evidence:

1. its book id in front matter (``readwise_book_id``, also ``book_id``/``user_book_id``
   as other templates name it; ``csv-<hash>`` for a note made from the CSV export);
2. a link to the book's Readwise page (``readwise.io/bookreview/ID``, Readwise's
   ``highlights_url`` and the legacy export's ``Readwise URL``);
3. the ids of its highlights (``readwise.io/open/ID`` links, ``^rwID`` block ids, Reader's
   ``read.readwise.io/read/ID``): the note holding most of them, for notes Readwise's own
   Obsidian export wrote, which carry no book id;
4. for a book from the API, a note made from the CSV export of the same title, author and
   ASIN (its ``csv-`` key).

Every note of the vault is read once, but only its front matter is parsed, and only when
its first bytes mention a book id.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from hlkb import frontmatter
from hlkb.errors import HlkbError
from hlkb.readwise.exports import Book, csv_book_key
from hlkb.textio import read_regular_file
from hlkb.vault import iter_note_files

_BOOK_KEYS = {"readwisebookid", "bookid", "userbookid"}
_BOOKREVIEW = re.compile(rb"readwise\.io/bookreview/(\d+)")
_HIGHLIGHT_IDS = re.compile(
    rb"readwise\.io/open/(\d+)|\^rw(?:ID-)?(\d+)|read\.readwise\.io/read/([0-9a-z]{10,})", re.IGNORECASE
)
_FM_HINT = re.compile(rb"book[_-]?id", re.IGNORECASE)


@dataclass
class NoteOnDisk:
    path: Path
    rel: str


@dataclass
class VaultIds:
    """What the vault's notes say about Readwise books and highlights."""

    by_book: dict[str, list[NoteOnDisk]] = field(default_factory=dict)  # book key -> notes
    by_review: dict[str, list[NoteOnDisk]] = field(default_factory=dict)  # bookreview id -> notes
    by_highlight: dict[str, list[int]] = field(default_factory=dict)  # highlight id -> note numbers
    notes: list[NoteOnDisk] = field(default_factory=list)
    book_of_note: dict[int, str] = field(default_factory=dict)  # note number -> its front-matter key


def front_matter_book_key(data: dict) -> str | None:
    """The book key a note's front matter gives, if any."""
    for key, value in data.items():
        norm = re.sub(r"[\s_-]", "", str(key)).casefold()
        if norm not in _BOOK_KEYS or value is None or isinstance(value, bool):
            continue
        text = str(value).strip()
        if text.isdigit():
            return str(int(text))
        if text.startswith("csv-"):
            return text
    return None


def scan_vault(vault: Path, on_error=None) -> VaultIds:
    """Read the Readwise ids out of every note of ``vault``."""

    ids = VaultIds()
    for nf in iter_note_files(vault, on_error=on_error):
        try:
            data = read_regular_file(nf.path, nf.rel)[0]
        except HlkbError:
            continue
        number = len(ids.notes)
        note = NoteOnDisk(nf.path, nf.rel)
        ids.notes.append(note)
        head = data[:8192]
        if data.startswith((b"---", b"\xef\xbb\xbf---")) and _FM_HINT.search(head):
            try:
                text = data.decode("utf-8-sig")
                fm = frontmatter.split(text.replace("\r\n", "\n").replace("\r", "\n"))
                if fm.present and fm.closed:
                    frontmatter.load(fm, nf.rel)
                    key = front_matter_book_key(fm.data) if isinstance(fm.data, dict) else None
                    if key:
                        ids.by_book.setdefault(key, []).append(note)
                        ids.book_of_note[number] = key
            except (HlkbError, UnicodeDecodeError):
                pass
        if b"bookreview" in data:
            for m in _BOOKREVIEW.finditer(data):
                ids.by_review.setdefault(m.group(1).decode(), []).append(note)
        if b"readwise" in data or b"^rw" in data:
            for m in _HIGHLIGHT_IDS.finditer(data):
                hid = (m.group(1) or m.group(2) or m.group(3)).decode().lower()
                ids.by_highlight.setdefault(hid, []).append(number)
    return ids


def notes_of_book(book: Book, ids: VaultIds) -> tuple[list[NoteOnDisk], str]:
    """The notes that hold ``book`` (best evidence first) and how they were found."""
    found = ids.by_book.get(book.key)
    if found:
        return _unique(found), "book id"
    if book.readwise_id:
        found = ids.by_review.get(book.readwise_id)
        if found:
            return _unique(found), "book link"
    votes: Counter = Counter()
    for item in book.items:
        for hid in item.ids:
            for number in set(ids.by_highlight.get(hid, ())):
                owner = ids.book_of_note.get(number)
                if owner is None or owner == book.key:  # a note of another book keeps it
                    votes[number] += 1
    if votes:
        best = max(votes.values())
        return _unique([ids.notes[n] for n, v in sorted(votes.items()) if v == best]), "highlight ids"
    if book.readwise_id:
        found = ids.by_book.get(csv_book_key(book.title, book.author, book.asin))
        if found:
            return _unique(found), "csv key"
    return [], ""


def _unique(notes: list[NoteOnDisk]) -> list[NoteOnDisk]:
    """Each file once (a symlink inside the vault names the same note twice)."""

    seen, out = set(), []
    for n in notes:
        real = os.path.realpath(n.path)
        if real not in seen:
            seen.add(real)
            out.append(n)
    return out
