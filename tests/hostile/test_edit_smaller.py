"""Issue 20, the smaller cases on the write side: a symlink to another note of the vault,
a `.hlkb` that is not a folder, and one tag edit in a very big note."""

from __future__ import annotations

import os

from hostile.cases import build_tagged_vault


def test_rename_treats_a_link_and_its_target_as_one_file(run_cli, tmp_path):
    root = tmp_path / "vault"
    paths = build_tagged_vault(root, 3)
    link = root / "shelf1" / "alias.md"
    link.symlink_to(paths[0])  # inside the vault, to a note of the vault
    hard = root / "shelf2" / "hard.md"
    os.link(paths[1], hard)  # a hard link: a rename-replace edits each name (both get the edit)
    code, out, err = run_cli("tag", "rename", "alpha", "omega", "--vault", root, "--yes")
    assert code == 0, err
    assert "4 file(s) changed" in err, err  # the 3 notes and the hard link's second name
    assert link.is_symlink() and "[omega, beta]" in link.read_text(encoding="utf-8")
    assert all("[omega, beta]" in p.read_text(encoding="utf-8") for p in [*paths, hard])
    # tag add through both names of one file: one edit
    code, out, err = run_cli("tag", "add", "later", paths[0], link, "--vault", root)
    assert code == 0 and "1 file(s) changed" in err, err
    assert paths[0].read_text(encoding="utf-8").count("later") == 1


def test_hlkb_that_is_a_file_is_reported_when_the_index_cannot_be_updated(run_cli, tmp_path):
    root = tmp_path / "vault"
    note = build_tagged_vault(root, 1)[0]
    (root / ".hlkb").write_text("not a folder\n", encoding="utf-8")
    code, out, err = run_cli("tag", "add", "later", note, "--vault", root)
    assert code == 0 and "later" in note.read_text(encoding="utf-8")
    assert "index was not updated" in err and ".hlkb" in err, err
    # and the commands that need the index say what is wrong, in one line
    code, out, err = run_cli("search", "--vault", root, "rivers")
    assert code == 2 and len(err.strip().splitlines()) == 1 and ".hlkb" in err and "not a folder" in err, err
