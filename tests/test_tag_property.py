"""Property test: tag edits on generated notes of every supported shape never lose a byte.

For random notes (default v2 template with Kindle locations, Reader links, tweets, a Logseq
tab outline; front matter in each tags style or none; LF or CRLF; with or without BOM and
final newline) and random sets of tag additions on the note and its highlights:

- the edited file parses to the same highlights (texts, ids, notes);
- only lines that carry tags differ (plus the newline handed over at an unterminated end);
- removing what was added gives back the original bytes exactly.

HLKB_FUZZ_EXAMPLES=2000 runs it longer.
"""

from __future__ import annotations

import difflib
import json
import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hlkb.edit import TagOp, plan_tag_edits, source_from_bytes
from hlkb.edit.plan import parse_source

EXAMPLES = int(os.environ.get("HLKB_FUZZ_EXAMPLES", "60"))

WORDS = [
    "lantern",
    "harbour",
    "quiet",
    "orchard",
    "copper",
    "meadow",
    "signal",
    "ledger",
    "thread",
    "window",
    "river",
    "compass",
    "velvet",
    "north",
    "ember",
    "garden",
    "海港",
    "灯笼",
    "安静",
    "mill",
    "stone",
    "bread",
    "weather",
    "[[linked idea]]",
    "**bold**",
    "`code`",
    "42",
    "3.5%",
]
EXISTING_TAGS = ["blue", "pink", "reading", "Ideas/Deep"]
NEW_TAGS = ["zq-one", "zq-two", "zq/nested", "zq_three", "Zq-Caps", "zq-ünï", "zq-数字"]

words = st.lists(st.sampled_from(WORDS), min_size=2, max_size=10).map(" ".join).map(lambda s: s.capitalize())


@st.composite
def highlight_block(draw, style: str, n: int) -> list[str]:
    text = draw(words)
    if style == "kindle":
        link = f" ([Location\u00a0{n * 7 + 3}](https://readwise.io/to_kindle?action=open&asin=B0TEST&location={n * 7 + 3}))"
    elif style == "reader":
        link = f" ([View Highlight](https://read.readwise.io/read/01test{n:020d}))"
    else:
        link = f" ([View Tweet](https://x.com/someone/status/{1000 + n}))"
    if style == "logseq":
        lines = [f"\t- {text}{link}"]
        if draw(st.booleans()):
            lines.append(f"\t\t- **Note**: {draw(words)}")
        return lines
    first = text
    lines = []
    if draw(st.booleans()):
        more = draw(words)
        lines = [f"- {first}", f"  {more}{link}"]
    else:
        lines = [f"- {first}{link}"]
    subs = []
    if draw(st.booleans()):
        tags = draw(st.lists(st.sampled_from(EXISTING_TAGS), min_size=1, max_size=2, unique=True))
        token = draw(st.sampled_from(["link", "hash"]))
        rendered = " ".join(f"[[{t}]]" if token == "link" else f"#{t}" for t in tags)
        subs.append(f"    - Tags: {rendered}" + draw(st.sampled_from(["", " "])))
    if draw(st.booleans()):
        subs.append(f"    - Note: {draw(words)}")
    return lines + subs


FRONT_MATTER = {
    "none": None,
    "block": 'tags:\n  - blue\n  - "reading"',
    "block0": "tags:\n- blue",
    "flow": "tags: [blue, 'pink']",
    "flow-empty": "tags: []",
    "empty": "tags:",
    "string": "tags: blue",
    "spaces": "tags: blue reading",
    "commas": 'tags: "blue, reading"',
    "comment-only": "tags: #readwise-books",
    "absent": "author: Someone",
}


@st.composite
def note_file(draw) -> bytes:
    style = draw(st.sampled_from(["kindle", "reader", "tweet", "logseq"]))
    count = draw(st.integers(min_value=1, max_value=5))
    blocks = [draw(highlight_block(style, i)) for i in range(count)]
    title = draw(words)
    if style == "logseq":
        lines = [f"title:: {title}", "author:: [[Someone]]"]
        if draw(st.booleans()):
            lines.append("tags:: blue reading")
        lines += ["", "- Highlights first synced by [[Readwise]] [[Apr 13th, 2023]]"]
        for b in blocks:
            lines += b
    else:
        fm_key = draw(st.sampled_from(sorted(FRONT_MATTER)))
        fm = FRONT_MATTER[fm_key]
        lines = []
        if fm is not None:
            lines += ["---", f"title: {json.dumps(title, ensure_ascii=False)}", *fm.split("\n"), "---"]
        lines += [f"# {title}", "", "## Metadata", "- Author: [[Someone]]", "- Category: #books"]
        if draw(st.booleans()):
            lines.append("- Document Tags: [[blue]] [[pink]] ")
        lines += ["", "## Highlights"]
        for b in blocks:
            lines += b
    if draw(st.booleans()):
        lines = [line + " " if draw(st.booleans()) and line.strip() else line for line in lines]
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines) + (newline if draw(st.booleans()) else "")
    bom = draw(st.sampled_from(["", "\ufeff"]))
    return (bom + text).encode("utf-8")


ops_strategy = st.lists(
    st.tuples(st.sampled_from(NEW_TAGS), st.one_of(st.none(), st.integers(min_value=0, max_value=4))),
    min_size=1,
    max_size=4,
    unique=True,
)

# Lines allowed to change: Tags/Document Tags sublines, the tags key or property, a
# one-word front-matter list item, and the fences of created front matter.
_TAG_CARRIER = re.compile(
    r"^\s*(?:[-*] )?(?:\*\*)?(?:Tags|tags|Document Tags)(?:\*\*)?::?"
    r"|^\s*-\s+[\"']?[\w/-]+[\"']?$|^---$"
)


def lines_with_endings(data: bytes) -> list[str]:
    src = source_from_bytes(data)
    return [t + e for t, e in zip(src.lines, src.endings)]


def snapshot(note):
    return [(h.id, h.text, h.note) for h in note.highlights]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=note_file(), ops=ops_strategy)
def test_add_then_remove_is_lossless(data, ops):
    src = source_from_bytes(data, "gen.md")
    before = parse_source(src)
    highlights = before.highlights
    tag_ops = []
    for tag, index in ops:
        target = None if index is None or not highlights else highlights[index % len(highlights)].id
        tag_ops.append(TagOp("add", tag, target))
    added = plan_tag_edits(src, tag_ops)
    assert added.changed

    # The file still reads as the same highlights.
    after_src = source_from_bytes(added.new_data, "gen.md")
    assert snapshot(parse_source(after_src)) == snapshot(before)
    assert after_src.encoding == src.encoding and after_src.bom == src.bom
    assert after_src.final_newline == src.final_newline

    # Only lines that carry tags changed (the last line may only hand over its newline).
    old_lines, new_lines = lines_with_endings(data), lines_with_endings(added.new_data)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        for line in old_lines[i1:i2]:
            carrier = _TAG_CARRIER.match(line.rstrip("\r\n")) or line.lstrip("\ufeff").startswith("tags")
            is_last = line == old_lines[-1] and not src.final_newline
            assert carrier or is_last, repr(line)
            if not carrier:
                assert any(n.rstrip("\r\n") == line for n in new_lines[j1:j2])
        for line in new_lines[j1:j2]:
            assert (
                "zq" in line.casefold()
                or _TAG_CARRIER.match(line.rstrip("\r\n"))
                or line.rstrip("\r\n") in {ln.rstrip("\r\n") for ln in old_lines}
            ), repr(line)

    # remove(add(x)) gives back the original bytes; but a note tag removed from a note that
    # had "tags: []" takes that key with it, as from a note that had no key (docs/tags.md).
    removed = plan_tag_edits(after_src, [TagOp("remove", op.tag, op.highlight_id) for op in tag_ops])
    expected = data
    if any(op.highlight_id is None for op in tag_ops):
        expected = re.sub(rb"^tags: \[\] ?(?:\r\n|\n)", b"", data, flags=re.MULTILINE)
    assert removed.new_data == expected


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=note_file(), old=st.sampled_from(EXISTING_TAGS), new=st.sampled_from(NEW_TAGS))
def test_rename_there_and_back_is_lossless(data, old, new):
    from hlkb.edit import plan_rename

    src = source_from_bytes(data, "gen.md")
    before = parse_source(src)
    there = plan_rename(src, old, new)
    there_src = source_from_bytes(there.new_data, "gen.md")
    after = parse_source(there_src)
    assert [(h.id, h.text, h.note) for h in after.highlights] == snapshot(before)
    if there.changed:
        assert old.casefold() not in {t.casefold() for h in after.highlights for t in h.tags}
    back = plan_rename(there_src, new, old)
    assert back.new_data == data


@settings(max_examples=EXAMPLES * 2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rng=st.randoms(use_true_random=False),
    picks=st.lists(st.integers(min_value=0, max_value=9), min_size=1, max_size=3, unique=True),
    tag=st.sampled_from(NEW_TAGS),
    crlf=st.booleans(),
)
def test_tags_round_trip_on_every_generated_layout(rng, picks, tag, crlf):
    """Every layout the parser reads (tests/layouts/generate.py: bullets, quotes, callouts,
    paragraphs, headings, label headings, Logseq blocks, each location/note/tags form): a
    tag added to some highlights is read back on exactly those, nothing else reads
    differently, and removing it gives back the original bytes."""
    from layouts.generate import generate

    gen = generate(rng)
    text = gen.note.replace("\n", "\r\n") if crlf else gen.note
    data = text.encode("utf-8")
    src = source_from_bytes(data, "gen.md")
    before = parse_source(src)
    targets = sorted({before.highlights[p % len(before.highlights)].id for p in picks})
    added = plan_tag_edits(src, [TagOp("add", tag, hid) for hid in targets])
    after = parse_source(source_from_bytes(added.new_data, "gen.md"))
    assert snapshot(after) == snapshot(before), gen.description
    for h_before, h_after in zip(before.highlights, after.highlights):
        want = list(h_before.tags) + ([tag] if h_before.id in targets and tag not in h_before.tags else [])
        assert h_after.tags == want, (gen.description, h_after.line, h_after.layout)
    removed = plan_tag_edits(
        source_from_bytes(added.new_data, "gen.md"), [TagOp("remove", tag, hid) for hid in targets]
    )
    assert removed.new_data == data, gen.description
