"""An import from start to end, as library calls: plan (nothing written), then write.

``plan_import`` finds each book's note (locate.py) and plans every file (sync.py);
``write_import`` writes the planned files (each atomic: a new note appears whole or not
at all and never replaces a file; an existing one is replaced only if it still hashes as
it did when planned) and says which were written, so that only their highlights are
recorded (state.py) and re-indexed.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hlkb.atomicfile import create_temp, fsync_dir, remove_quietly, replace_if_unchanged, replace_with_temp, write_all
from hlkb.errors import HlkbError, InputError
from hlkb.readwise.exports import Book
from hlkb.readwise.filenames import NameBook
from hlkb.readwise.locate import notes_of_book, scan_vault
from hlkb.readwise.plans import ImportPlan, NotePlan, Options
from hlkb.readwise.render import NoteRenderer, check_readable, iter_rendered
from hlkb.readwise.settings import import_settings, import_template
from hlkb.readwise.sync import Planner
from hlkb.vault import resolves_inside


def plan_import(
    vault: Path,
    books: list[Book],
    recorded: dict,
    options: Options,
    settings=None,
    template=None,
    advance=None,
    on_error=None,
    refetch=None,
    render_new: bool = True,
    index_rows: bool = False,
) -> ImportPlan:
    """Plan importing ``books`` into ``vault``; ``recorded`` is ImportState.for_books of
    their keys; ``advance()`` is called once per book. ``refetch(ids) -> books``: whole
    books, for those that hold only some of their highlights (an incremental fetch) and
    have no note yet. ``render_new=False``: new notes are left to ``render_new_notes``
    (which forks worker processes: a caller with a thread running, such as a progress
    bar's, calls it after). ``index_rows``: every planned file is read as the index reads it
    and its rows kept (``NotePlan.index_rows``, for ``refresh(prepared=...)``): a note is
    then parsed once, not once here and once more by the refresh after it is written."""

    vault = Path(vault).resolve()
    settings = settings or import_settings(vault)
    renderer = NoteRenderer(template if template is not None else import_template(vault))
    check_readable(renderer)
    ids = scan_vault(vault, on_error=on_error)
    planner = Planner(vault, renderer, settings, recorded, options, index_rows=index_rows)
    located = [(book, *notes_of_book(book, ids)) for book in books]
    partial = [book.key for book, notes, _how in located if not notes and not book.complete and book.readwise_id]
    if refetch is not None and partial:
        whole = {b.key: b for b in refetch(partial)}
        located = [(whole.get(book.key, book), notes, how) for book, notes, how in located]
    for book, notes, found_by in located:
        planner.add_book(book, notes, found_by)
        if advance is not None:
            advance()
    if render_new:
        render_new_notes(planner.plan, index_rows=index_rows)
    return planner.plan


def render_new_notes(plan: ImportPlan, jobs: int | None = None, index_rows: bool | None = None) -> None:
    """Render the new notes ``plan_import`` planned and check each by parsing it (all at
    once, on every core: each is checked in the process that rendered it)."""
    for _note in checked_new_notes(plan, jobs, index_rows):
        pass


def checked_new_notes(plan: ImportPlan, jobs: int | None = None, index_rows: bool | None = None) -> Iterator[NotePlan]:
    """The new notes ``plan_import`` planned, rendered and checked (``render_new_notes``),
    each as soon as it is ready, in plan order (one that fails is an error of the plan, not
    given); for ``write_import(new_notes=...)``, which writes each while the others are
    rendered. The worker processes are forked by this call, before the caller starts any
    thread. ``index_rows`` (default: as ``plan_import`` was told): each is parsed as the
    index parses it, and its index rows kept, in the worker."""
    planner = plan.planner
    if index_rows is None:
        index_rows = planner.index_rows
    pending, planner.pending = planner.pending, []
    if index_rows:
        import hlkb.index.refresh
        import hlkb.parse
        import hlkb.pipeline  # noqa: F401  (imported once here, so that forked workers share it)

    def check(i: int, rendered):
        return planner.check_rendered(pending[i], rendered, index_rows)

    checked = iter_rendered(planner.renderer, [(p.book, p.items) for p in pending], jobs, then=check)
    taken = (note for note, result in zip(pending, checked) if planner.take_checked(note, result))
    try:
        first = next(taken)  # the workers are forked now
    except StopIteration:
        return iter(())
    return itertools.chain([first], taken)


def prepared_rows(written: list[NotePlan]) -> dict:
    """rel -> the index rows made for each note written (``index_rows``), for
    ``refresh(prepared=...)``: of the note still where it was planned (a note written under
    another name, its planned one taken meanwhile, is parsed by the refresh)."""
    return {p.rel: p.index_rows for p in written if p.index_rows is not None and p.index_rows.rel == p.rel}


@dataclass
class WriteResult:
    written: list[NotePlan] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


# Notes written at once: an fsync waits for the disk, and many waiting together share its
# journal commits (500 new notes: 1.9 s one by one, 0.05 s eight at a time, measured).
WRITERS = 8
# Notes written between two calls of write_import's on_written: a refresh of the index each
# (its fixed cost, a few milliseconds, against indexing while the rest is still rendered)
WRITTEN_BATCH = 64


def write_import(
    plan: ImportPlan, vault: Path, advance=None, new_notes: Iterable[NotePlan] | None = None, on_written=None
) -> WriteResult:
    """Write every changed note of ``plan``; a file that cannot be written safely is
    reported and skipped (the others are still written). ``new_notes``: the new notes as
    they are rendered (``checked_new_notes``), each written as it comes; else they are
    among ``plan.changed``, rendered already. ``on_written(notes)``: told of the notes
    written, in plan order, ``WRITTEN_BATCH`` at a time, while the others are still being
    rendered and written (the import indexes them then)."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    vault = Path(vault).resolve()
    result = WriteResult()
    if new_notes is None:
        notes: Iterable[NotePlan] = plan.changed
    else:
        notes = itertools.chain([n for n in plan.changed if not n.new], new_notes)
    folders: dict[Path, bool] = {}  # folder of new notes -> made (False: it cannot be)
    unreported: list[NotePlan] = []  # written, not yet told to on_written

    def folder_made(note: NotePlan) -> bool:
        folder = note.path.parent
        if folder not in folders:
            try:
                _make_folder(folder, vault, note.rel)
                folders[folder] = True
            except HlkbError as exc:
                result.errors.append(str(exc))
                folders[folder] = False
        return folders[folder]

    def write_one(note: NotePlan):
        try:
            if note.new:
                _write_new(note.path, note.new_data)
            else:
                replace_if_unchanged(note.path, note.new_data, note.src.sha256, note.rel, root=vault)
            return None
        except FileExistsError as exc:
            return exc
        except OSError as exc:
            return InputError(f"cannot write the new note: {exc.strerror or exc}; not written", note.rel)
        except HlkbError as exc:
            return exc

    def settle(note: NotePlan, outcome) -> None:
        if isinstance(outcome, FileExistsError):
            try:
                _create(note)  # its name was taken meanwhile: the next free one
                outcome = None
            except HlkbError as exc:
                outcome = exc
        if outcome is None:
            result.written.append(note)
            unreported.append(note)
            if on_written is not None and len(unreported) >= WRITTEN_BATCH:
                on_written(unreported[:])
                unreported.clear()
        else:
            result.errors.append(str(outcome))
        if advance is not None:
            advance()

    try:
        with ThreadPoolExecutor(max_workers=WRITERS) as pool:
            writing: deque = deque()  # (note, future), in plan order: settled in that order
            for note in notes:
                if note.new and not folder_made(note):
                    continue
                writing.append((note, pool.submit(write_one, note)))
                while writing and writing[0][1].done():
                    done, future = writing.popleft()
                    settle(done, future.result())
            while writing:
                done, future = writing.popleft()
                settle(done, future.result())
        if on_written is not None and unreported:
            on_written(unreported[:])
    finally:
        # the new names made durable once per folder, not once per note (each note's
        # bytes were synced before it got its name, so a crash leaves it whole or absent)
        for folder in {n.path.parent for n in result.written if n.new}:
            fsync_dir(folder)
    return result


def _create(note: NotePlan) -> None:
    """A new note under the next free name of its folder (the planned one was taken)."""

    folder = note.path.parent
    names = NameBook()
    stem = note.path.name[: -len(".md")] if note.path.name.endswith(".md") else note.path.stem
    for _attempt in range(50):
        name = names.claim(folder, stem)
        path = folder / name
        try:
            _write_new(path, note.new_data)
        except FileExistsError:
            continue
        except OSError as exc:
            raise InputError(f"cannot write the new note: {exc.strerror or exc}; not written", note.rel) from None
        note.path = path
        note.rel = note.rel.rsplit("/", 1)[0] + "/" + name if "/" in note.rel else name
        return
    raise InputError("cannot find a free file name for the new note", note.rel)


def _write_new(path: Path, data: bytes) -> None:
    """``data`` at ``path``, which must not exist: a temporary file beside it (atomicfile),
    synced, then hard-linked to its name, which fails if the name was taken meanwhile."""

    fd, tmp = create_temp(path.parent, path.name)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        write_all(fd, data)
        os.fsync(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:
            # a file system without hard links: a rename, after one more look
            if os.path.lexists(path):
                raise FileExistsError(path) from None
            replace_with_temp(tmp, path)
            tmp = None
    finally:
        os.close(fd)
        remove_quietly(tmp)


def _make_folder(folder: Path, vault: Path, shown: str) -> None:
    """Create ``folder`` (and its parents) inside the vault; refuse one that resolves
    outside it (a symlinked folder)."""

    root = os.path.realpath(vault)
    existing = folder
    while not existing.exists() and existing != vault:
        existing = existing.parent
    if not resolves_inside(os.path.realpath(existing), root):
        raise InputError(f"its folder resolves to {os.path.realpath(existing)}, outside the vault; not written", shown)
    if existing.exists() and not existing.is_dir():
        raise InputError(f"{existing} is not a folder; not written", shown)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create its folder: {exc.strerror or exc}; not written", shown) from None
