"""Tag round trips on the real exports in ../shared/corpus (skipped when it is absent)."""

from __future__ import annotations

import pytest

from hlkb import frontmatter
from hlkb.edit import TagOp, load_source, plan_tag_edits, source_from_bytes
from hlkb.edit.plan import parse_source


def corpus_files(shared):
    return sorted(p for p in (shared / "corpus").rglob("*") if p.suffix in (".md", ".txt")
                  and p.name not in ("VARIANTS.md",))


@pytest.mark.corpus
def test_add_then_remove_on_every_corpus_file(shared_dir):
    files = corpus_files(shared_dir)
    assert len(files) >= 20
    for path in files:
        src = load_source(path, path.name)
        note = parse_source(src)
        ops = [TagOp("add", "zz-corpus-check")]
        # Paragraph highlights (legacy template) are refused on purpose; tag the list items.
        listed = [h for h in note.highlights if src.line(h.line).lstrip(" \t")[:2] in ("- ", "* ", "+ ")]
        if listed:
            ops += [TagOp("add", "zz-corpus-check", listed[0].id),
                    TagOp("add", "zz-corpus-check", listed[-1].id)]
        added = plan_tag_edits(src, ops)
        after = source_from_bytes(added.new_data, path.name)
        assert [(h.id, h.text, h.note) for h in parse_source(after).highlights] == \
            [(h.id, h.text, h.note) for h in note.highlights], path.name
        assert (after.encoding, after.newline, after.final_newline) == (src.encoding, src.newline,
                                                                        src.final_newline), path.name
        back = plan_tag_edits(after, [TagOp("remove", op.tag, op.highlight_id) for op in ops]).new_data
        if _has_empty_bare_tags_key(src):
            # An empty bare `tags:` key is removed with the last tag (documented limit).
            assert back.decode(src.encoding.replace("-sig", "")).count("\n") == len(src.lines) - 1
        else:
            assert back == src.data, path.name


def _has_empty_bare_tags_key(src) -> bool:
    fm = frontmatter.split(src.text)
    if not fm.present or not fm.closed:
        return False
    frontmatter.load(fm)
    line = fm.key_lines.get("tags")
    return line is not None and (fm.data or {}).get("tags") is None and src.lines[line - 1].strip() == "tags:"
