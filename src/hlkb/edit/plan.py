"""From a tag command to byte-level line edits of one file, a diff, and a checked write."""

from __future__ import annotations

import bisect
import difflib
from dataclasses import dataclass, field
from pathlib import Path

from hlkb import frontmatter
from hlkb.atomicfile import replace_if_unchanged
from hlkb.config import template_for
from hlkb.edit.change import TagChange
from hlkb.edit.fm_tags import edit_front_matter
from hlkb.edit.highlight_tags import (
    document_tags_edits,
    highlight_edits,
    other_placements,
    rename_in_body,
    rename_inline,
)
from hlkb.edit.source import LineEdit, SourceFile, apply_edits, encode_lines, source_from_bytes
from hlkb.edit.tagnames import tag_key
from hlkb.errors import InputError
from hlkb.parse import parse_text


@dataclass(frozen=True)
class TagOp:
    action: str  # "add" or "remove"
    tag: str  # a valid name (normalize_tag)
    highlight_id: str | None = None  # None: the note itself


@dataclass
class FilePlan:
    src: SourceFile
    new_data: bytes
    changed_lines: int = 0
    messages: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.new_data != self.src.data

    def diff(self) -> str:
        """A unified diff of the edit (lines shown without their endings)."""

        new = source_from_bytes(self.new_data, self.src.display)
        lines = difflib.unified_diff(
            self.src.lines, new.lines, fromfile=f"a/{self.src.display}", tofile=f"b/{self.src.display}", lineterm=""
        )
        return "".join(line + "\n" for line in lines)


def parse_source(src: SourceFile, strict: bool = False):
    """The note as the parser (and so the index) sees this file."""

    if src.path is None:
        return parse_text(src.text, src.display, strict=strict)
    return parse_text(
        src.text, src.display, strict=strict, file_name=Path(src.path).name, template=template_for(src.path)
    )


def _body_line(src: SourceFile, text: str | None = None) -> int:
    fm = frontmatter.split(src.text if text is None else text)
    return fm.body_line if fm.present and fm.closed else 1


def _highlight_keys(note) -> list[tuple]:
    """What must read the same after an edit, per highlight: (line, text, note, id, tags).
    Kept instead of the parsed note, so that a big note is never held parsed twice at once."""
    return [(h.line, h.text, h.note, h.id, tuple(h.tags)) for h in note.highlights]


def _finish(
    src: SourceFile,
    edits: list[LineEdit],
    before: list[tuple],
    rename: tuple[str, str] | None = None,
    keep_after: bool = False,
    changes: dict[str, TagChange] | None = None,
):
    """(plan, the note as the edited file parses, if ``keep_after``)."""
    if not edits:
        return FilePlan(src, src.data), None
    plan = _planned(src, edits)
    after = _check_highlights(src, plan, before, rename, changes)
    return plan, after if keep_after else None


def _planned(src: SourceFile, edits: list[LineEdit]) -> FilePlan:
    lines, endings = apply_edits(src, edits)
    data = encode_lines(src, lines, endings)
    return FilePlan(src, data, changed_lines=sum(max(e.stop - e.start, len(e.new)) for e in edits))


def _check_highlights(src: SourceFile, plan: FilePlan, before: list[tuple], rename, changes=None):
    """Refuse an edit after which the file would not read as the same highlights, or the
    highlights tags were added to would not carry them, or another highlight's tags would
    change (``changes``: highlight id -> its TagChange); returns the note as the edited
    file parses."""

    after = parse_source(source_from_bytes(plan.new_data, src.display, src.path))
    new = after.highlights
    problem = None
    if len(before) != len(new):
        problem = f"{len(before)} highlights would become {len(new)}"
    else:
        for (line, text, note, hid, tags), b in zip(before, new):
            text_ok = text == b.text or (rename and rename_inline(text, *rename) == b.text)
            if not text_ok or note != b.note or (not rename and hid != b.id):
                problem = f"the highlight on line {line} would read differently"
                break
            if changes is not None and not _tags_as_asked(tags, b.tags, changes.get(hid)):
                problem = f"the highlight on line {line} would not read with the tags asked for"
                break
    if problem:
        raise InputError(f"tag edit refused: {problem}; file not changed", src.display)
    return after


def _tags_as_asked(tags_before: tuple, tags_after: list[str], change: TagChange | None) -> bool:
    """Are the tags read after an edit what ``change`` asked of ``tags_before``? Added ones
    must be there; a removed one may stay where it is inline in prose (reported, not
    refused: _still_tagged); a highlight without a change keeps its tags."""
    keys_after = [tag_key(t) for t in tags_after]
    keys_before = [tag_key(t) for t in tags_before]
    if change is None:
        return keys_after == keys_before
    added, removed = {tag_key(t) for t in change.add}, {tag_key(t) for t in change.remove}
    after = set(keys_after)
    # no other tag appears (a line read into the new Tags line) and none of the others goes
    return added <= after and after <= set(keys_before) | added and set(keys_before) - removed <= after


def plan_tag_edits(src: SourceFile, ops: list[TagOp], note=None) -> FilePlan:
    """Add/remove tags on the note (front matter) and on its highlights (Tags: sublines)."""
    note = note or parse_source(src)
    note_change = TagChange()
    by_highlight: dict[str, TagChange] = {}
    for op in ops:
        change = note_change if op.highlight_id is None else by_highlight.setdefault(op.highlight_id, TagChange())
        (change.add if op.action == "add" else change.remove).append(op.tag)
    edits: list[LineEdit] = []
    if note_change.add or note_change.remove:
        text = src.text
        edits += edit_front_matter(src.lines, text, note_change, src.display)
        if note_change.remove:
            edits += document_tags_edits(src.lines, _body_line(src, text), TagChange(remove=note_change.remove))
    per_highlight: dict[str, list[LineEdit]] = {}
    if by_highlight:
        highlights = {h.id: h for h in note.highlights}
        starts = sorted({h.line for h in note.highlights})
        for hid, change in by_highlight.items():
            h = highlights.get(hid)
            if h is None:
                raise InputError(f"no highlight {hid} in this file (was it edited since indexing?)", src.display)
            per_highlight[hid] = highlight_edits(src.lines, h, change, _last_line_of(h, starts))
        del highlights
    note_edits = edits
    edits = note_edits + [e for hl_edits in per_highlight.values() for e in hl_edits]
    removed = [op for op in ops if op.action == "remove"]
    if not edits:  # nothing to change: the file reads as it did
        for h in note.highlights:
            change = by_highlight.get(h.id)
            if change is not None and not _tags_as_asked(tuple(h.tags), h.tags, change):
                raise InputError(
                    f"tag edit refused: the tags of the highlight on line {h.line} ({h.layout or 'unknown'} layout) "
                    "are written in a way hlkb cannot edit; file not changed",
                    src.display,
                )
        plan, after = FilePlan(src, src.data), note
    else:
        before = _highlight_keys(note)
        # a new "Tags:" line or paragraph (not a list subline): removing it again must give
        # back these bytes, which the blank lines around it make less than certain
        slots = {h.id: h.tag_slot for h in note.highlights}
        undo_check = [
            hid
            for hid, change in by_highlight.items()
            if change.add
            and getattr(slots.get(hid), "kind", None) != "subline"
            and any(e.new and e.start == e.stop for e in per_highlight[hid])
        ]
        del note, slots
        try:
            plan, after = _finish(src, edits, before, keep_after=bool(removed or undo_check), changes=by_highlight)
            if undo_check and not _undoes(src, plan, {hid: by_highlight[hid] for hid in undo_check}, after):
                raise _NotUndone(undo_check, src.display)
        except InputError as exc:
            if not any(change.add for change in by_highlight.values()):
                raise
            # The TagSlot's line did not read back: those highlights' tags where they do.
            suspects = exc.hids if isinstance(exc, _NotUndone) else None
            edits = _replaced_placements(src, note_edits, per_highlight, by_highlight, before, suspects)
            plan, after = _finish(src, edits, before, keep_after=bool(removed), changes=by_highlight)
    if removed:
        plan.messages += _still_tagged(plan, after, removed)
    return plan


class _NotUndone(InputError):
    """The tags read back, but removing them would not give back the file's bytes."""

    def __init__(self, hids: list[str], display: str):
        super().__init__("tag edit refused: removing the tags again would not give back the file", display)
        self.hids = set(hids)


def _replaced_placements(src, note_edits, per_highlight, changes, before, suspects) -> list[LineEdit]:
    """The edits again, with another placement (``_placement_that_reads_back``) for each
    highlight whose tags did not read back as asked (``suspects``; None: found here, as the
    highlights that read otherwise after all the edits and the ones next to them)."""
    if suspects is None:
        trial = _planned(src, note_edits + [e for hl_edits in per_highlight.values() for e in hl_edits])
        suspects = _not_as_asked(src, trial, before, changes)
    note = parse_source(src)
    by_id = {h.id: h for h in note.highlights}
    edits = list(note_edits)
    for hid, change in changes.items():
        if suspects is not None and hid not in suspects:
            edits += per_highlight[hid]
        else:
            edits += _placement_that_reads_back(src, by_id[hid], change, per_highlight[hid], before)
    return edits


def _not_as_asked(src, plan: FilePlan, before: list[tuple], changes) -> set[str] | None:
    """Ids of the highlights in ``changes`` that do not read as asked after ``plan``, or sit
    next to one that reads otherwise; None when the highlights no longer line up."""
    after = parse_source(source_from_bytes(plan.new_data, src.display, src.path)).highlights
    if len(after) != len(before):
        return None
    ids = [b[3] for b in before]
    bad = {
        k
        for k, ((_line, text, note, hid, tags), h) in enumerate(zip(before, after))
        if (text, note, hid) != (h.text, h.note, h.id) or not _tags_as_asked(tags, h.tags, changes.get(hid))
    }
    return {ids[j] for k in bad for j in (k - 1, k, k + 1) if 0 <= j < len(ids) and ids[j] in changes}


def _undoes(src: SourceFile, plan: FilePlan, changes: dict[str, TagChange], after=None) -> bool:
    """Does removing the tags ``changes`` added, from the planned file, give back ``src``?
    ``after``: the planned file as already parsed (by the check), not parsed again."""
    edited = source_from_bytes(plan.new_data, src.display, src.path)
    undo = [TagOp("remove", tag, hid) for hid, change in changes.items() for tag in change.add]
    return plan_tag_edits(edited, undo, after).new_data == src.data


def _last_line_of(h, starts: list[int]) -> int | None:
    """The line before the next highlight's first (``starts``: every highlight's first line)."""
    k = bisect.bisect_right(starts, h.line)
    return starts[k] - 1 if k < len(starts) else None


def _placement_that_reads_back(src, h, change: TagChange, slot_edits, before) -> list[LineEdit]:
    """The first placement of ``change``'s tags on highlight ``h`` (its TagSlot's, then
    highlight_tags.other_placements) after which the file reads as the same highlights,
    this one with the new tags, and from which removing them gives back the file's bytes."""
    hid = h.id
    if not change.add:
        return slot_edits
    for edits in [slot_edits, *other_placements(src.lines, h, change)]:
        if not edits:
            continue
        try:
            plan = _planned(src, edits)
            after = _check_highlights(src, plan, before, None, {hid: change})
            if _undoes(src, plan, {hid: change}, after):
                return edits
        except InputError:
            continue
    last = src.lines[(h.text_end_line or h.line) - 1]
    if "))#" in last:
        why = "its last line has the next heading glued onto it (a re-sync: '))# …'); put that heading on a line of its own first"
    else:
        why = "no place for tags reads back as its tags without changing the note; tag the note instead"
    raise InputError(
        f"tag edit refused on the highlight on line {h.line} ({h.layout or 'unknown'} layout): {why}; file not changed",
        src.display,
    )


def _still_tagged(plan: FilePlan, after, ops: list[TagOp]) -> list[str]:
    """Say where a removed tag is still carried (inline in prose, which hlkb does not rewrite)."""
    highlights = {h.id: h for h in after.highlights}
    out = []
    for op in ops:
        if op.highlight_id is None:
            carried = list(after.tags) + list(getattr(after, "document_tags", []) or [])
            where = "the note"
        else:
            h = highlights.get(op.highlight_id)
            carried = list(h.tags) if h else []
            where = f"highlight {op.highlight_id}"
        if tag_key(op.tag) in {tag_key(t) for t in carried}:
            out.append(f"{plan.src.display}: {where} still carries #{op.tag} inline in its text; edit that by hand")
    return out


def plan_rename(src: SourceFile, old: str, new: str, note=None) -> FilePlan:
    """Rename ``old`` to ``new`` everywhere in the file, merging into ``new`` where both exist."""
    note = note or parse_source(src)
    change = TagChange(rename=(old, new))
    try:
        edits = list(edit_front_matter(src.lines, src.text, change, src.display))
    except InputError:
        # Broken front matter only matters when it may hold the tag being renamed.
        fm = frontmatter.split(src.text)
        if tag_key(old) in fm.raw.casefold():
            raise
        edits = []
    edits += rename_in_body(src.lines, _body_line(src), change)
    before = _highlight_keys(note)
    del note
    return _finish(src, edits, before, rename=(old, new))[0]


def write_plan(plan: FilePlan, root: Path | None = None) -> None:
    if not plan.changed:
        return
    if plan.src.path is None:
        raise InputError("internal error: no file to write", plan.src.display)
    replace_if_unchanged(plan.src.path, plan.new_data, plan.src.sha256, plan.src.display, root=root)
