"""A user's own export template (hlkb.toml / pyproject.toml [template]) compiled into line
rules: notes written with templates of our own, with labels and links the parser cannot
guess, read back exactly with the template, and the CLI finds the template beside the vault."""

from __future__ import annotations

import json
import random

import pytest

from hlkb.parse import parse_text
from hlkb.parse.inline import plain_text
from hlkb.parse.template_hints import compile_template
from hlkb.templates import DEFAULT_HIGHLIGHT, Template, render_note

TEMPLATES = {
    "default": DEFAULT_HIGHLIGHT,
    "arrow page": (
        "- 🔖 {{ highlight_text }} ⟶ p. {{highlight_location}}{% if highlight_note %}\n"
        "    - 💡 My take — {{ highlight_note }}{% endif %}{% if highlight_tags %}\n"
        "    - 🏷 {% for tag in highlight_tags %}#{{tag}} {% endfor %}{% endif %}"
    ),
    "quote with source line": (
        "> {{ highlight_text }}\n> — {{ highlight_location }}, [source]({{ highlight_location_url }})"
        "{% if highlight_note %}\n\nThoughts → {{ highlight_note }}{% endif %}"
    ),
    "paragraph with labels": (
        "Passage ➜ {{ highlight_text }} «{{highlight_location}}»{% if highlight_note %}\n\n"
        "Reader said: {{ highlight_note }}{% endif %}{% if highlight_tags %}\n\n"
        "Filed under: {% for tag in highlight_tags %}[[{{tag}}]], {% endfor %}{% endif %}\n\n---"
    ),
}
WORDS = "harbour lamp orchard signal ledger meadow compass ember window thread river".split()


def _highlights(rng, n):
    out = []
    for i in range(n):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9))).capitalize() + "."
        out.append(
            {
                "highlight_text": text,
                "highlight_note": rng.choice(["", " ".join(rng.sample(WORDS, 3))]),
                "highlight_tags": rng.sample(["alpha", "beta-two", "gamma"], rng.randint(0, 2)),
                "highlight_location": f"Location {10 + i * 7}",
                "highlight_location_url": f"https://readwise.io/to_kindle?action=open&asin=B0X&location={10 + i * 7}",
            }
        )
    return out


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_notes_of_a_custom_template_read_back_exactly_with_it(name):
    rng = random.Random(name)
    tpl = Template(highlight=TEMPLATES[name], header="## Highlights", separator="\n\n" if "quote" in name else "\n")
    hints = compile_template(tpl)
    for _ in range(20):
        hs = _highlights(rng, rng.randint(1, 5))
        note = parse_text(
            render_note(tpl, {"title": "A Book", "author": "Someone", "category": "books"}, hs), "t.md", template=hints
        )
        assert len(note.highlights) == len(hs), name
        for got, want in zip(note.highlights, hs):
            assert got.text == plain_text(want["highlight_text"]), name
            assert (got.note or "") == want["highlight_note"], name
            assert got.tags == (want["highlight_tags"] if "highlight_tags" in TEMPLATES[name] else []), name
            assert got.location is not None and got.location.value == float(want["highlight_location"].split()[1]), name


def test_without_the_template_its_own_labels_are_not_guessed():
    """The point of configuring it: a note label of one's own is text without the template."""
    tpl = Template(highlight=TEMPLATES["arrow page"], header="## Highlights")
    hs = [
        {
            "highlight_text": "A lamp in the window.",
            "highlight_note": "a good one",
            "highlight_tags": [],
            "highlight_location": "Location 12",
            "highlight_location_url": "",
        }
    ]
    text = render_note(tpl, {"title": "A Book"}, hs)
    assert parse_text(text, "t.md").highlights[0].note != "a good one"
    assert parse_text(text, "t.md", template=compile_template(tpl)).highlights[0].note == "a good one"


def test_cli_reads_the_template_configured_in_hlkb_toml(run_cli, tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "hlkb.toml").write_text(
        '[template]\nhighlight = """' + TEMPLATES["arrow page"] + '"""\n', encoding="utf-8"
    )
    tpl = Template(highlight=TEMPLATES["arrow page"], header="## Highlights")
    hs = [
        {
            "highlight_text": "The ledger keeps its own weather.",
            "highlight_note": "true",
            "highlight_tags": ["alpha"],
            "highlight_location": "Location 40",
            "highlight_location_url": "",
        }
    ]
    (tmp_path / "book.md").write_text(render_note(tpl, {"title": "Ledgers"}, hs), encoding="utf-8")
    code, out, err = run_cli("parse", "--jsonl", tmp_path / "book.md")
    assert code == 0, err
    h = [json.loads(x) for x in out.splitlines() if '"highlight"' in x][0]
    assert (h["text"], h["note"], h["tags"], h["location"]["value"]) == (
        "The ledger keeps its own weather.",
        "true",
        ["alpha"],
        40,
    )


def test_a_broken_template_is_a_one_line_usage_error(run_cli, tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "hlkb.toml").write_text('[template]\nhighlight = "- {{ highlight_text "\n', encoding="utf-8")
    (tmp_path / "book.md").write_text("# A\n\n## Highlights\n- x (Page 1)\n", encoding="utf-8")
    code, out, err = run_cli("parse", "--jsonl", tmp_path / "book.md")
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "hlkb.toml" in err and "template" in err
