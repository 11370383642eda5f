"""Tag round trips on the real exports in ../shared/corpus and ../shared/corpus-more, every
layout: a tag added to the note and to its first and last highlight, then removed, gives
back the original bytes, and in between every highlight reads the same (skipped when
../shared is absent)."""

from __future__ import annotations

import pytest

from hlkb import frontmatter
from hlkb.edit import TagOp, load_source, plan_tag_edits, source_from_bytes
from hlkb.edit.plan import parse_source
from hlkb.errors import InputError

TAG = "zz-corpus-check"


def corpus_files(shared):
    out = []
    for folder in ("corpus", "corpus-more"):
        out += sorted(
            p for p in (shared / folder).rglob("*") if p.suffix in (".md", ".txt") and p.name not in ("VARIANTS.md",)
        )
    return out


def _front_matter_invalid(src) -> bool:
    fm = frontmatter.split(src.text)
    if not fm.present:
        return False
    try:
        frontmatter.load(fm)
    except frontmatter.FrontMatterError:
        return True
    return False


def _round_trip(src, ops, name):
    added = plan_tag_edits(src, ops)
    after = source_from_bytes(added.new_data, name)
    note = parse_source(src)
    assert [(h.id, h.text, h.note) for h in parse_source(after).highlights] == [
        (h.id, h.text, h.note) for h in note.highlights
    ], name
    assert (after.encoding, after.newline, after.final_newline) == (src.encoding, src.newline, src.final_newline), name
    for op in ops:
        if op.highlight_id is not None:
            h = next(h for h in parse_source(after).highlights if h.id == op.highlight_id)
            assert TAG in h.tags, (name, h.line, h.layout)
    return plan_tag_edits(after, [TagOp("remove", op.tag, op.highlight_id) for op in ops]).new_data


@pytest.mark.corpus
def test_add_then_remove_on_every_corpus_file(shared_dir):
    files = corpus_files(shared_dir)
    assert len(files) >= 80
    for path in files:
        src = load_source(path, path.name)
        note = parse_source(src)
        ops = []
        if note.highlights:
            ops += [TagOp("add", TAG, note.highlights[0].id), TagOp("add", TAG, note.highlights[-1].id)]
        if _front_matter_invalid(src):
            with pytest.raises(InputError) as exc:
                plan_tag_edits(src, [TagOp("add", TAG)])
            assert "\n" not in str(exc.value) and path.name in str(exc.value)
        else:
            ops.append(TagOp("add", TAG))
        if not ops:
            continue
        back = _round_trip(src, ops, path.name)
        assert back == src.data, path.name
