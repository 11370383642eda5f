"""What an import plans, before anything is written: a plan per note (its new bytes, what
it adds, updates and removes, the state rows to record), the conflicts and findings to
report, and the options that decide them. Made by the planner (sync.py), carried out by
the importer (importer.py)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from hlkb.edit.source import source_from_bytes
from hlkb.readwise.exports import Book, Item
from hlkb.readwise.render import Expected

ON_CONFLICT = ("report", "keep", "readwise")


@dataclass
class Conflict:
    path: str
    line: int
    book: str
    highlight: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: conflict: highlight {self.highlight} {self.reason}"

    def to_record(self) -> dict:
        return {
            "path": self.path,
            "line": self.line,
            "book": self.book,
            "highlight": self.highlight,
            "reason": self.reason,
        }


@dataclass
class Finding:
    """Something the user should hear of that is not an error (deleted in Readwise, …)."""

    path: str
    line: int
    book: str
    highlight: str | None
    kind: str  # "deleted-in-readwise", "removed-in-vault", "duplicate-note", "unreadable"
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"

    def to_record(self) -> dict:
        return {
            "path": self.path,
            "line": self.line or None,
            "book": self.book,
            "highlight": self.highlight,
            "kind": self.kind,
            "message": self.message,
        }


@dataclass
class NotePlan:
    book: Book
    rel: str  # vault-relative path
    path: Path  # on disk (for a new note: where it will be)
    src: object | None  # edit.source.SourceFile of the note as read; None: a new note
    new_data: bytes
    found_by: str = ""
    added: int = 0
    updated: int = 0
    removed: int = 0
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)  # state rows once written
    gone: list[tuple[str, str]] = field(default_factory=list)  # state rows to forget
    items: list[Item] = field(default_factory=list)  # a new note's highlights, in its order
    expected: list[Expected] = field(default_factory=list)  # what each of ``items`` must read back as
    index_rows: object = None  # index rows of new_data (index.rows.FileRows), where made (index_rows)

    @property
    def new(self) -> bool:
        return self.src is None

    @property
    def changed(self) -> bool:
        return self.src is None or self.new_data != self.src.data

    def diff(self) -> str:

        old = [] if self.src is None else self.src.lines
        new = source_from_bytes(self.new_data, self.rel).lines
        lines = difflib.unified_diff(
            old, new, fromfile="/dev/null" if self.src is None else f"a/{self.rel}", tofile=f"b/{self.rel}", lineterm=""
        )
        return "".join(line + "\n" for line in lines)


@dataclass
class CheckedNote:
    """A new note as rendered and checked where it was rendered (a worker process, see
    ``Planner.check_rendered``): what the planner takes back (``Planner.take_checked``)."""

    data: bytes = b""
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    index_rows: object = None  # index.rows.FileRows of ``data`` (with ``index_rows=True``)


@dataclass
class ImportPlan:
    notes: list[NotePlan] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    books_unchanged: int = 0
    planner: object = None  # the Planner, which settles new notes after writing

    @property
    def changed(self) -> list[NotePlan]:
        return [p for p in self.notes if p.changed]


@dataclass
class Options:
    prune: bool = False
    on_conflict: str = "report"
