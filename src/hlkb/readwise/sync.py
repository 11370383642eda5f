"""What an import changes in the vault, planned for every book before anything is written.

A book without a note gets a new one. A book's existing note (found by its ids,
locate.py) is edited line by line (edit/source.py), and only where Readwise changed:

- a highlight it lacks is added in the note's own layout (the template, of those hlkb
  knows, that reproduces the note's highlights; else the configured one), after the
  highlight before it by location (or after the last one), separated as the note
  separates its highlights;
- a highlight that changed in Readwise replaces its own lines, unless the user edited
  them too: then it is a conflict, left as the user wrote it;
- a highlight deleted or discarded in Readwise is removed with ``prune`` (its lines and
  the separator before it), else reported;
- a highlight the user removed from the note (hlkb wrote it once) is not added again;
- everything else in the file (front matter, the user's paragraphs, headings, other
  highlights) keeps its bytes.

Whether the user edited a highlight is known from what hlkb last wrote (state.py). A
highlight hlkb has no record of (a note Readwise's own export wrote, an index that was
rebuilt) counts as unedited when it reads as the same highlight as Readwise's; otherwise
a change to it cannot be told from an edit, and is a conflict.

Every planned file is parsed before it is written: each highlight of the book must read
back with its id, and each other highlight as before, or the file is not written.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from hlkb.config import template_for
from hlkb.edit.plan import parse_source
from hlkb.edit.source import LineEdit, apply_edits, encode_lines, load_source
from hlkb.errors import HlkbError
from hlkb.model import normalize_for_id, stable_hash
from hlkb.parse import parse_text
from hlkb.parse.blocks import HEADING_MARKER
from hlkb.parse.inline import plain_text
from hlkb.readwise.exports import Book, Item
from hlkb.readwise.filenames import NameBook, safe_stem
from hlkb.readwise.placement import book_id_edit, insert_edits, ordered, removal_edits
from hlkb.readwise.plans import CheckedNote, Conflict, Finding, ImportPlan, NotePlan, Options
from hlkb.readwise.render import NoteRenderer, RenderedNote, book_values, carries_id, item_fields
from hlkb.readwise.state import Recorded, block_hash, data_hash
from hlkb.templates import render

# -- keys ---------------------------------------------------------------------------------------------


def plain_key(plain: str) -> str:
    """The text key of a highlight read from a note (its plain text)."""

    return "t-" + stable_hash("readwise-text", normalize_for_id(plain), length=16)


def _note_keys(highlights) -> list[str]:
    """Each parsed highlight's text key, numbered like the CSV reader numbers repeats."""
    seen: Counter = Counter()
    out = []
    for h in highlights:
        key = plain_key(h.text)
        seen[key] += 1
        out.append(key if seen[key] == 1 else f"{key}-{seen[key]}")
    return out


class Found:
    """A parsed note's highlights by Readwise id, and (built only when asked) by text."""

    def __init__(self, highlights):
        self.highlights = highlights
        self.by_id = {h.readwise_id.lower(): h for h in highlights if h.readwise_id}
        self._by_text = None

    @property
    def by_text(self) -> dict:
        if self._by_text is None:
            self._by_text = {}
            for h, key in zip(self.highlights, _note_keys(self.highlights)):
                self._by_text.setdefault(key, h)
        return self._by_text

    def of(self, item: Item):
        """The highlight that is ``item``: by its ids, or, having none (the CSV), by text."""
        if item.readwise_id and not item.external_id:
            return self.by_id.get(item.readwise_id)  # its one id (most highlights)
        for i in sorted(item.ids):
            h = self.by_id.get(i)
            if h is not None:
                return h
        if not item.ids:
            return self.by_text.get(item.key)
        return None


# -- planning ---------------------------------------------------------------------------------------------


class Planner:
    """Plans an import into one vault (see the module doc)."""

    def __init__(
        self,
        vault: Path,
        renderer: NoteRenderer,
        settings,
        recorded: dict[str, dict[str, Recorded]],
        options: Options,
        index_rows: bool = False,
    ):

        self.vault = vault
        self.renderer = renderer
        self.candidates = [renderer]
        default = NoteRenderer()
        if default.template.highlight != renderer.template.highlight:
            self.candidates.append(default)
        self.settings = settings
        self.recorded = recorded
        self.options = options
        self.names = NameBook()
        self.plan = ImportPlan(planner=self)
        # each planned file read as the index reads it, its rows kept (NotePlan.index_rows):
        # the refresh after writing then need not read and parse it again
        self.index_rows = index_rows
        self._plain: set[str] = set()  # keys of the note at hand written as plain text
        self.pending: list[NotePlan] = []  # new notes planned, not yet rendered (rendered())

    # ---- one book ----
    def add_book(self, book: Book, notes: list, found_by: str) -> None:
        try:
            if not notes:
                self._new_note(book)
                return
            if len(notes) > 1:
                others = ", ".join(n.rel for n in notes[1:])
                self.plan.findings.append(
                    Finding(
                        notes[0].rel,
                        0,
                        book.key,
                        None,
                        "duplicate-note",
                        f"book {book.key} is also in {others}; only this note is updated",
                    )
                )
            self._update_note(book, notes[0], found_by)
        except HlkbError as exc:
            self.plan.errors.append(str(exc))

    def _new_note(self, book: Book) -> None:

        items = ordered([i for i in book.items if not i.deleted])
        if not items or book.deleted:
            self.plan.books_unchanged += 1
            return
        folder_rel = self.settings.folder_for(book.category)
        stem = safe_stem(render(self.settings.file_name, _name_values(book)), self.settings.max_name_length)
        folder = self.vault / folder_rel if folder_rel else self.vault
        name = self.names.claim(folder, stem, max_chars=self.settings.max_name_length)
        rel = f"{folder_rel}/{name}" if folder_rel else name
        # rendered with the other new notes, all at once (render.render_notes, then rendered())
        plan = NotePlan(book, rel, folder / name, None, b"", added=len(items), items=items)
        self.plan.notes.append(plan)
        self.pending.append(plan)

    def check_rendered(self, plan: NotePlan, note: RenderedNote, index_rows: bool = False) -> CheckedNote:
        """A pending new note as rendered (``render.render_notes``), checked by parsing it
        (``settle_new``). Runs where it was rendered, a worker process for many notes: what
        it changed comes back as a CheckedNote, for ``take_checked``. ``index_rows``: the
        parse is the index's (``index.refresh.prepare_rows``: parsed, analysed, its rows
        made), and its rows come back too, so that indexing the note after it is written
        does not read and parse it again."""
        if note.error is not None:
            return CheckedNote(error=str(HlkbError(note.error)))
        made: list = []

        def read(text: str):
            if not index_rows:
                return _parse(text, plan.rel, plan.path)
            from hlkb.index.refresh import prepare_rows

            rows, parsed = prepare_rows(text.encode("utf-8"), plan.rel, str(plan.path))
            made[:] = [rows]
            # a note the index cannot read is checked as parsed here (and fails, or not, as
            # it did when it was checked after indexing)
            return parsed if parsed is not None else _parse(text, plan.rel, plan.path)

        plan.new_data = note.text.encode("utf-8")
        plan.expected = note.expected
        mark = len(self.plan.findings)
        try:
            self.settle_new(plan, read(note.text), reparse=read)
        except HlkbError as exc:
            return CheckedNote(error=str(exc))
        finally:
            findings = self.plan.findings[mark:]
            del self.plan.findings[mark:]
        return CheckedNote(plan.new_data, plan.rows, findings, None, made[0] if made else None)

    def take_checked(self, plan: NotePlan, checked: CheckedNote) -> bool:
        """What ``check_rendered`` made of a pending new note, into the plan; False for one
        that could not be rendered or checked: an error, not planned (nor written)."""
        if checked.error is not None:
            self.plan.errors.append(checked.error)
            self.plan.notes = [p for p in self.plan.notes if p is not plan]
            return False
        plan.new_data, plan.rows, plan.index_rows = checked.data, checked.rows, checked.index_rows
        plan.expected = []  # needed for the check only
        self.plan.findings.extend(checked.findings)
        return True

    def settle_new(self, plan: NotePlan, note, reparse=None) -> bool:
        """Check a new note as the parser reads it (``note``): highlights it would misread
        are rendered again as plain text (``plan.new_data`` changes; ``reparse(text)``
        gives the note as it then reads, else it is parsed here), then the note is
        verified and its highlights recorded. True if ``plan.new_data`` changed."""
        items = plan.items
        expected = dict(zip(map(id, items), plan.expected)) if plan.expected else None
        text = plan.new_data.decode("utf-8")
        found = Found(note.highlights)
        misread = _misread(note, text, items, self.renderer, found, expected)
        changed = False
        if misread:
            self._plain = set(misread)
            text = self.renderer.note(plan.book, items, self._plain)
            plan.new_data = text.encode("utf-8")
            changed = True
            note = reparse(text) if reparse is not None else _parse(text, plan.rel, plan.path)
            found = Found(note.highlights)
            misread = _misread(note, text, items, self.renderer, found, expected)
        self._verify(plan, note, text, items, [], found)
        self._warn_misread(plan, note, misread)
        plan.rows = []
        self._record(plan, note, text.split("\n"), items, found, expected)
        self._plain = set()
        return changed

    def _update_note(self, book: Book, on_disk, found_by: str) -> None:

        if found_by == "book id" and self._unchanged_since_recorded(book):
            # every highlight as hlkb last imported it: whatever the note holds now is the
            # user's (their edits, their removals), and nothing needs reading
            self.plan.books_unchanged += 1
            return
        src = load_source(on_disk.path, on_disk.rel)
        note = parse_source(src)
        marks = len(self.plan.conflicts), len(self.plan.findings)
        misread = self._update_once(book, on_disk, found_by, src, note, set(), last=False)
        if misread:
            # those highlights again, as plain text, which reads back
            del self.plan.conflicts[marks[0] :]
            del self.plan.findings[marks[1] :]
            self._update_once(book, on_disk, found_by, src, note, misread, last=True)

    def _unchanged_since_recorded(self, book: Book) -> bool:
        """Is every highlight of ``book`` recorded, with the Readwise fields it has now,
        and none deleted (deletions are reported with their line, so need the note)?"""
        recorded = self.recorded.get(book.key)
        if not recorded or book.deleted:
            return False
        for item in book.items:
            rec = recorded.get(item.key)
            if item.deleted or rec is None or rec.data != data_hash(item_fields(book, item)):
                return False
        # not when something hlkb wrote is gone from the (whole) export
        return not (book.complete and len(recorded) > len(book.items))

    def _update_once(self, book: Book, on_disk, found_by: str, src, note, plain: set[str], last: bool) -> set[str]:
        """Plan the edits of one note; the keys of written highlights the parser would read
        otherwise (then nothing is planned, unless ``last``)."""

        self._plain = plain
        rel = on_disk.rel
        recorded = self.recorded.get(book.key, {})
        highlights = note.highlights
        by_id = {h.readwise_id.lower(): h for h in highlights if h.readwise_id}
        by_text: dict[str, object] = {}
        for h, key in zip(highlights, _note_keys(highlights)):
            by_text.setdefault(key, h)
        plan = NotePlan(book, rel, on_disk.path, src, src.data, found_by=found_by)
        matched = self._match(book, by_id, by_text)
        renderer = self._layout_of(book, src, matched)
        edits: list = []
        removals: list[tuple[int, int]] = []
        inserts: list[Item] = []
        replaced: dict[str, object] = {}
        present: list[str] = []
        for item in book.items:
            h = matched.get(item.key)
            rec = recorded.get(item.key)
            if item.deleted or book.deleted:
                self._deleted(plan, item, h, rec, src, renderer, removals)
            elif h is not None:
                present.append(item.key)
                self._matched(plan, item, h, rec, src, renderer, edits, replaced)
            elif any(_raw_has_id(src.text, i) for i in item.ids):
                present.append(item.key)  # there, in a form the parser does not report
            elif rec is not None:
                self.plan.findings.append(
                    Finding(
                        rel,
                        0,
                        book.key,
                        item.key,
                        "removed-in-vault",
                        f"highlight {item.key} was removed from this note; not added again",
                    )
                )
            else:
                inserts.append(item)
        if book.complete:
            # the whole book is in the input: what hlkb wrote before and it lacks now is gone
            listed = {i.key for i in book.items}
            for key, rec in recorded.items():
                if key not in listed:
                    h = by_text.get(key) if key.startswith("t-") else by_id.get(key)
                    self._deleted(plan, None, h, rec, src, renderer, removals, key=key)
        edits += removal_edits(src, highlights, removals)
        edits += insert_edits(book, highlights, inserts, removals, renderer, src, self._plain)
        id_edits, why_not = book_id_edit(src, note, book, found_by)
        edits += id_edits
        if why_not is not None:
            self.plan.findings.append(why_not)
        if not edits:
            self.plan.books_unchanged += 1
            self.plan.notes.append(plan)
            return set()
        lines, endings = apply_edits(src, edits)
        plan.new_data = encode_lines(src, lines, endings)
        plan.added, plan.updated = len(inserts), len(replaced)
        text = "\n".join(lines)
        after = self._read_planned(plan, text)
        gone_lines = {n for a, b in removals for n in range(a, b + 1)}
        replaced_ids = {id(h) for h in replaced.values()}
        untouched = [h for h in highlights if id(h) not in replaced_ids and h.line not in gone_lines]
        wrote = [i for i in book.items if i.key in replaced] + inserts
        misread = _misread(after, text, wrote, renderer)
        if misread and not last:
            return misread
        self._verify(plan, after, text, wrote + [i for i in book.items if i.key in present], untouched)
        self._warn_misread(plan, after, misread)
        self._record(plan, after, lines, wrote)
        self.plan.notes.append(plan)
        return set()

    def _read_planned(self, plan: NotePlan, text: str):
        """An edited note as planned (``text``, its lines) as the parser reads it; with
        ``index_rows``, as the index reads its bytes, keeping its rows (where the bytes are
        ``text`` as UTF-8 with LF line breaks: else it is parsed here and by the refresh)."""
        plan.index_rows = None
        if self.index_rows and not plan.new_data.startswith(b"\xef\xbb\xbf"):
            try:
                same = plan.new_data.decode("utf-8") in (text, text + "\n")
            except UnicodeDecodeError:
                same = False
            if same:
                from hlkb.index.refresh import prepare_rows

                rows, note = prepare_rows(plan.new_data, plan.rel, str(plan.path))
                if note is not None:
                    plan.index_rows = rows
                    return note
        return _parse(text, plan.rel, plan.path)

    def _match(self, book: Book, by_id: dict, by_text: dict) -> dict:
        """item key -> the note's highlight: by Readwise id (or Reader's), else by text
        (the CSV's highlights, and notes whose links carry no id)."""
        matched: dict[str, object] = {}
        taken: set[int] = set()
        all_ids = {i for item in book.items for i in item.ids}
        for item in book.items:
            h = next((by_id[i] for i in sorted(item.ids) if i in by_id), None)
            if h is None:
                h = by_text.get(item.key if item.key.startswith("t-") else plain_key(_plain(item.text)))
                if h is not None and (h.readwise_id or "").lower() in all_ids - item.ids:
                    h = None  # another highlight's, by its id
            if h is not None and id(h) not in taken:
                taken.add(id(h))
                matched[item.key] = h
        return matched

    # ---- one highlight ----
    def _matched(self, plan: NotePlan, item: Item, h, rec: Recorded | None, src, renderer, edits, replaced):
        """Decide for a highlight in both: leave, record, replace its lines, or a conflict."""

        dhash = data_hash(item_fields(plan.book, item))
        # found by its text, not its id (a note made from the CSV, or by an export whose
        # links carry no id): unless the user changed it, it is written again with its id
        by_text = bool(item.ids) and (h.readwise_id or "").lower() not in item.ids
        if rec is not None and rec.data == dhash and not by_text:
            return  # Readwise unchanged: the vault's version stays
        current = block_hash(src.lines[h.line - 1 : h.end_line])
        new_lines = renderer.item_lines(plan.book, item, item.key in self._plain)
        if current == block_hash(new_lines):
            if rec != Recorded(current, dhash):
                plan.rows.append((plan.book.key, item.key, current, dhash))
            return
        if by_text and self._reads_same(h, new_lines, plan):
            edits.append(LineEdit(h.line, h.end_line + 1, tuple(new_lines)))
            replaced[item.key] = h
            return
        if rec is not None:
            edited = rec.written != current
            why = "was edited in the vault and changed in Readwise"
        elif self._reads_same(h, new_lines, plan):
            plan.rows.append((plan.book.key, item.key, current, dhash))
            return
        else:
            edited = True
            why = (
                "differs from Readwise's, and hlkb has no record of writing it (a note hlkb did not write, "
                "or a rebuilt index): an edit of yours cannot be told from a change in Readwise"
            )
        if edited and self.options.on_conflict == "report":
            self.plan.conflicts.append(
                Conflict(plan.rel, h.line, plan.book.key, item.key, why + "; left as it is in the vault")
            )
            return
        if edited and self.options.on_conflict == "keep":
            # the vault's version stays and this Readwise version counts as seen; what
            # counts as written is not the vault's (it is the user's), so a later change
            # in Readwise is a conflict again
            plan.rows.append((plan.book.key, item.key, rec.written if rec else block_hash(new_lines), dhash))
            return
        edits.append(LineEdit(h.line, h.end_line + 1, tuple(new_lines)))
        replaced[item.key] = h

    def _deleted(self, plan, item, h, rec, src, renderer, removals, key=None):
        key = key or item.key
        if h is None:
            if rec is not None:
                plan.gone.append((plan.book.key, key))
            return
        what = "deleted" if item is None or not item.deleted else "deleted or discarded"
        if not self.options.prune:
            self.plan.findings.append(
                Finding(
                    plan.rel,
                    h.line,
                    plan.book.key,
                    key,
                    "deleted-in-readwise",
                    f"highlight {key} was {what} in Readwise; kept (--prune removes it)",
                )
            )
            return
        current = src.lines[h.line - 1 : h.end_line]
        if rec is not None:
            edited = rec.written != block_hash(current)
        elif item is not None:
            edited = not self._reads_same(h, renderer.item_lines(plan.book, item, item.key in self._plain), plan)
        else:
            edited = True
        if edited and self.options.on_conflict != "readwise":
            if self.options.on_conflict == "report":
                self.plan.conflicts.append(
                    Conflict(
                        plan.rel,
                        h.line,
                        plan.book.key,
                        key,
                        f"was {what} in Readwise but edited in the vault; left as it is",
                    )
                )
            return
        removals.append((h.line, h.end_line))
        plan.removed += 1
        plan.gone.append((plan.book.key, key))

    def _reads_same(self, h, new_lines: list[str], plan: NotePlan) -> bool:
        """Does the vault's highlight read as the rendered one, whatever the layout: the
        same text, note and tags (what a reader writes; its link may be another
        template's, "View Highlight" for "Location 120")?"""
        note = _parse("## Highlights\n" + "\n".join(new_lines) + "\n", plan.rel, plan.path)
        if len(note.highlights) != 1:
            return False
        other = note.highlights[0]
        return h.text == other.text and (h.note or "") == (other.note or "") and list(h.tags) == list(other.tags)

    # ---- layout of an existing note ----
    def _layout_of(self, book: Book, src, matched: dict) -> NoteRenderer:
        """The renderer whose highlights look like the note's own (most exact matches)."""
        if len(self.candidates) == 1 or not matched:
            return self.renderer
        items = {i.key: i for i in book.items}
        best, best_score = self.renderer, -1
        for renderer in self.candidates:
            score = sum(
                1
                for key, h in list(matched.items())[:20]
                if block_hash(src.lines[h.line - 1 : h.end_line])
                == block_hash(renderer.item_lines(book, items[key], key in self._plain))
            )
            if score > best_score:
                best, best_score = renderer, score
        return best

    # ---- verification and state ----
    def _verify(self, plan: NotePlan, note, text: str, items: list[Item], untouched, found=None) -> None:
        found = found if found is not None else Found(note.highlights)
        missing = [
            i.key
            for i in items
            if found.of(i) is None and not (is_heading_item(i) and any(_raw_has_id(text, x) for x in i.ids))
        ]
        if missing:
            raise HlkbError(
                f"not written: highlight {missing[0]} would not read back from the note "
                f"({len(missing)} in all); is the template one the parser can read?",
                plan.rel,
            )
        after = {(h.readwise_id or h.id, h.text, h.note) for h in note.highlights}
        for h in untouched:
            if (h.readwise_id or h.id, h.text, h.note) not in after:
                raise HlkbError(
                    f"not written: the highlight on line {h.line} would read differently after the import", plan.rel
                )

    def _warn_misread(self, plan: NotePlan, note, keys: set[str]) -> None:
        for key in sorted(keys):
            self.plan.findings.append(
                Finding(
                    plan.rel,
                    0,
                    plan.book.key,
                    key,
                    "misread",
                    f"highlight {key} does not read back as Readwise's text (written as it is)",
                )
            )

    def _record(self, plan: NotePlan, note, lines: list[str], items: list[Item], found=None, expected=None) -> None:
        """State rows for highlights hlkb writes, as the planned file holds them (the lines
        the parser reads as each one: what the next import compares). ``expected``: id of
        an item -> its render.Expected, where made already."""
        found = found if found is not None else Found(note.highlights)
        book = plan.book
        for item in items:
            h = found.of(item)
            block = (
                lines[h.line - 1 : h.end_line]
                if h is not None
                else self.renderer.item_lines(plan.book, item, item.key in self._plain)
            )
            known = expected.get(id(item)) if expected else None
            data = known.data if known is not None else data_hash(item_fields(book, item))
            plan.rows.append((book.key, item.key, block_hash(block), data))


def _misread(note, text: str, items: list[Item], renderer: NoteRenderer, found=None, expected=None) -> set[str]:
    """Keys of ``items`` that ``note`` (as parsed) does not give back with their text,
    note and tags (as far as the template shows them), and of the highlights next to them
    in the note (a text can spill into its neighbour: a line read as a label)."""
    found = found if found is not None else Found(note.highlights)
    position = {id(h): i for i, h in enumerate(note.highlights)}
    out = set()
    suspects: set[int] = set()
    for item in items:
        h = found.of(item)
        if h is None:
            if not (is_heading_item(item) and any(_raw_has_id(text, i) for i in item.ids)):
                out.add(item.key)
        elif not renderer.reads_back(h, item, expected.get(id(item)) if expected else None):
            out.add(item.key)
            suspects.update((position[id(h)] - 1, position[id(h)] + 1))
    if suspects:
        for item in items:
            h = found.of(item)
            if h is not None and position[id(h)] in suspects:
                out.add(item.key)
    return out


def is_heading_item(item: Item) -> bool:
    """A Readwise heading: a highlight whose note is ".h1" … ".h6" heads the ones after it
    (the parser makes it their section, not a highlight)."""

    return bool(item.note and HEADING_MARKER.match(item.note))


def _plain(text: str) -> str:

    return plain_text(text)


def _raw_has_id(text: str, hid: str) -> bool:
    """Does the note's text hold this highlight id (a link or block id), parsed or not?"""

    if hid.isdigit():
        return carries_id(text, hid)
    return f"read.readwise.io/read/{hid}" in text.lower()


def _parse(text: str, rel: str, path: Path):

    return parse_text(text, rel, strict=False, file_name=Path(rel).name, template=template_for(path))


def _name_values(book: Book) -> dict:

    return book_values(book)
