"""Data-driven parser tests: each tests/data/parse/<variant>.md has a <variant>.expect.yaml
beside it listing what a careful reader writes down (counts, ids, texts, notes, tags,
locations, lines). Only the keys an expectation lists are compared."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hlkb.parse import parse_file, parse_text

DATA = Path(__file__).parent / "data" / "parse"
FIXTURES = sorted(DATA.glob("*.md"))


def _expectation(path: Path) -> dict:
    return yaml.safe_load(path.with_suffix(".expect.yaml").read_text(encoding="utf-8"))


def _highlight_view(h) -> dict:
    return {
        "line": h.line,
        "text_end_line": h.text_end_line,
        "end_line": h.end_line,
        "text": h.text,
        "id": h.id,
        "readwise_id": h.readwise_id,
        "note": h.note,
        "note_line": h.note_line,
        "tags": h.tags,
        "tags_line": h.tags_line,
        "section": h.section,
        "color": h.color,
        "markdown": h.markdown,
        "lang": h.lang,
        "location": None
        if h.location is None
        else {
            "label": h.location.label,
            "url": h.location.url,
            "value": None if h.location.value is None else int(h.location.value),
        },
    }


def test_every_fixture_has_an_expectation():
    assert len(FIXTURES) >= 9
    for f in FIXTURES:
        assert f.with_suffix(".expect.yaml").is_file(), f"{f.name} has no expectation file"


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_fixture_matches_expectation(fixture: Path):
    expected = _expectation(fixture)
    note = parse_file(fixture)
    for key, value in expected["note"].items():
        assert getattr(note, key) == value, f"note.{key}"
    assert len(note.highlights) == expected["highlight_count"]
    assert len(expected["highlights"]) == expected["highlight_count"]
    for i, (h, want) in enumerate(zip(note.highlights, expected["highlights"])):
        got = _highlight_view(h)
        for key, value in want.items():
            if key == "location" and value is not None:
                assert got["location"] is not None, f"highlight {i} has no location"
                for lk, lv in value.items():
                    assert got["location"][lk] == lv, f"highlight {i} location.{lk}"
            else:
                assert got[key] == value, f"highlight {i} ({h.line}) {key}"
        # fields an expectation leaves out are empty
        for key in ("note", "note_line", "section", "color"):
            if key not in want:
                assert got[key] is None, f"highlight {i} unexpected {key}={got[key]!r}"
        if "tags" not in want:
            assert got["tags"] == [], f"highlight {i} unexpected tags"


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_crlf_and_bom_read_the_same(fixture: Path, tmp_path: Path):
    text = fixture.read_text(encoding="utf-8")
    variant = tmp_path / fixture.name
    variant.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    a, b = parse_file(fixture), parse_file(variant)
    assert [_highlight_view(h) for h in a.highlights] == [_highlight_view(h) for h in b.highlights]
    assert (a.id, a.title, a.tags) == (b.id, b.title, b.tags)


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_ids_are_unique_and_survive_a_move(fixture: Path):
    text = fixture.read_text(encoding="utf-8")
    here = parse_text(text, "a/" + fixture.name, file_name=fixture.name)
    moved = parse_text(text, "elsewhere/deeper/" + fixture.name, file_name=fixture.name)
    ids = [h.id for h in here.highlights]
    assert len(ids) == len(set(ids))
    assert here.id == moved.id and ids == [h.id for h in moved.highlights]
    assert all(h.note_id == here.id for h in here.highlights)
