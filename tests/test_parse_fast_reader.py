"""parse/fast.py must give exactly what the general reader gives, on every note it accepts:
generated notes of Readwise's default shape (with the odd lines that make it decline),
the project's fixtures and sample vault, and the real corpus."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hlkb import frontmatter
from hlkb.parse.fast import read_simple
from hlkb.parse.reader import read_body
from hlkb.templates import DEFAULT_HIGHLIGHT, Template, render_note

REPO = Path(__file__).resolve().parents[1]


def _view(body) -> dict:
    return {
        "title": body.title,
        "title_line": body.title_line,
        "metadata": body.metadata,
        "metadata_lines": body.metadata_lines,
        "format": body.format,
        "layout": body.layout,
        "properties": body.properties,
        "highlights": [
            (
                h.line,
                h.lines,
                h.text_end_line,
                h.end_line,
                h.note,
                h.note_line,
                h.tags,
                h.tags_line,
                h.section,
                h.location,
                h.layout,
                h.color,
                h.tag_slot,
                h.trailer_lines,
            )
            for h in body.highlights
        ],
    }


def _both(text: str):
    text = text.replace("\r\n", "\n")
    fm = frontmatter.split(text)
    start = fm.body_line if fm.present and fm.closed else 1
    lines = text.split("\n")
    return read_simple(lines, start), read_body(lines, start, fast=False)


def _check(text: str) -> bool:
    fast, general = _both(text)
    if fast is not None:
        assert _view(fast) == _view(general)
    return fast is not None


_WORDS = "river light garden memory window paper signal bridge margin question habit letter".split()


def _note(rng: random.Random) -> str:
    def words(n):
        return " ".join(rng.choice(_WORDS) for _ in range(n))

    highlights = []
    for i in range(rng.randint(1, 8)):
        text = words(rng.randint(2, 9))
        if rng.random() < 0.3:
            text += "\n" + words(rng.randint(2, 6))
        note = rng.choice(["", "", words(3), words(2) + "\n" + words(2)])
        highlights.append(
            {
                "highlight_text": text,
                "highlight_note": note,
                "highlight_tags": rng.sample(["pink", "blue", "to-read"], rng.randint(0, 2)),
                "highlight_location": rng.choice([f"Location {i + 10}", "View Highlight"] * 10 + [""]),
                "highlight_location_url": rng.choice(
                    [
                        f"https://readwise.io/to_kindle?location={i}",
                        f"https://read.readwise.io/read/01abcdefghijklmnop{i:08d}",
                    ]
                ),
            }
        )
    tpl = Template(highlight=DEFAULT_HIGHLIGHT, header=rng.choice(["## Highlights", "# Highlights", "### Highlights"]))
    text = render_note(
        tpl,
        {
            "title": words(3),
            "author": words(2),
            "category": "books",
            "image_url": rng.choice(["", "https://x.example/c.jpg"]),
        },
        highlights,
    )
    lines = text.split("\n")
    for _ in range(rng.choice([0, 0, 1, 2])):
        # odd lines a real note has: the fast reader must decline them or agree
        odd = rng.choice(
            [
                "> a quote",
                "\t- tab",
                "1. numbered",
                "---",
                "### Chapter Two",
                "plain words",
                "- unlinked bullet",
                "    - Date:: [[x]]",
                "",
                "  more text",
                "## Highlights",
                "## Document Note",
                "- Author: someone",
                "%% comment %%",
                # shapes where the general reader reads more than a line of text: the fast
                # reader must decline them (each once gave a different highlight)
                "  collapsed:: true",
                "  Location: 5 ([Location 5](https://readwise.io/to_kindle?location=5))",
                "  Date: 2020-01-01 ([Location 6](https://readwise.io/to_kindle?location=6))",
                "    - Note: [View Highlight](https://read.readwise.io/read/01abcdefghijklmnop)",
                "  more ([Location 7](https://readwise.io/to_kindle?location=7))",
                "  words ^abcd",
                "### 2020",
                "### ^283957200",
                "### Chapter ([Location 4](https://readwise.io/to_kindle?location=4))",
                # bullets without an anchor, among anchored ones or alone
                "- another unlinked bullet",
                "- ([Location 3](https://readwise.io/to_kindle?location=3))",
                "- ![](https://x.example/i.png)",
                "- [a link](https://x.example/a)",
                "- key:: value",
                "- Title: a title",
                "    - Note: see ([Location 8](https://readwise.io/to_kindle?location=8))",
                "    - Tags: [[x]] ^abcd",
                "  Note: inside",
                "  words ([Location 9](https://readwise.io/to_kindle?location=9))",
                # a list inside a highlight's text
                "  - nested point",
                "  - nested point",
                "  1. numbered point",
                "  2) numbered point",
                "  * starred point",
                "  - Note: nested",
                "  - ([Location 11](https://readwise.io/to_kindle?location=11))",
                "  - point ([Location 12](https://readwise.io/to_kindle?location=12))",
                "  -  two spaces",
                "    nested more",
                # lines starting with a character that may open a block, or may not
                "- **Bold** lead-in words",
                "- *emphasis* first",
                "- #hashtag words",
                "- `code` words",
                "- ***",
                "- _ _ _",
                "- <br>",
                "- 2020 was a year",
                "- 1. The first point",
                "- 2)\tsecond",
                "- 3.",
                "  **bold** continued",
                "  #hashtag continued",
                "  # heading-like continued",
                "  `code` continued",
                "  ```",
                "  ~~~",
                "  <br>",
                "  <!-- a comment -->",
                "  %% a comment %%",
                "  _under_ score",
                "  ***",
                "  =====",
                "  | a | table |",
                "  > quoted",
                "  2020 was a year",
            ]
        )
        lines.insert(rng.randint(0, len(lines)), odd)
    return "\n".join(lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_fast_reader_agrees_on_generated_notes(rng):
    _check(_note(rng))


def test_fast_reader_takes_the_default_template():
    rng = random.Random(3)
    taken = 0
    for _ in range(200):
        note = _note(rng)
        taken += _check(note)
    assert taken > 60  # it is taken often enough to matter (and agrees every time)


@pytest.mark.parametrize(
    "path",
    sorted((REPO / "tests" / "data" / "parse").glob("*.md")) + sorted((REPO / "notes").glob("*.md")),
    ids=lambda p: p.name,
)
def test_fast_reader_agrees_on_fixtures(path):
    _check(path.read_text(encoding="utf-8"))


def test_fast_reader_agrees_on_the_real_corpus(shared_dir):
    taken = 0
    for folder in ("corpus/readwise", "corpus-more/readwise"):
        for path in sorted((shared_dir / folder).glob("*.md")):
            text = path.read_bytes().decode("utf-8", "replace")
            taken += _check(text.lstrip("\ufeff"))
    assert taken >= 10


_LINK = "([Location {n}](https://readwise.io/to_kindle?location={n}))"


@pytest.mark.parametrize(
    "body",
    [
        "- one\n  collapsed:: true\n  more " + _LINK.format(n=1),  # a block property is not text
        "- one\n  Location: 5 " + _LINK.format(n=5),  # a location field before the anchor
        "- one\n  Date: 2020-01-01 " + _LINK.format(n=5),
        "- one " + _LINK.format(n=1) + "\n    - Note: [View Highlight](https://read.readwise.io/read/01abcdefghij)",
        "- one " + _LINK.format(n=1) + "\n  two " + _LINK.format(n=2),  # an anchor mid-item ends the text
        "- one ^abcd\n  two " + _LINK.format(n=1) + "\n- x ^abce\n  three " + _LINK.format(n=3),
        "### Chapter\n- one " + _LINK.format(n=1) + "\n### 2020\n- two " + _LINK.format(n=2),  # an id heading
    ],
)
def test_fast_reader_agrees_where_the_text_is_more_than_lines(body):
    _check("# Title\n\n## Highlights\n" + body + "\n- last " + _LINK.format(n=99) + "\n")


def _list_note(rng: random.Random) -> str:
    """A note of the default shape whose highlights hold lists ("Key takeaways:" and its
    points), lack their link, or end with a link on a point of the list."""
    out = ["# " + rng.choice(_WORDS).title(), "", "## Highlights"]
    for i in range(rng.randint(1, 6)):
        link = _LINK.format(n=i + 1) if rng.random() < 0.75 else ""
        lines = [rng.choice(_WORDS) + " " + rng.choice(_WORDS)]
        if rng.random() < 0.6:
            lines.append(rng.choice(["Key takeaways:", "Transcript:", rng.choice(_WORDS)]))
            marker = rng.choice(["-", "-", "*", "+", "1.", "2)"])
            for _ in range(rng.randint(1, 3)):
                lines.append(
                    marker + " " + rng.choice(_WORDS + ["Note: x", "1. y", "([Location 5](https://x.example))"])
                )
            if rng.random() < 0.5:
                lines.append(rng.choice(["Speaker 2", rng.choice(_WORDS), "more words"]))
        if link:
            lines[-1] += " " + link
        out.append("- " + lines[0])
        out.extend("  " + t for t in lines[1:])
        if rng.random() < 0.3:
            out.append("    - Note: " + rng.choice(_WORDS))
        if rng.random() < 0.2:
            out.append("    - Tags: [[" + rng.choice(_WORDS) + "]]")
    return "\n".join(out) + "\n"


def test_fast_reader_agrees_on_lists_inside_highlights():
    rng = random.Random(7)
    taken = sum(_check(_list_note(rng)) for _ in range(400))
    assert taken > 80
