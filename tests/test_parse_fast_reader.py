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
