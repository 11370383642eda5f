"""Issue 20, case 4: `export -o PATH --force` replaces only a regular file (or makes a new one).

A FIFO, a device or a symlink at PATH is refused in one line and left as it was; `-o -`
writes to stdout. (As root, the old code replaced /dev/full for the whole machine; these
tests only ever use nodes they make in a temporary folder.)
"""

from __future__ import annotations

import os
import stat

import pytest

from hostile.cases import build_tagged_vault


@pytest.fixture
def vault(tmp_path):
    root = tmp_path / "vault"
    build_tagged_vault(root, 2)
    return root


def _one_line_refusal(code, out, err):
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err


@pytest.mark.parametrize("force", [False, True])
def test_fifo_is_refused_and_left_alone(run_cli, vault, tmp_path, force):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    code, out, err = run_cli("export", "--vault", vault, "-o", fifo, *(["--force"] if force else []))
    _one_line_refusal(code, out, err)
    assert "not a regular file" in err and stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.parametrize("link_to", ["regular", "fifo", "dangling"])
def test_symlink_is_refused_and_left_alone(run_cli, vault, tmp_path, link_to):
    target = tmp_path / "real.json"
    if link_to == "regular":
        target.write_text("keep me\n", encoding="utf-8")
    elif link_to == "fifo":
        os.mkfifo(target)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    code, out, err = run_cli("export", "--vault", vault, "-o", link, "--force")
    _one_line_refusal(code, out, err)
    assert "symlink" in err and link.is_symlink() and os.readlink(link) == str(target)
    if link_to == "regular":
        assert target.read_text(encoding="utf-8") == "keep me\n"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="making a device node needs root")
def test_device_is_refused_and_left_alone(run_cli, vault, tmp_path):
    node = tmp_path / "null-device"  # our own node for the null device, in a temp folder
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    code, out, err = run_cli("export", "--vault", vault, "-o", node, "--force")
    _one_line_refusal(code, out, err)
    assert stat.S_ISCHR(os.lstat(node).st_mode)


def test_dash_writes_to_stdout(run_cli, vault, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("export", "--vault", vault, "-o", "-", "--format", "jsonl")
    assert code == 0 and out.startswith('{"kind": "header"') and not (tmp_path / "-").exists(), err


def test_regular_file_and_new_path_still_work(run_cli, vault, tmp_path):
    old = tmp_path / "old.json"
    old.write_text("old\n", encoding="utf-8")
    assert run_cli("export", "--vault", vault, "-o", old, "--force")[0] == 0
    assert old.read_text(encoding="utf-8").startswith("{")
    assert run_cli("export", "--vault", vault, "-o", tmp_path / "new.json")[0] == 0
