"""Issue 20, case 3: replacing a file keeps its owner, group and mode.

A tag edit or an `export -o --force` replaces the file with a new one (atomic rename); the
new one must carry the old one's owner, group and permission bits, including when hlkb
runs as root (which could otherwise hand every note it edits to root).
"""

from __future__ import annotations

import os
import stat

import pytest

from hostile.cases import build_tagged_vault

root_only = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a file to another owner needs root"
)

# an owner and group nobody on the machine has to exist for (root can chown to any number)
OTHER_UID, OTHER_GID = 4242, 4343


def _meta(path):
    st = path.stat()
    return st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)


@root_only
def test_tag_edit_as_root_keeps_owner_group_and_mode(run_cli, tmp_path):
    root = tmp_path / "vault"
    note = build_tagged_vault(root, 1)[0]
    os.chown(note, OTHER_UID, OTHER_GID)
    note.chmod(0o640)
    for args in (("add", "later", note), ("remove", "later", note), ("rename", "alpha", "omega")):
        code, out, err = (
            run_cli("tag", *args, "--vault", root, "--yes")
            if args[0] == "rename"
            else run_cli("tag", *args, "--vault", root)
        )
        assert code == 0, err
        assert _meta(note) == (OTHER_UID, OTHER_GID, 0o640), args
    assert "omega" in note.read_text(encoding="utf-8")


def test_tag_edit_keeps_an_unusual_mode(run_cli, tmp_path):
    root = tmp_path / "vault"
    note = build_tagged_vault(root, 1)[0]
    note.chmod(0o604)
    code, out, err = run_cli("tag", "add", "later", note, "--vault", root)
    assert code == 0, err
    assert _meta(note)[2] == 0o604


def test_export_force_keeps_the_old_files_mode(run_cli, tmp_path):
    root = tmp_path / "vault"
    build_tagged_vault(root, 2)
    target = tmp_path / "private.json"
    target.write_text("old export\n", encoding="utf-8")
    target.chmod(0o600)
    code, out, err = run_cli("export", "--vault", root, "-o", target, "--force")
    assert code == 0, err
    assert target.read_text(encoding="utf-8").startswith("{") and _meta(target)[2] == 0o600


@root_only
def test_export_force_as_root_keeps_the_old_files_owner(run_cli, tmp_path):
    root = tmp_path / "vault"
    build_tagged_vault(root, 2)
    target = tmp_path / "theirs.csv"
    target.write_text("old\n", encoding="utf-8")
    os.chown(target, OTHER_UID, OTHER_GID)
    target.chmod(0o640)
    code, out, err = run_cli("export", "--vault", root, "--format", "csv", "-o", target, "--force")
    assert code == 0, err
    assert _meta(target) == (OTHER_UID, OTHER_GID, 0o640)


def test_a_new_export_gets_the_umask_mode(run_cli, tmp_path):
    root = tmp_path / "vault"
    build_tagged_vault(root, 1)
    old = os.umask(0o027)
    try:
        code, out, err = run_cli("export", "--vault", root, "-o", tmp_path / "new.json")
    finally:
        os.umask(old)
    assert code == 0, err
    assert _meta(tmp_path / "new.json")[2] == 0o640


def test_a_note_whose_owner_cannot_be_kept_is_not_written(run_cli, tmp_path, monkeypatch):
    """Another user's note, writable to us through its group or mode: replacing it would make
    it ours, so it is refused (simulated: we pretend to be another user who may not chown)."""
    root = tmp_path / "vault"
    note = build_tagged_vault(root, 1)[0]
    before = note.read_bytes()
    me = os.geteuid() + 4242

    def no_chown(fd, uid, gid):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "geteuid", lambda: me)
    monkeypatch.setattr(os, "fchown", no_chown)
    code, out, err = run_cli("tag", "add", "later", note, "--vault", root)
    assert code == 2 and "cannot keep its owner" in err and len(err.strip().splitlines()) == 2, err
    assert note.read_bytes() == before
    assert not [p for p in note.parent.iterdir() if p.name.endswith(".hlkb-tmp")]
