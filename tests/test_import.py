"""`hlkb import`: Readwise's CSV and API export JSON into notes, and every later import
into the same notes (updates in place, renames, conflicts, --prune, edits kept)."""

from __future__ import annotations

import copy
import json
import os
import shutil
from pathlib import Path

import pytest

from hlkb.parse import parse_file

DATA = Path(__file__).parent / "data" / "import"


def export_page() -> dict:
    return json.loads((DATA / "export-page.json").read_text(encoding="utf-8"))


def write_export(path: Path, data) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def notes_of(vault: Path) -> dict[str, Path]:
    return {p.relative_to(vault).as_posix(): p for p in sorted(vault.rglob("*.md")) if ".hlkb" not in p.parts}


def highlights_of(vault: Path) -> dict[str, tuple[str, object]]:
    """readwise id -> (note path, parsed highlight) over the whole vault."""
    out = {}
    from hlkb.config import template_for

    for rel, path in notes_of(vault).items():
        for h in parse_file(path, rel, template=template_for(path)).highlights:  # as `hlkb parse` reads them
            if h.readwise_id:
                assert h.readwise_id not in out, f"highlight {h.readwise_id} twice: {rel} and {out[h.readwise_id][0]}"
                out[h.readwise_id] = (rel, h)
    return out


def snapshot(vault: Path) -> dict[str, tuple[bytes, int]]:
    return {rel: (p.read_bytes(), p.stat().st_mtime_ns) for rel, p in notes_of(vault).items()}


def book(data: dict, book_id: int) -> dict:
    return next(b for b in data["results"] if b["user_book_id"] == book_id)


def highlight(data: dict, hid: int) -> dict:
    return next(h for b in data["results"] for h in b["highlights"] if h["id"] == hid)


@pytest.fixture
def vault(tmp_path) -> Path:
    v = tmp_path / "vault"
    v.mkdir()
    return v


@pytest.fixture
def imported(vault, tmp_path, run_cli):
    """A vault after importing the fixture export once; (vault, export data, export file)."""
    data = export_page()
    source = write_export(tmp_path / "export.json", data)
    code, out, err = run_cli("import", "--vault", vault, source)
    assert code == 0, err
    return vault, data, source


# -- inputs --------------------------------------------------------------------------------------------


def test_api_export_page_becomes_one_note_per_book_in_category_folders(imported):
    vault, data, _ = imported
    assert sorted(notes_of(vault)) == [
        "Readwise/Articles/Why Small Gardens Feed Cities.md",
        "Readwise/Books/AC-DC Live at Wembley 1 Part 2.md",
        "Readwise/Books/The Lighthouse Keeper's Ledger.md",
        "Readwise/Books/山中的茶园.md",
        "Readwise/Podcasts/Ep. 88 The Economics of Tea.md",
        "Readwise/Tweets/Tweets From Ada Quill.md",
    ]
    got = highlights_of(vault)
    for b in data["results"]:
        for h in b["highlights"]:
            hid = str(h["id"])
            if h["is_discard"] or h["note"] == ".h2":
                assert hid not in got  # discarded; a heading (its note .h2) heads the next ones
                continue
            rel, parsed = got[hid]
            assert parsed.note == (h["note"] or None) and parsed.tags == [t["name"] for t in h["tags"]]
    ledger = parse_file(vault / "Readwise/Books/The Lighthouse Keeper's Ledger.md")
    assert ledger.front_matter["readwise_book_id"] == 5001 and ledger.title == "The Lighthouse Keeper's Ledger"
    assert [h.location.label for h in ledger.highlights] == [
        "Location 120",
        "Location 345",
        "Location 512",
        "Location 640",
    ]
    assert (
        ledger.highlights[2].text
        == "Oil, wick, glass: three things to check before the sun goes down. Then check them again."
    )
    assert ledger.highlights[3].text == "# of nights without a ship: forty-one" and ledger.highlights[3].section
    tea = parse_file(vault / "Readwise/Podcasts/Ep. 88 The Economics of Tea.md")
    assert [(h.location.label, h.location.value) for h in tea.highlights] == [
        ("Time 0:12:34", 754),
        ("Time 1:02:05", 3725),
    ]
    tweets = parse_file(vault / "Readwise/Tweets/Tweets From Ada Quill.md")
    assert [h.location.label for h in tweets.highlights] == ["View Tweet", "View Tweet"]
    assert tweets.highlights[1].text == "Reminder: your backlog is a museum, not a plan. #productivity"
    zh = parse_file(vault / "Readwise/Books/山中的茶园.md")
    assert zh.title == "山中的茶园" and zh.highlights[0].note == "开篇的景色描写" and zh.highlights[0].tags == ["风景"]
    assert zh.highlights[0].location.label == "View Highlight"  # no location: the highlight's link
    gardens = parse_file(vault / "Readwise/Articles/Why Small Gardens Feed Cities.md")
    assert (
        gardens.highlights[0].text == "A single rooftop bed can yield more than a hedge of ornamental shrubs ever will."
    )
    assert gardens.highlights[1].text == "- The verge is the commons nobody noticed."
    assert gardens.url == "https://gardens.example.org/small-gardens" and gardens.document_tags == [
        "urbanism",
        "food systems",
    ]
    odd = parse_file(vault / "Readwise/Books/AC-DC Live at Wembley 1 Part 2.md")
    assert odd.title == 'AC/DC: "Live" <at> Wembley? #1 | Part 2*'


def test_list_jsonl_csv_and_stdin_are_read_by_their_content(vault, run_cli, tmp_path, monkeypatch):
    import io

    renamed = tmp_path / "export.txt"  # the suffix does not matter: the content does
    shutil.copy(DATA / "export.jsonl", renamed)
    code, _, err = run_cli("import", "--vault", vault, renamed, DATA / "export-list.json", DATA / "library.csv")
    assert code == 0, err
    got = highlights_of(vault)
    assert {"900101", "900201", "900301", "900401", "900501", "900601"} <= set(got)
    maps = parse_file(vault / "Readwise/Books/Field Notes on Maps.md")
    assert [h.text for h in maps.highlights] == [
        "A map is an argument about what to leave out.",
        "Scale bars lie politely; projections lie with conviction.",
        "Coastlines have no length until you choose a ruler.",
    ]
    assert maps.highlights[0].note == "the thesis, in one line" and maps.highlights[0].tags == ["maps", "argument"]
    assert str(maps.front_matter["readwise_book_id"]).startswith("csv-") and maps.document_tags == ["cartography"]
    assert parse_file(vault / "Readwise/Books/地图之外.md").highlights[0].location.label == "Page 37"
    assert parse_file(vault / "Readwise/Podcasts/Ep. 12 Harvest Math.md").highlights[0].location.label == "Time 0:21:05"
    assert parse_file(vault / "Readwise/Articles/The Quiet Web.md").highlights[0].location is None
    stdin = tmp_path / "stdin-vault"
    stdin.mkdir()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO((DATA / "library.csv").read_bytes())))
    code, _, err = run_cli("import", "--vault", stdin, "-")
    assert code == 0, err
    assert len(notes_of(stdin)) == 5


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"just some words\n", "not a Readwise export"),
        (b'{"results": 3}', "results is not a list"),
        (b'{"results": [{"user_book_id": "x1", "highlights": []}]}', "user_book_id is not a Readwise id"),
        (b'{"results": [{"user_book_id": 1, "highlights": [{"id": 2}]}]}', "has no text"),
        (b'{"count": 1, "results": [\n  {"user_book_id": 1,,}]}', ":2:"),
        (b'{"user_book_id": 1, "highlights": []}\n{"user_book_id": 2, "highlights": [}\n', ":2:"),
        (b"Title,Author\nx,y\n", "not a Readwise export"),
        (b"\xff\xfe\x00x", "not UTF-8"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(vault, run_cli, tmp_path, content, expected):
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    code, out, err = run_cli("import", "--vault", vault, DATA / "export-page.json", bad)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and expected in err and str(bad) in err
    assert not any(vault.iterdir())  # no note, and no index either


# -- a second import ----------------------------------------------------------------------------------------


def test_second_import_writes_nothing(imported, run_cli):
    vault, _, source = imported
    before = snapshot(vault)
    code, out, err = run_cli("import", "--vault", vault, source, "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["created"] == [] and summary["updated"] == [] and summary["unchanged"] == 6
    assert summary["highlights"] == {"added": 0, "updated": 0, "removed": 0} and summary["version"] == 1
    assert snapshot(vault) == before
    assert [f["kind"] for f in summary["findings"]] == []  # the discarded one was never written


def test_second_import_after_the_index_is_deleted_still_writes_nothing(imported, run_cli):
    vault, _, source = imported
    shutil.rmtree(vault / ".hlkb")
    before = snapshot(vault)
    code, _, err = run_cli("import", "--vault", vault, source)
    assert code == 0, err
    assert snapshot(vault) == before and "0 conflicts" in err


def test_the_index_is_refreshed_with_the_new_notes(imported, run_cli):
    vault, _, _ = imported
    code, out, err = run_cli("search", "ledger storms", "--vault", vault, "--no-refresh", "--json")
    assert code == 0, err
    hits = json.loads(out)
    assert any(h.get("readwise_id") == "900102" for h in hits)


# -- updates -------------------------------------------------------------------------------------------------


def _diff_lines(before: bytes, after: bytes) -> tuple[list[str], list[str]]:
    import difflib

    a, b = before.decode().splitlines(), after.decode().splitlines()
    removed, added = [], []
    for line in difflib.ndiff(a, b):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def test_a_change_in_readwise_changes_only_that_highlights_lines(imported, run_cli, tmp_path):
    vault, data, _ = imported
    path = vault / "Readwise/Books/The Lighthouse Keeper's Ledger.md"
    # the user's own words: a paragraph, a heading and a front-matter key, kept byte for byte
    text = path.read_bytes().replace(b"## Highlights\n", b"My own intro, *in my words*.\n\n## Highlights\n")
    text = (
        text.replace(b"readwise_book_id: 5001\n", b"readwise_book_id: 5001\nrating: 5\n") + b"\n## My thoughts\nKeep.\n"
    )
    path.write_bytes(text)
    changed = copy.deepcopy(data)
    highlight(changed, 900101)["note"] = "the central image, revisited"
    highlight(changed, 900102)["text"] = "The ledger recorded the hours between storms."
    code, out, err = run_cli("import", "--vault", vault, write_export(tmp_path / "v2.json", changed), "--json")
    assert code == 0, err
    assert json.loads(out)["updated"] == ["Readwise/Books/The Lighthouse Keeper's Ledger.md"]
    removed, added = _diff_lines(text, path.read_bytes())
    assert removed == [
        "    - Note: the central image of the book",
        "- The ledger did not record storms; it recorded the hours between them. ([Location 345]"
        "(https://readwise.io/to_kindle?action=open&asin=B0LEDGER01&location=345)) ^rw900102",
    ]
    assert added == [
        "    - Note: the central image, revisited",
        "- The ledger recorded the hours between storms. ([Location 345]"
        "(https://readwise.io/to_kindle?action=open&asin=B0LEDGER01&location=345)) ^rw900102",
    ]
    got = highlights_of(vault)
    assert got["900101"][1].note == "the central image, revisited"
    # and once more: nothing
    before = snapshot(vault)
    assert run_cli("import", "--vault", vault, tmp_path / "v2.json")[0] == 0
    assert snapshot(vault) == before


def test_crlf_and_a_bom_are_kept_and_new_lines_take_the_files_newline(imported, run_cli, tmp_path):
    vault, data, _ = imported
    path = vault / "Readwise/Books/山中的茶园.md"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    changed = copy.deepcopy(data)
    highlight(changed, 900502)["note"] = "工序的细节"
    code, _, err = run_cli("import", "--vault", vault, write_export(tmp_path / "v2.json", changed))
    assert code == 0, err
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\n" not in raw.replace(b"\r\n", b"")
    assert "    - Note: 工序的细节\r\n" in raw.decode("utf-8-sig")


def test_new_highlights_go_after_the_one_before_them_by_location(imported, run_cli, tmp_path):
    vault, data, _ = imported
    changed = copy.deepcopy(data)
    ledger = book(changed, 5001)
    template = ledger["highlights"][1]
    ledger["highlights"] += [
        dict(
            template,
            id=900110,
            text="Between the first two.",
            location=200,
            readwise_url="https://readwise.io/open/900110",
        ),
        dict(
            template,
            id=900111,
            text="After the last one.",
            location=9000,
            readwise_url="https://readwise.io/open/900111",
        ),
        dict(template, id=900112, text="Before the first.", location=5, readwise_url="https://readwise.io/open/900112"),
    ]
    code, out, err = run_cli("import", "--vault", vault, write_export(tmp_path / "v2.json", changed), "--json")
    assert code == 0, err
    assert json.loads(out)["highlights"]["added"] == 3
    note = parse_file(vault / "Readwise/Books/The Lighthouse Keeper's Ledger.md")
    assert [h.readwise_id for h in note.highlights] == [
        "900112",
        "900101",
        "900110",
        "900102",
        "900103",
        "900105",
        "900111",
    ]


def test_new_highlights_copy_the_notes_own_separator(imported, run_cli, tmp_path):
    vault, data, _ = imported
    path = vault / "Readwise/Podcasts/Ep. 88 The Economics of Tea.md"
    lines = path.read_text(encoding="utf-8").split("\n")
    first = next(i for i, line in enumerate(lines) if line.startswith("- Speaker 2"))
    path.write_text("\n".join(lines[:first] + ["", "---", ""] + lines[first:]), encoding="utf-8")
    changed = copy.deepcopy(data)
    tea = book(changed, 5004)
    tea["highlights"].append(
        dict(
            tea["highlights"][1],
            id=900403,
            text="Speaker 1: And then the rains came.",
            location=4000,
            readwise_url="https://readwise.io/open/900403",
        )
    )
    code, _, err = run_cli("import", "--vault", vault, write_export(tmp_path / "v2.json", changed))
    assert code == 0, err
    text = path.read_text(encoding="utf-8")
    assert text.endswith(
        "([Time 1:02:05](https://www.airr.io/quote/longtable88b)) ^rw900402\n\n---\n\n"
        "- Speaker 1: And then the rains came. ([Time 1:06:40](https://www.airr.io/quote/longtable88b)) "
        "^rw900403\n"
    )


def test_a_renamed_and_moved_note_is_updated_where_it_now_lives(imported, run_cli, tmp_path):
    vault, data, _ = imported
    (vault / "Reading" / "2024").mkdir(parents=True)
    moved = vault / "Reading" / "2024" / "ledger (my copy).md"
    (vault / "Readwise/Books/The Lighthouse Keeper's Ledger.md").rename(moved)
    changed = copy.deepcopy(data)
    highlight(changed, 900103)["tags"].append({"id": 30, "name": "checklist"})
    ledger = book(changed, 5001)
    ledger["highlights"].append(
        dict(
            ledger["highlights"][1],
            id=900113,
            text="A new one.",
            location=700,
            readwise_url="https://readwise.io/open/900113",
        )
    )
    code, out, err = run_cli("import", "--vault", vault, write_export(tmp_path / "v2.json", changed), "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["created"] == [] and summary["updated"] == ["Reading/2024/ledger (my copy).md"]
    assert not (vault / "Readwise/Books/The Lighthouse Keeper's Ledger.md").exists()
    got = highlights_of(vault)
    assert got["900103"][1].tags == ["ritual", "checklist"] and got["900113"][0] == "Reading/2024/ledger (my copy).md"


# -- conflicts ---------------------------------------------------------------------------------------------------


def _edit_in_vault(vault: Path, rel: str, old: str, new: str) -> Path:
    path = vault / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_a_highlight_edited_in_the_vault_and_in_readwise_is_a_conflict(imported, run_cli, tmp_path):
    vault, data, _ = imported
    rel = "Readwise/Books/The Lighthouse Keeper's Ledger.md"
    path = _edit_in_vault(vault, rel, "a promise kept to a stranger.", "a promise kept to a stranger (my emphasis).")
    mine = path.read_bytes()
    changed = copy.deepcopy(data)
    highlight(changed, 900101)["note"] = "Readwise's new note"
    highlight(changed, 900102)["note"] = "an unedited one changes as usual"
    source = write_export(tmp_path / "v2.json", changed)
    code, out, err = run_cli("import", "--vault", vault, source, "--json")
    assert code == 1
    conflicts = json.loads(out)["conflicts"]
    line = mine.decode().split("\n").index(next(ln for ln in mine.decode().split("\n") if "my emphasis" in ln)) + 1
    assert conflicts == [
        {"path": rel, "line": line, "book": "5001", "highlight": "900101", "reason": conflicts[0]["reason"]}
    ]
    assert f"{rel}:{line}: conflict: highlight 900101" in err
    got = highlights_of(vault)
    assert got["900101"][1].text.endswith("(my emphasis).") and got["900101"][1].note == "the central image of the book"
    assert got["900102"][1].note == "an unedited one changes as usual"
    # reported again until decided; "keep" keeps the user's lines and stops reporting it
    assert run_cli("import", "--vault", vault, source)[0] == 1
    before = snapshot(vault)
    assert run_cli("import", "--vault", vault, source, "--on-conflict", "keep")[0] == 0
    assert snapshot(vault) == before
    assert run_cli("import", "--vault", vault, source)[0] == 0


def test_on_conflict_readwise_takes_readwises_version(imported, run_cli, tmp_path):
    vault, data, _ = imported
    _edit_in_vault(
        vault,
        "Readwise/Books/The Lighthouse Keeper's Ledger.md",
        "    - Note: the central image of the book",
        "    - Note: my own rewording",
    )
    changed = copy.deepcopy(data)
    highlight(changed, 900101)["note"] = "Readwise's new note"
    code, _, err = run_cli(
        "import", "--vault", vault, write_export(tmp_path / "v2.json", changed), "--on-conflict", "readwise"
    )
    assert code == 0, err
    assert highlights_of(vault)["900101"][1].note == "Readwise's new note"


def test_an_edit_in_the_vault_alone_is_kept(imported, run_cli, tmp_path):
    vault, data, source = imported
    path = _edit_in_vault(
        vault, "Readwise/Books/山中的茶园.md", "    - Note: 开篇的景色描写", "    - Note: 我改写的笔记"
    )
    before = path.read_bytes()
    changed = copy.deepcopy(data)
    highlight(changed, 900502)["note"] = "另一条的变化"
    code, _, err = run_cli("import", "--vault", vault, write_export(tmp_path / "v2.json", changed))
    assert code == 0, err
    got = highlights_of(vault)
    assert got["900501"][1].note == "我改写的笔记" and got["900502"][1].note == "另一条的变化"
    assert path.read_bytes() != before


def test_a_note_hlkb_did_not_write_is_updated_only_where_it_reads_the_same(vault, run_cli, tmp_path):
    """A vault Readwise's own export made: no record of what hlkb wrote. A highlight that
    reads as Readwise's is unedited (recorded, then updated later); one that differs is a
    conflict, never overwritten."""
    data = export_page()
    code, _, err = run_cli("import", "--vault", vault, write_export(tmp_path / "v1.json", data))
    assert code == 0, err
    shutil.rmtree(vault / ".hlkb")
    rel = "Readwise/Tweets/Tweets From Ada Quill.md"
    _edit_in_vault(vault, rel, "funded. 🧵", "funded. 🧵 (so I thought)")
    changed = copy.deepcopy(data)
    highlight(changed, 900301)["note"] = "first"
    code, out, err = run_cli("import", "--vault", vault, write_export(tmp_path / "v2.json", changed), "--json")
    assert code == 1 and json.loads(out)["conflicts"][0]["highlight"] == "900301"
    assert "no record of writing it" in err
    assert run_cli("import", "--vault", vault, tmp_path / "v2.json")[0] == 1  # still differs, still unrecorded
    assert run_cli("import", "--vault", vault, tmp_path / "v2.json", "--on-conflict", "keep")[0] == 0
    assert run_cli("import", "--vault", vault, tmp_path / "v2.json")[0] == 0  # decided: not reported again
    highlight(changed, 900301)["note"] = "second"
    highlight(changed, 900302)["note"] = "changed later"
    code, out, err = run_cli("import", "--vault", vault, write_export(tmp_path / "v3.json", changed), "--json")
    assert code == 1 and json.loads(out)["conflicts"][0]["highlight"] == "900301"  # still the user's text
    got = highlights_of(vault)
    assert got["900301"][1].text.endswith("(so I thought)") and got["900302"][1].note == "changed later"


# -- deleted in Readwise, removed in the vault ------------------------------------------------------------------------


def test_deleted_highlights_are_reported_and_removed_only_with_prune(imported, run_cli, tmp_path):
    vault, data, _ = imported
    rel = "Readwise/Books/The Lighthouse Keeper's Ledger.md"
    path = vault / rel
    changed = copy.deepcopy(data)
    highlight(changed, 900102)["is_deleted"] = True
    highlight(changed, 900103)["is_discard"] = True
    source = write_export(tmp_path / "v2.json", changed)
    before = path.read_bytes()
    code, out, err = run_cli("import", "--vault", vault, source, "--json")
    assert code == 0 and path.read_bytes() == before
    findings = json.loads(out)["findings"]
    assert [(f["kind"], f["highlight"]) for f in findings] == [
        ("deleted-in-readwise", "900102"),
        ("deleted-in-readwise", "900103"),
    ]
    assert f"{rel}:{findings[0]['line']}: highlight 900102 was deleted" in err
    code, out, err = run_cli("import", "--vault", vault, source, "--prune", "--json")
    assert code == 0, err
    assert json.loads(out)["highlights"]["removed"] == 2
    removed, added = _diff_lines(before, path.read_bytes())
    lines = before.decode().split("\n")
    start = next(i for i, line in enumerate(lines) if "^rw900102" in line)
    stop = next(i for i, line in enumerate(lines) if line.startswith("- Part Two"))
    assert added == [] and removed == lines[start:stop]  # the two highlights' own lines, no more
    assert [h.readwise_id for h in parse_file(path).highlights] == ["900101", "900105"]
    before = snapshot(vault)
    assert run_cli("import", "--vault", vault, source, "--prune")[0] == 0 and snapshot(vault) == before


def test_prune_keeps_a_deleted_highlight_the_user_edited(imported, run_cli, tmp_path):
    vault, data, _ = imported
    _edit_in_vault(vault, "Readwise/Books/山中的茶园.md", "十几道工序", "十几道复杂的工序")
    changed = copy.deepcopy(data)
    highlight(changed, 900502)["is_deleted"] = True
    code, out, err = run_cli(
        "import", "--vault", vault, write_export(tmp_path / "v2.json", changed), "--prune", "--json"
    )
    assert code == 1 and json.loads(out)["conflicts"][0]["highlight"] == "900502"
    assert "900502" in highlights_of(vault)


def test_a_highlight_the_user_removed_is_not_added_again(imported, run_cli, tmp_path):
    vault, data, _ = imported
    path = vault / "Readwise/Tweets/Tweets From Ada Quill.md"
    lines = path.read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if "^rw900302" in line)
    path.write_text("\n".join(lines[:start] + lines[start + 3 :]), encoding="utf-8")
    before = path.read_bytes()
    changed = copy.deepcopy(data)
    highlight(changed, 900301)["note"] = "a change elsewhere in the book"
    code, out, err = run_cli("import", "--vault", vault, write_export(tmp_path / "v2.json", changed), "--json")
    assert code == 0, err
    assert "900302" not in highlights_of(vault)
    assert [f["kind"] for f in json.loads(out)["findings"]] == ["removed-in-vault"]
    assert path.read_bytes() != before


def test_a_csv_export_that_no_longer_lists_a_highlight_deleted_it(vault, run_cli, tmp_path):
    csv_text = (DATA / "library.csv").read_text(encoding="utf-8")
    assert run_cli("import", "--vault", vault, DATA / "library.csv")[0] == 0
    gone = "\n".join(line for line in csv_text.split("\n") if not line.startswith('"Coastlines'))
    source = tmp_path / "later.csv"
    source.write_text(gone, encoding="utf-8")
    code, out, err = run_cli("import", "--vault", vault, source, "--json")
    assert code == 0 and [f["kind"] for f in json.loads(out)["findings"]] == ["deleted-in-readwise"]
    assert run_cli("import", "--vault", vault, source, "--prune")[0] == 0
    maps = parse_file(vault / "Readwise/Books/Field Notes on Maps.md")
    assert [h.text[:9] for h in maps.highlights] == ["A map is ", "Scale bar"]


# -- finding notes ---------------------------------------------------------------------------------------------------


def test_a_note_readwises_own_export_wrote_is_found_by_its_highlight_ids(vault, run_cli, tmp_path):
    """No front matter, no hlkb record: found by the ids in its links; the book id is added
    to its front matter so that it is found by it from now on."""
    note = vault / "Books" / "Ledger.md"
    note.parent.mkdir()
    note.write_text(
        "# The Lighthouse Keeper's Ledger\n\n## Highlights\n"
        "- Every lamp that is lit at dusk is a promise kept to a stranger. "
        "([View Highlight](https://readwise.io/open/900101))\n"
        "    - Tags: [[light]] [[duty]]\n    - Note: the central image of the book\n",
        encoding="utf-8",
    )
    code, out, err = run_cli("import", "--vault", vault, DATA / "export-page.json", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert "Books/Ledger.md" in summary["updated"] and not any("Ledger" in p for p in summary["created"])
    fm_note = parse_file(note)
    assert fm_note.front_matter == {"readwise_book_id": 5001}
    assert [h.readwise_id for h in fm_note.highlights] == ["900101", "900102", "900103", "900105"]
    before = snapshot(vault)
    assert run_cli("import", "--vault", vault, DATA / "export-page.json")[0] == 0 and snapshot(vault) == before


def test_a_note_made_from_the_csv_is_the_same_books_note_for_the_api(vault, run_cli, tmp_path):
    assert run_cli("import", "--vault", vault, DATA / "library.csv")[0] == 0
    maps = vault / "Readwise/Books/Field Notes on Maps.md"
    book_json = {
        "user_book_id": 7001,
        "title": "Field Notes on Maps",
        "author": "Ines Varga",
        "category": "books",
        "asin": "B0MAPS0001",
        "highlights": [
            {
                "id": 700101,
                "text": "A map is an argument about what to leave out.",
                "location": 88,
                "location_type": "location",
                "note": "the thesis, in one line",
                "tags": [{"name": "maps"}, {"name": "argument"}],
            },
            {
                "id": 700102,
                "text": "Legends are where maps admit their assumptions.",
                "location": 300,
                "location_type": "location",
            },
        ],
    }
    code, out, err = run_cli("import", "--vault", vault, write_export(tmp_path / "api.json", [book_json]), "--json")
    assert code == 0, err
    assert json.loads(out)["updated"] == ["Readwise/Books/Field Notes on Maps.md"]
    note = parse_file(maps)
    assert note.front_matter["readwise_book_id"] == 7001
    assert [h.text[:9] for h in note.highlights] == ["A map is ", "Scale bar", "Coastline", "Legends a"]


# -- files ---------------------------------------------------------------------------------------------------------


def test_an_existing_file_is_never_overwritten_and_a_taken_name_gets_a_suffix(vault, run_cli):
    mine = vault / "Readwise" / "Books" / "the lighthouse keeper's ledger.md"  # another case: one name on macOS
    mine.parent.mkdir(parents=True)
    mine.write_text("my own note\n", encoding="utf-8")
    code, out, err = run_cli("import", "--vault", vault, DATA / "export-page.json", "--json")
    assert code == 0, err
    assert mine.read_text(encoding="utf-8") == "my own note\n"
    assert "Readwise/Books/The Lighthouse Keeper's Ledger 2.md" in json.loads(out)["created"]


def test_import_settings_choose_folders_and_file_names(vault, run_cli):
    (vault / "hlkb.toml").write_text(
        '[import]\nfolder = "Library"\nfile_name = "{{ author }} - {{ title }}"\n\n'
        '[import.folders]\ntweets = "Social/Twitter"\n',
        encoding="utf-8",
    )
    code, out, err = run_cli("import", "--vault", vault, DATA / "export-page.json", "--json")
    assert code == 0, err
    created = json.loads(out)["created"]
    assert "Library/Books/Mara Ellison - The Lighthouse Keeper's Ledger.md" in created
    assert "Social/Twitter/@adaquill - Tweets From Ada Quill.md" in created
    (vault / "hlkb.toml").write_text('[import]\ncategory_folders = false\nfolder = ""\n', encoding="utf-8")
    other = vault / "flat"
    other.mkdir()
    (other / "hlkb.toml").write_text('[import]\ncategory_folders = false\nfolder = "."\n', encoding="utf-8")
    code, out, err = run_cli("import", "--vault", other, DATA / "export-list.json", "--json")
    assert code == 0, err
    assert sorted(json.loads(out)["created"]) == [
        "Ep. 88 The Economics of Tea.md",
        "山中的茶园.md",
        "AC-DC Live at Wembley 1 Part 2.md",
    ] or sorted(json.loads(out)["created"]) == sorted(
        ["Ep. 88 The Economics of Tea.md", "山中的茶园.md", "AC-DC Live at Wembley 1 Part 2.md"]
    )


@pytest.mark.parametrize(
    "table, message",
    [
        ('[import]\nfolders = "x"\n', "'folders' must be a table"),
        ("[import]\nmax_name_length = 3\n", "max_name_length"),
        ("[import]\ncolour = 1\n", "unknown import setting 'colour'"),
        ('[import]\nfile_name = "{{ title"\n', "template error"),
    ],
)
def test_bad_import_settings_are_one_line(vault, run_cli, table, message):
    (vault / "hlkb.toml").write_text(table, encoding="utf-8")
    code, out, err = run_cli("import", "--vault", vault, DATA / "export-page.json")
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (vault / "Readwise").exists()


def test_a_category_folder_linked_out_of_the_vault_is_refused(vault, run_cli, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (vault / "Readwise").mkdir()
    os.symlink(outside, vault / "Readwise" / "Books")
    code, out, err = run_cli("import", "--vault", vault, DATA / "export-page.json")
    assert code == 2 and "outside the vault" in err
    assert not any(outside.iterdir())
    assert (vault / "Readwise/Tweets/Tweets From Ada Quill.md").exists()  # the other notes are written


def test_dry_run_prints_the_diff_and_writes_nothing(vault, run_cli, tmp_path):
    code, out, err = run_cli("import", "--vault", vault, DATA / "export-page.json", "--dry-run")
    assert code == 0, err
    assert "+++ b/Readwise/Books/The Lighthouse Keeper's Ledger.md" in out and "--- /dev/null" in out
    assert "+- Every lamp that is lit at dusk" in out and "dry run: " in err
    assert not any(vault.iterdir())
    assert run_cli("import", "--vault", vault, DATA / "export-page.json")[0] == 0
    changed = export_page()
    highlight(changed, 900401)["note"] = "checked: true"
    code, out, err = run_cli(
        "import", "--vault", vault, write_export(tmp_path / "v2.json", changed), "--dry-run", "--json"
    )
    assert code == 0
    summary = json.loads(out)
    diff = summary["diffs"]["Readwise/Podcasts/Ep. 88 The Economics of Tea.md"]
    assert "-    - Note: check this claim\n+    - Note: checked: true\n" in diff
    assert "check this claim" in (vault / "Readwise/Podcasts/Ep. 88 The Economics of Tea.md").read_text(
        encoding="utf-8"
    )


def test_a_note_changed_after_planning_is_not_written(imported, tmp_path):
    """The hash check: a file edited between planning and writing is reported, not written."""
    from hlkb.index import open_index
    from hlkb.readwise.exports import read_export
    from hlkb.readwise.importer import plan_import, write_import
    from hlkb.readwise.plans import Options
    from hlkb.readwise.state import ImportState

    vault, data, _ = imported
    changed = copy.deepcopy(data)
    highlight(changed, 900101)["note"] = "new"
    books = read_export(write_export(tmp_path / "v2.json", changed)).books
    with open_index(vault) as index:
        plan = plan_import(vault, books, ImportState(index.conn).for_books([b.key for b in books]), Options())
    path = vault / "Readwise/Books/The Lighthouse Keeper's Ledger.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nwritten meanwhile\n", encoding="utf-8")
    result = write_import(plan, vault)
    assert result.written == [] and "changed since it was read" in result.errors[0]
    assert path.read_text(encoding="utf-8").endswith("written meanwhile\n")


# -- a template of the user's own ------------------------------------------------------------------------------------

TEMPLATE = '''[template]
highlight = """* {{ highlight_text }}{% if highlight_location_url %} ([{{ highlight_location }}]({{ highlight_location_url }})){% elif highlight_location %} ({{ highlight_location }}){% endif %}{% if highlight_note %}
    * 💡 My take — {{ highlight_note }}{% endif %}"""
separator = "\\n\\n"
front_matter = """title: {{ title | yaml }}
source: readwise"""
'''


def test_the_users_own_template_is_written_and_read_back(vault, run_cli, tmp_path):
    (vault / "hlkb.toml").write_text(TEMPLATE, encoding="utf-8")
    code, _, err = run_cli("import", "--vault", vault, DATA / "export-page.json")
    assert code == 0, err
    path = vault / "Readwise/Books/The Lighthouse Keeper's Ledger.md"
    text = path.read_text(encoding="utf-8")
    assert (
        "* Every lamp that is lit at dusk is a promise kept to a stranger. ([Location 120](https://readwise.io/"
        "to_kindle?action=open&asin=B0LEDGER01&location=120)) ^rw900101\n    * 💡 My take — the central image of "
        "the book\n\n* The ledger"
    ) in text
    assert "source: readwise\nreadwise_book_id: 5001\n" in text
    got = highlights_of(vault)
    assert got["900101"][1].note == "the central image of the book"
    before = snapshot(vault)
    assert run_cli("import", "--vault", vault, DATA / "export-page.json")[0] == 0 and snapshot(vault) == before
    changed = export_page()
    highlight(changed, 900102)["note"] = "now with a note"
    ledger = book(changed, 5001)
    ledger["highlights"].append(
        dict(
            ledger["highlights"][0],
            id=900120,
            text="Added in my layout.",
            location=9999,
            note="",
            tags=[],
            readwise_url="https://readwise.io/open/900120",
        )
    )
    code, _, err = run_cli("import", "--vault", vault, write_export(tmp_path / "v2.json", changed))
    assert code == 0, err
    text = path.read_text(encoding="utf-8")
    assert "&location=345)) ^rw900102\n    * 💡 My take — now with a note\n\n* Oil, wick" in text
    assert text.endswith(
        "^rw900105\n\n* Added in my layout. ([Location 9999](https://readwise.io/to_kindle?"
        "action=open&asin=B0LEDGER01&location=9999)) ^rw900120\n"
    )
    assert highlights_of(vault)["900102"][1].note == "now with a note"


def test_a_template_the_parser_cannot_read_back_is_refused(vault, run_cli):
    (vault / "hlkb.toml").write_text(
        '''[template]
highlight = """> {{ highlight_text }}
> — {{ highlight_location }}{% if highlight_note %}
>
> 💡 My take — {{ highlight_note }}{% endif %}"""
''',
        encoding="utf-8",
    )
    code, out, err = run_cli("import", "--vault", vault, DATA / "export-page.json")
    assert code == 2 and "cannot use this export template" in err and "hlkb.toml" in err
    assert len(err.strip().splitlines()) == 1 and not (vault / "Readwise").exists()


def test_a_note_in_readwises_default_layout_gets_new_highlights_in_that_layout(imported, run_cli, tmp_path):
    """The configured template changed after the note was made: its new highlights follow
    the note's own layout, not the new template."""
    vault, data, _ = imported
    (vault / "hlkb.toml").write_text(TEMPLATE, encoding="utf-8")
    changed = copy.deepcopy(data)
    tweets = book(changed, 5003)
    tweets["highlights"].append(
        dict(
            tweets["highlights"][0],
            id=900303,
            text="Third tweet.",
            url="https://twitter.com/adaquill/status/3",
            readwise_url="https://readwise.io/open/900303",
        )
    )
    code, _, err = run_cli("import", "--vault", vault, write_export(tmp_path / "v2.json", changed))
    assert code == 0, err
    text = (vault / "Readwise/Tweets/Tweets From Ada Quill.md").read_text(encoding="utf-8")
    assert text.endswith(
        "    - Note: so true\n- Third tweet. ([View Tweet](https://twitter.com/adaquill/status/3)) ^rw900303\n"
    )


# -- the index schema ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [3, 4])
def test_an_index_of_schema_3_or_4_is_migrated_keeping_its_rows(imported, run_cli, version):
    """Schema 4 added the meaning vectors, schema 5 import_highlights: an older index takes
    every step up to the current one, and keeps its notes' rows (and a 4's vectors)."""
    import sqlite3

    from hlkb.index import schema

    vault, _, source = imported
    db = vault / ".hlkb" / "index.sqlite"
    conn = sqlite3.connect(db)
    with conn:
        records = conn.execute("SELECT count(*) FROM records").fetchone()[0]
        file_id, path, hash_ = conn.execute("SELECT id, path, hash FROM files ORDER BY id LIMIT 1").fetchone()
        conn.execute(
            "INSERT INTO vectors VALUES (?, ?, ?, 8, x'00', x'00', x'0000000000000000', x'0000000000000000')",
            (file_id, hash_, path),
        )
        conn.execute("INSERT INTO meta VALUES ('kept-by-a-migration', 'yes')")  # a rebuild would lose it
        conn.execute("DROP TABLE import_highlights")
        if version == 3:
            conn.execute("DROP TABLE vectors")
        conn.execute(f"PRAGMA user_version = {version}")
    conn.close()
    before = snapshot(vault)
    code, out, err = run_cli("import", "--vault", vault, source, "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["created"] == [] and summary["updated"] == [] and snapshot(vault) == before
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION == 5
        assert conn.execute("SELECT value FROM meta WHERE key = 'kept-by-a-migration'").fetchone() == ("yes",)
        assert conn.execute("SELECT count(*) FROM records").fetchone()[0] == records
        assert conn.execute("SELECT count(*) FROM vectors").fetchone()[0] == (1 if version == 4 else 0)
        assert conn.execute("SELECT count(*) FROM import_highlights").fetchone()[0] > 0  # recorded again
    finally:
        conn.close()


# -- the index the import leaves ------------------------------------------------------------------------------


def index_tables(db: Path) -> dict:
    """Every table of an index as it reads per note file (file ids and row ids are the
    order files were indexed in: rows are numbered from their file's first), the stored
    texts decompressed, and each full-text term's rows."""
    import sqlite3
    import zlib

    from hlkb.index.store import register_functions

    conn = sqlite3.connect(db)
    register_functions(conn)
    files = {}
    out: dict = {}
    for fid, path, lo, *rest in conn.execute(
        "SELECT id, path, rid_lo, size, mtime_ns, hash, note_id, error, title, author, category, date, "
        "rid_hi - rid_lo FROM files"
    ):
        files[fid] = (path, lo or 0)
        out[("files", path)] = rest

    def add(table: str, fid: int, row) -> None:
        out.setdefault((table, files[fid][0]), []).append(row)

    for fid, z in conn.execute("SELECT file_id, z FROM texts"):
        add("texts", fid, zlib.decompress(z))
    for rid, fid, passage, *rest in conn.execute(
        'SELECT rid, file_id, passage, id, kind, line, lang, pos, len, source, "check", attribution, counterpart '
        "FROM records"
    ):
        add("records", fid, (rid - files[fid][1], None if passage is None else passage - files[fid][1], *rest))
    for rid, fid, *rest in conn.execute("SELECT rid, file_id, line, end_line, pos, len FROM parts"):
        add("parts", fid, (rid - files[fid][1], *rest))
    for fid, rid, tag in conn.execute("SELECT file_id, rid, tag FROM tags"):
        add("tags", fid, (None if rid is None else rid - files[fid][1], tag))
    for fid, key, value in conn.execute("SELECT file_id, key, value FROM fields"):
        add("fields", fid, (key, value))
    conn.execute("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, 'fts', 'instance')")
    for fid, term, rid, col, offset in conn.execute(
        "SELECT f.id, t.term, t.doc, t.col, t.offset FROM temp.terms t JOIN files f ON t.doc BETWEEN f.rid_lo AND f.rid_hi"
    ):
        add("fts", fid, (term, rid - files[fid][1], col, offset))
    conn.execute("INSERT INTO fts(fts, rank) VALUES('integrity-check', 1)")
    out[("meta", "records")] = conn.execute("SELECT value FROM meta WHERE key = 'records'").fetchone()
    conn.close()
    return {
        key: sorted(rows, key=repr) if isinstance(rows, list) and key[0] != "files" else rows
        for key, rows in out.items()
    }


def refresh_module():
    import importlib

    return importlib.import_module("hlkb.index.refresh")  # hlkb.index.refresh is also the function


def _not_read_again(task):
    raise AssertionError(f"{task[1]} was read and parsed again to be indexed")


def many_books(copies: int) -> dict:
    """The fixture export's books ``copies`` times over, each copy with its own ids."""
    data = export_page()
    books = []
    for n in range(copies):
        for b in copy.deepcopy(data["results"]):
            b["user_book_id"] += 100_000 * n
            b["title"] += f" ({n})"
            for h in b["highlights"]:
                h["id"] += 10_000_000 * n
                h["readwise_url"] = f"https://readwise.io/open/{h['id']}"
            books.append(b)
    return {"count": len(books), "nextPageCursor": None, "results": books}


# 6 notes rendered here; 66 in worker processes, indexed in two batches (WRITTEN_BATCH)
@pytest.mark.parametrize("copies", [1, 11])
def test_the_index_the_import_leaves_is_the_one_hlkb_index_builds(vault, run_cli, tmp_path, monkeypatch, copies):
    """The new notes are indexed from the rows made where they were rendered, not read and
    parsed again: those rows must be what indexing the written files makes."""
    source = write_export(tmp_path / "export.json", many_books(copies))
    with monkeypatch.context() as patch:
        patch.setattr(refresh_module(), "parse_one", _not_read_again)
        code, _, err = run_cli("import", "--vault", vault, source)
    assert code == 0, err
    fresh = tmp_path / "fresh.sqlite"
    code, _, err = run_cli("index", "--vault", vault, "--db", fresh)
    assert code == 0, err
    imported, built = index_tables(vault / ".hlkb" / "index.sqlite"), index_tables(fresh)
    assert len([k for k in built if k[0] == "files"]) == 6 * copies
    assert imported == built


def test_a_highlight_that_would_be_misread_is_written_and_indexed_as_plain_text(vault, run_cli, tmp_path, monkeypatch):
    """A new note's highlight the parser would not give back is written again with its
    plain text, before the note is written; the index holds the note as written."""
    from hlkb.readwise.render import NoteRenderer

    reads_back = NoteRenderer.reads_back
    misread = "900102"  # "The ledger did not record storms; ..."

    def fails_for_one(self, h, item, expected=None):
        return item.readwise_id not in {misread, str(int(misread) + 80_000_000)} and reads_back(self, h, item, expected)

    source = write_export(tmp_path / "export.json", many_books(9))
    with monkeypatch.context() as patch:
        patch.setattr(NoteRenderer, "reads_back", fails_for_one)
        patch.setattr(refresh_module(), "parse_one", _not_read_again)
        code, out, err = run_cli("import", "--vault", vault, source, "--json")
    assert code == 0, err
    findings = [f for f in json.loads(out)["findings"] if f["kind"] == "misread"]
    # it, and its neighbours (a text can spill into the next), in the two notes of its book
    assert {misread, str(int(misread) + 80_000_000)} <= {f["highlight"] for f in findings}
    assert {f["book"] for f in findings} == {"5001", "805001"}
    fresh = tmp_path / "fresh.sqlite"
    code, _, err = run_cli("index", "--vault", vault, "--db", fresh)
    assert code == 0, err
    assert index_tables(vault / ".hlkb" / "index.sqlite") == index_tables(fresh)


def test_rows_prepared_from_other_bytes_than_the_files_are_not_used(vault, tmp_path, run_cli):
    """Rows made for what a note was to be written with index it only while it holds that:
    a note changed since (or written otherwise) is read and parsed as any other."""
    from hlkb.index import open_index, update_files

    note = vault / "a.md"
    note.write_text("# A\n\n- The text on disk.\n", encoding="utf-8")
    planned, _ = refresh_module().prepare_rows(b"# A\n\n- Another text.\n", "a.md", str(note))
    with open_index(vault) as index:
        update_files(index, [note], {"a.md": planned})
    fresh = tmp_path / "fresh.sqlite"
    code, _, err = run_cli("index", "--vault", vault, "--db", fresh)
    assert code == 0, err
    assert index_tables(vault / ".hlkb" / "index.sqlite") == index_tables(fresh)


def test_notes_an_import_edits_are_indexed_as_hlkb_index_reads_them(vault, run_cli, tmp_path, monkeypatch):
    """An edited note is indexed from the rows made when its edit was checked."""
    data = many_books(9)
    code, _, err = run_cli("import", "--vault", vault, write_export(tmp_path / "export.json", data))
    assert code == 0, err
    for b in data["results"][::7]:
        b["highlights"][0]["text"] += " Revised in Readwise."
        b["highlights"][0]["updated_at"] = "2024-06-01T10:00:00Z"
        b["highlights"].append(dict(b["highlights"][-1], id=b["highlights"][-1]["id"] + 7, text="Added later."))
    with monkeypatch.context() as patch:
        patch.setattr(refresh_module(), "parse_one", _not_read_again)
        code, out, err = run_cli("import", "--vault", vault, write_export(tmp_path / "again.json", data), "--json")
    assert code == 0, err
    assert len(json.loads(out)["updated"]) == len(data["results"][::7])
    fresh = tmp_path / "fresh.sqlite"
    code, _, err = run_cli("index", "--vault", vault, "--db", fresh)
    assert code == 0, err
    assert index_tables(vault / ".hlkb" / "index.sqlite") == index_tables(fresh)
