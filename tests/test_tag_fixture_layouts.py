"""Tags on every layout of the parse fixtures (tests/data/parse): a tag added to each
highlight alone, to all highlights at once and to the note reads back where it was asked
for, changes no other highlight, and removing it gives back the file's bytes; where no
safe place exists the refusal is one line naming the highlight's layout and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from hlkb.edit import TagOp, load_source, plan_tag_edits, source_from_bytes
from hlkb.edit.plan import parse_source
from hlkb.errors import InputError

PARSE_DATA = Path(__file__).parent / "data" / "parse"
FIXTURES = sorted(p for p in PARSE_DATA.iterdir() if p.suffix in (".md", ".txt"))
TAG = "zz-layout-check"


def _round_trip(src, ops):
    added = plan_tag_edits(src, ops)
    after = source_from_bytes(added.new_data, src.display, src.path)
    before, now = parse_source(src).highlights, parse_source(after).highlights
    assert [(h.id, h.text, h.note) for h in now] == [(h.id, h.text, h.note) for h in before]
    targets = {op.highlight_id for op in ops if op.highlight_id}
    for b, h in zip(before, now):
        if h.id in targets:
            assert TAG in h.tags and [t for t in h.tags if t != TAG] == list(b.tags), (h.line, h.layout)
        else:
            assert h.tags == b.tags, (h.line, h.layout)
    undo = [TagOp("remove", op.tag, op.highlight_id) for op in ops]
    assert plan_tag_edits(after, undo).new_data == src.data


@pytest.mark.parametrize("path", FIXTURES, ids=[p.name for p in FIXTURES])
def test_tags_round_trip_on_every_highlight(path):
    src = load_source(path, path.name)
    note = parse_source(src)
    if note.front_matter_raw is None:
        _round_trip(src, [TagOp("add", TAG)])
    taken = []
    for h in note.highlights:
        try:
            _round_trip(src, [TagOp("add", TAG, h.id)])
            taken.append(h)
        except InputError as exc:
            # refused only where no line reads back (a highlight glued to a re-synced copy)
            message = str(exc)
            assert "\n" not in message and f"line {h.line}" in message and f"{h.layout} layout" in message
    assert len(taken) >= len(note.highlights) - 1
    if len(taken) > 1:
        _round_trip(src, [TagOp("add", TAG, h.id) for h in taken])
