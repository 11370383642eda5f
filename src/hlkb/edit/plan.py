"""From a tag command to byte-level line edits of one file, a diff, and a checked write."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from hlkb import frontmatter
from hlkb.atomicfile import replace_if_unchanged
from hlkb.config import template_for
from hlkb.edit.change import TagChange
from hlkb.edit.fm_tags import edit_front_matter
from hlkb.edit.highlight_tags import document_tags_edits, highlight_edits, rename_in_body, rename_inline
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
    """What must read the same after an edit, per highlight: (line, text, note, id). Kept
    instead of the parsed note, so that a big note is never held parsed twice at once."""
    return [(h.line, h.text, h.note, h.id) for h in note.highlights]


def _finish(
    src: SourceFile,
    edits: list[LineEdit],
    before: list[tuple],
    rename: tuple[str, str] | None = None,
    keep_after: bool = False,
):
    """(plan, the note as the edited file parses, if ``keep_after``)."""
    if not edits:
        return FilePlan(src, src.data), None
    lines, endings = apply_edits(src, edits)
    data = encode_lines(src, lines, endings)
    plan = FilePlan(src, data, changed_lines=sum(max(e.stop - e.start, len(e.new)) for e in edits))
    after = _check_highlights(src, plan, before, rename)
    return plan, after if keep_after else None


def _check_highlights(src: SourceFile, plan: FilePlan, before: list[tuple], rename):
    """Refuse an edit after which the file would not read as the same highlights; returns
    the note as the edited file parses."""

    after = parse_source(source_from_bytes(plan.new_data, src.display, src.path))
    new = after.highlights
    problem = None
    if len(before) != len(new):
        problem = f"{len(before)} highlights would become {len(new)}"
    else:
        for (line, text, note, hid), b in zip(before, new):
            text_ok = text == b.text or (rename and rename_inline(text, *rename) == b.text)
            if not text_ok or note != b.note or (not rename and hid != b.id):
                problem = f"the highlight on line {line} would read differently"
                break
    if problem:
        raise InputError(f"tag edit refused: {problem}; file not changed", src.display)
    return after


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
    if by_highlight:
        highlights = {h.id: h for h in note.highlights}
        for hid, change in by_highlight.items():
            h = highlights.get(hid)
            if h is None:
                raise InputError(f"no highlight {hid} in this file (was it edited since indexing?)", src.display)
            edits += highlight_edits(src.lines, h, change)
        del highlights
    removed = [op for op in ops if op.action == "remove"]
    if not edits:  # nothing to change: the file reads as it did
        plan, after = FilePlan(src, src.data), note
    else:
        before = _highlight_keys(note)
        del note
        plan, after = _finish(src, edits, before, keep_after=bool(removed))
    if removed:
        plan.messages += _still_tagged(plan, after, removed)
    return plan


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
