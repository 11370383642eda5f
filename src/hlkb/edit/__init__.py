"""Editing tags in note files in place, the way a careful person would.

The notes are the source of truth: an edit changes only the lines that carry the tag and
keeps every other byte (encoding, BOM, line endings, final newline, trailing spaces,
permissions). The library never needs the index; commands resolve ids and then call:

- ``load_source(path, display_path)`` -> SourceFile (bytes, hash, lines with their endings)
- ``plan_tag_edits(src, ops)`` -> FilePlan for add/remove on the note or its highlights
- ``plan_rename(src, old, new)`` -> FilePlan renaming a tag everywhere in the file
- ``FilePlan.diff()`` for --dry-run, ``write_plan(plan)`` for an atomic, hash-checked write
  (hlkb.atomicfile.replace_if_unchanged)
"""

from hlkb.edit.plan import FilePlan, TagOp, plan_rename, plan_tag_edits, write_plan
from hlkb.edit.source import LineEdit, SourceFile, load_source, source_from_bytes
from hlkb.edit.tagnames import normalize_tag, tag_key

__all__ = [
    "FilePlan",
    "LineEdit",
    "SourceFile",
    "TagOp",
    "load_source",
    "normalize_tag",
    "plan_rename",
    "plan_tag_edits",
    "source_from_bytes",
    "tag_key",
    "write_plan",
]
