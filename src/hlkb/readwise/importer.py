"""An import from start to end, as library calls: plan (nothing written), then write.

``plan_import`` finds each book's note (locate.py) and plans every file (sync.py);
``write_import`` writes the planned files (each atomic: a new note appears whole or not
at all and never replaces a file; an existing one is replaced only if it still hashes as
it did when planned) and says which were written, so that only their highlights are
recorded (state.py) and re-indexed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from hlkb.errors import HlkbError, InputError
from hlkb.readwise.exports import Book
from hlkb.readwise.render import NoteRenderer
from hlkb.readwise.sync import ImportPlan, NotePlan, Options, Planner


def plan_import(vault: Path, books: list[Book], recorded: dict, options: Options, settings=None,
                template=None, advance=None, on_error=None, refetch=None) -> ImportPlan:
    """Plan importing ``books`` into ``vault``; ``recorded`` is ImportState.for_books of
    their keys; ``advance()`` is called once per book. ``refetch(ids) -> books``: whole
    books, for those that hold only some of their highlights (an incremental fetch) and
    have no note yet."""
    from hlkb.readwise.locate import notes_of_book, scan_vault
    from hlkb.readwise.settings import import_settings, import_template

    vault = Path(vault).resolve()
    settings = settings or import_settings(vault)
    renderer = NoteRenderer(template if template is not None else import_template(vault))
    ids = scan_vault(vault, on_error=on_error)
    planner = Planner(vault, renderer, settings, recorded, options)
    located = [(book, *notes_of_book(book, ids)) for book in books]
    partial = [book.key for book, notes, _how in located if not notes and not book.complete and book.readwise_id]
    if refetch is not None and partial:
        whole = {b.key: b for b in refetch(partial)}
        located = [(whole.get(book.key, book), notes, how) for book, notes, how in located]
    for book, notes, found_by in located:
        planner.add_book(book, notes, found_by)
        if advance is not None:
            advance()
    return planner.plan


@dataclass
class WriteResult:
    written: list[NotePlan] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def write_import(plan: ImportPlan, vault: Path, advance=None) -> WriteResult:
    """Write every changed note of ``plan``; a file that cannot be written safely is
    reported and skipped (the others are still written)."""
    from hlkb.edit.atomic import write_atomic

    vault = Path(vault).resolve()
    result = WriteResult()
    for note in plan.changed:
        try:
            if note.new:
                _create(note, vault)
            else:
                write_atomic(note.path, note.new_data, note.src.sha256, note.rel, root=vault)
            result.written.append(note)
        except HlkbError as exc:
            result.errors.append(str(exc))
        if advance is not None:
            advance()
    return result


def _create(note: NotePlan, vault: Path) -> None:
    """A new note, written whole under a free name (another suffix if the planned name was
    taken meanwhile); never replaces a file."""
    from hlkb.errors import UsageError
    from hlkb.export.atomic import atomic_writer
    from hlkb.readwise.filenames import NameBook

    folder = note.path.parent
    _make_folder(folder, vault, note.rel)
    names = NameBook()
    for _attempt in range(50):
        try:
            with atomic_writer(note.path, force=False, newline="") as out:
                out.write(note.new_data.decode("utf-8"))
            return
        except UsageError as exc:
            if not os.path.lexists(note.path):
                raise InputError(f"cannot write the new note: {exc.message}", note.rel) from None
            # taken since the plan (another program, or two titles that one file system
            # folds together): the next free name
            stem = note.path.name[: -len(".md")] if note.path.name.endswith(".md") else note.path.stem
            name = names.claim(folder, stem)
            note.path = folder / name
            note.rel = note.rel.rsplit("/", 1)[0] + "/" + name if "/" in note.rel else name
    raise InputError("cannot find a free file name for the new note", note.rel)


def _make_folder(folder: Path, vault: Path, shown: str) -> None:
    """Create ``folder`` (and its parents) inside the vault; refuse one that resolves
    outside it (a symlinked folder)."""
    from hlkb.vault import resolves_inside

    root = os.path.realpath(vault)
    existing = folder
    while not existing.exists() and existing != vault:
        existing = existing.parent
    if not resolves_inside(os.path.realpath(existing), root):
        raise InputError(f"its folder resolves to {os.path.realpath(existing)}, outside the vault; not written",
                         shown)
    if existing.exists() and not existing.is_dir():
        raise InputError(f"{existing} is not a folder; not written", shown)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create its folder: {exc.strerror or exc}; not written", shown) from None
