"""`hlkb tag ...` end to end on a small vault of hand-written notes."""

from __future__ import annotations

import json

import pytest

from hlkb.edit import source_from_bytes
from hlkb.edit.plan import parse_source

BOOK = (
    "---\ntitle: Winter Baking\ntags: [kitchen]\n---\n# Winter Baking\n\n## Metadata\n- Author: [[A. Baker]]\n"
    "- Document Tags: [[food]] \n- Category: #books\n\n## Highlights\n"
    "- Rye needs a longer rest than wheat. ([Location\u00a010](https://readwise.io/to_kindle?action=open&asin=BK1&location=10))\n"
    "    - Tags: [[food]] \n"
    "- Salt slows the yeast but deepens the flavour. ([Location\u00a022](https://readwise.io/to_kindle?action=open&asin=BK1&location=22))\n"
)
ESSAY = (
    "# On Walking\n\n## Highlights\n"
    "- A long walk sorts the thoughts of a #food lover. ([View Highlight](https://read.readwise.io/read/01walk0000000000000000000a))\n"
)


@pytest.fixture
def vault(tmp_path):
    root = tmp_path / "vault"
    (root / "Books").mkdir(parents=True)
    (root / "Books" / "Winter Baking.md").write_bytes(BOOK.encode())
    (root / "essay.md").write_bytes(ESSAY.encode())
    return root


def cli(run_cli, vault, *args):
    return run_cli("tag", *args, "--vault", vault)


def highlight_id(path, n):
    return parse_source(source_from_bytes(path.read_bytes(), path.name)).highlights[n].id


def test_dry_run_prints_diff_and_changes_nothing(run_cli, vault):
    code, out, err = cli(run_cli, vault, "add", "bread", "essay.md", "--dry-run")
    assert code == 0
    assert out.startswith("--- a/essay.md\n+++ b/essay.md\n") and "+tags: [bread]" in out
    assert (vault / "essay.md").read_bytes() == ESSAY.encode()
    assert "would change" in err


def test_add_and_remove_by_path_round_trip(run_cli, vault):
    book = vault / "Books" / "Winter Baking.md"
    code, _, err = cli(run_cli, vault, "add", "#Bread", "Books/Winter Baking.md")
    assert code == 0, err
    assert "tags: [kitchen, Bread]\n" in book.read_text()
    code, _, _ = cli(run_cli, vault, "remove", "bread", "Books/Winter Baking.md")
    assert code == 0 and book.read_bytes() == BOOK.encode()


def test_highlight_by_id_prefix_and_index_is_updated(run_cli, vault):
    book = vault / "Books" / "Winter Baking.md"
    hid = highlight_id(book, 1)
    code, _, err = cli(run_cli, vault, "add", "salt", hid[:10])
    assert code == 0, err
    assert "    - Tags: [[salt]] \n" in book.read_text()  # new subline in the file's style
    code, out, _ = run_cli(
        "search", "", "--tag", "salt", "--kind", "highlight", "--json", "--no-refresh", "--vault", vault
    )
    assert code == 0 and [r["id"] for r in json.loads(out)] == [hid]


def test_unknown_id_and_bad_names_are_one_line_errors(run_cli, vault):
    for args, fragment in [
        (("add", "x", "h_doesnotexist"), "no record"),
        (("add", "two words", "essay.md"), "cannot contain spaces"),
        (("add", "x", "missing/file.md"), "no such note file"),
        (("add", "x"), "give one or more TARGETs"),
    ]:
        code, out, err = cli(run_cli, vault, *args)
        assert code == 2 and out == "" and fragment in err
        assert len(err.strip().splitlines()) == 1, err
    assert (vault / "essay.md").read_bytes() == ESSAY.encode()


def test_query_needs_yes_without_a_terminal(run_cli, vault):
    code, _, err = cli(run_cli, vault, "add", "grain", "--query", "rye OR salt", "--kind", "highlight")
    assert code == 2 and "--yes" in err and "2 search hits" in err
    assert (vault / "Books" / "Winter Baking.md").read_bytes() == BOOK.encode()
    code, out, err = cli(
        run_cli, vault, "add", "grain", "--query", "rye OR salt", "--kind", "highlight", "--yes", "--json"
    )
    assert code == 0, err
    assert json.loads(out)[0]["path"] == "Books/Winter Baking.md"
    text = (vault / "Books" / "Winter Baking.md").read_text()
    assert text.count("[[grain]]") == 2


def test_rename_across_vault_merges(run_cli, vault):
    code, _, err = cli(run_cli, vault, "rename", "food", "kitchen")
    assert code == 0, err
    book = (vault / "Books" / "Winter Baking.md").read_text()
    assert "tags: [kitchen]\n" in book  # front matter unchanged (no food there)
    assert "- Document Tags: [[kitchen]] \n" in book
    assert "    - Tags: [[kitchen]] \n" in book
    assert "#kitchen lover" in (vault / "essay.md").read_text()
    code, out, _ = cli(run_cli, vault, "list", "--json")
    counts = {r["tag"]: (r["notes"], r["highlights"]) for r in json.loads(out)}
    assert "food" not in counts and counts["kitchen"][0] >= 1 and counts["kitchen"][1] >= 1


def test_list_counts_notes_and_highlights(run_cli, vault):
    code, out, _ = cli(run_cli, vault, "list", "--json")
    assert code == 0
    counts = {r["tag"]: (r["notes"], r["highlights"]) for r in json.loads(out)}
    assert counts["kitchen"] == (1, 0)
    assert counts["food"][0] == 1 and counts["food"][1] >= 1


def test_dry_run_json_is_one_array_with_the_diff(run_cli, vault):
    code, out, _ = cli(run_cli, vault, "rename", "food", "meal", "--dry-run", "--json")
    assert code == 0
    entries = json.loads(out)
    assert sorted(e["path"] for e in entries) == ["Books/Winter Baking.md", "essay.md"]
    assert all(not e["written"] and e["diff"].startswith("--- a/") for e in entries)
    assert (vault / "essay.md").read_bytes() == ESSAY.encode()
