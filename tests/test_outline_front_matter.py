"""A note whose highlights read as an outline (a bullet with nested `- Tags:` / `- Note:`
bullets, as Readwise's Logseq-style template writes them) keeps its YAML front matter: its
author, tags and so its ids do not depend on whether a highlight has a nested subline yet.
(Found by tests/test_tag_property.py: adding the first tag to a one-highlight note turned it
into an outline and changed every id, so the tag editor refused the edit.)"""

from __future__ import annotations

import hlkb
from hlkb.edit import TagOp, plan_tag_edits, source_from_bytes

HEAD = '---\ntitle: "Orchard Notes"\nauthor: Wen Hollis\ntags: [books]\n---\n'
LINK = " ([Location 7](https://readwise.io/to_kindle?action=open&asin=B0FIXTURE1&location=7))"
PLAIN = HEAD + "- 果园里的第一朵花。" + LINK + "\n"
OUTLINE = PLAIN + "    - Tags: [[spring]]\n"


def test_front_matter_applies_to_an_outline_body():
    plain = hlkb.parse_text(PLAIN, "orchard.md", analysis=False)
    outline = hlkb.parse_text(OUTLINE, "orchard.md", analysis=False)
    assert outline.author == plain.author == "Wen Hollis"
    assert outline.tags == plain.tags == ["books"]
    assert outline.front_matter["title"] == "Orchard Notes"
    assert outline.id == plain.id
    assert [h.id for h in outline.highlights] == [h.id for h in plain.highlights]
    assert outline.highlights[0].tags == ["spring"]


def test_the_first_tag_of_a_one_highlight_note_is_written():
    note = hlkb.parse_text(PLAIN, "orchard.md", analysis=False)
    src = source_from_bytes(PLAIN.encode(), "orchard.md")
    plan = plan_tag_edits(src, [TagOp("add", "spring", note.highlights[0].id)])
    after = hlkb.parse_text(plan.new_data.decode(), "orchard.md", analysis=False)
    assert after.highlights[0].tags == ["spring"] and after.highlights[0].id == note.highlights[0].id
