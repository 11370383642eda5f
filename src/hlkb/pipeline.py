"""From a parsed note to all of its records: highlights (parser), pairs (splitter), claims."""

from __future__ import annotations

from hlkb.align import pairs_for_note
from hlkb.claims import claims_for_note
from hlkb.config import template_for
from hlkb.model import Note
from hlkb.parse import parse_file


def analyze(note: Note) -> Note:
    """Fill ``note.pairs`` (bilingual articles) and ``note.claims``; returns the note."""

    note.pairs = pairs_for_note(note)
    note.claims = claims_for_note(note)
    return note


def parse_and_analyze(path, display_path=None, strict=False, template="auto") -> Note:
    """Parse and analyze one file; invalid front matter is a warning (note.warnings), not an
    error. ``template="auto"`` reads the note with the export template configured above it
    (hlkb.toml / pyproject.toml ``[template]``); None reads it without."""

    if template == "auto":
        template = template_for(path)
    return analyze(parse_file(path, display_path, strict=strict, template=template))
