"""Issue 20, case 6: nothing outside the vault is read by default or ever written.

A symlink inside the vault to a file or folder outside it is skipped, one line per link
(the `index` summary counts them); `hlkb index --follow-links` opts in for reading (kept by
later refreshes until `--no-follow-links`). No editing command writes outside the vault:
`tag rename` skips such links, `tag add` refuses paths outside it, even through the index.
The "outside" here is a folder the test makes beside the vault (never /etc).
"""

from __future__ import annotations

import json

import pytest

from hostile.cases import build_tagged_vault, tagged_note


@pytest.fixture
def linked(tmp_path):
    """(vault, outside folder, {outside file: bytes}) with two links from the vault out."""
    root = tmp_path / "vault"
    build_tagged_vault(root, 3)
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    secret = outside / "secret.md"
    secret.write_text("# Secret\n\n- The password is swordfish.\n", encoding="utf-8")
    (outside / "folder" / "theirs.md").write_text(tagged_note(900) + "- Zebras outside the vault.\n", encoding="utf-8")
    (root / "passwd.md").symlink_to(secret)
    (root / "shelf0" / "ext").symlink_to(outside / "folder", target_is_directory=True)
    before = {p: p.read_bytes() for p in outside.rglob("*.md")}
    return root, outside, before


def _found(run_cli, root, word):
    code, out, err = run_cli("search", "--vault", root, "--no-refresh", word, "--jsonl")
    return sorted({json.loads(line)["path"] for line in out.splitlines()})


def test_index_skips_links_out_of_the_vault_one_line_each(run_cli, linked):
    root, outside, before = linked
    code, out, err = run_cli("index", "--vault", root, "--json")
    assert code == 0, err
    skipped = [line for line in err.splitlines() if line.startswith("hlkb:") and "outside the vault" in line]
    assert (
        len(skipped) == 2
        and any("passwd.md" in line for line in skipped)
        and any("shelf0/ext" in line for line in skipped)
    ), err
    assert json.loads(out)["links_skipped"] == 2 and "2 links outside the vault skipped" in err
    assert _found(run_cli, root, "swordfish") == [] and _found(run_cli, root, "zebras") == []
    # the implicit refresh of every search skips them too
    code, out, err = run_cli("search", "--vault", root, "swordfish", "--jsonl")
    assert code == 0 and out == ""


def test_follow_links_opts_in_for_reading_and_is_kept(run_cli, linked):
    root, outside, before = linked
    code, out, err = run_cli("index", "--vault", root, "--follow-links")
    assert code == 0 and "outside the vault" not in err, err
    assert _found(run_cli, root, "swordfish") == ["passwd.md"]
    assert _found(run_cli, root, "zebras") == ["shelf0/ext/theirs.md"]
    # later refreshes keep following until told otherwise
    code, out, err = run_cli("search", "--vault", root, "zebras", "--jsonl")
    assert code == 0 and "theirs.md" in out, err
    code, out, err = run_cli("index", "--vault", root, "--no-follow-links")
    assert code == 0 and _found(run_cli, root, "zebras") == []


def test_rename_never_writes_outside_the_vault(run_cli, linked):
    root, outside, before = linked
    run_cli("index", "--vault", root, "--follow-links")  # even when reading follows them
    code, out, err = run_cli("tag", "rename", "alpha", "omega", "--vault", root, "--yes")
    assert code == 0, err
    assert "rename alpha -> omega: 3 file(s) changed" in err
    assert any("shelf0/ext" in line and "outside the vault" in line for line in err.splitlines()), err
    assert {p: p.read_bytes() for p in outside.rglob("*.md")} == before


def test_tag_add_refuses_targets_outside_the_vault(run_cli, linked, monkeypatch):
    root, outside, before = linked
    monkeypatch.chdir(root)
    for target in ("../outside/secret.md", str(outside / "folder" / "theirs.md"), "passwd.md", "shelf0/ext/theirs.md"):
        code, out, err = run_cli("tag", "add", "later", target, "--vault", root)
        assert code == 2 and "outside the vault" in err and len(err.strip().splitlines()) == 1, (target, err)
    # through the index (built with --follow-links), by highlight id: still refused
    run_cli("index", "--vault", root, "--follow-links")
    code, out, err = run_cli("tag", "add", "later", "01tagged0000000000000000900", "--vault", root, "--no-refresh")
    assert code == 2 and "outside the vault" in err, err
    assert {p: p.read_bytes() for p in outside.rglob("*.md")} == before


def test_the_writer_itself_refuses_a_file_outside_the_vault(linked):
    """Whatever resolved the target, the last step (write_plans with the vault) checks too."""
    from hlkb.edit import TagOp, load_source, plan_tag_edits
    from hlkb.edit.batch import write_plans

    root, outside, before = linked
    plan = plan_tag_edits(load_source(root / "shelf0" / "ext" / "theirs.md"), [TagOp("add", "later")])
    written, errors = write_plans([plan], root)
    assert written == [] and len(errors) == 1 and "outside the vault" in errors[0]
    assert {p: p.read_bytes() for p in outside.rglob("*.md")} == before
