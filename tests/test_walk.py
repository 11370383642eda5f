"""The vault walk split across a forked child gives exactly the serial walk's result."""

from __future__ import annotations

import importlib
import os

import pytest

import hlkb.index.walk as walk
from hlkb.index import open_index, refresh

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the split walk needs fork()")


def _vault(root):
    names = [
        "a.md",
        "b/one.md",
        "b/two.markdown",
        "b/deep/x.md",
        "c.txt",
        "d/é.md",
        "d/skip.png",
        "e/1.md",
        "e/2.md",
        "e/sub/3.md",
        "f.md",
        "g/note.md",
        ".hidden/h.md",
        "g/.dot.md",
        "h h/space.md",
        "z/last.md",
    ]
    for rel in names:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(f"# {rel}\n\nA line about {rel}.\n", encoding="utf-8")
    return root


def _serial(root):
    errors = []
    files = walk.scan_vault(root, lambda path, msg: errors.append((path, msg)))
    return files, errors


def _split(root):
    errors = []
    result = walk._scan_split(str(root), lambda path, msg: errors.append((path, msg)))
    return (None if result is None else result.files), errors


def test_split_walk_equals_the_serial_walk(tmp_path):
    root = _vault(tmp_path / "v")
    files, errors = _split(root)
    assert files is not None, "the split walk fell back to the serial one"
    assert (files, errors) == _serial(root)
    rels = [f[1] for f in files]
    assert rels[0] == "a.md" and rels[-1] == "z/last.md" and "c.txt" in rels and "f.md" in rels
    assert not any(".hidden" in r or ".dot" in r or r.endswith(".png") for r in rels)
    assert walk.scan_digest(files) == walk.scan_digest(_serial(root)[0])


def test_split_walks_digest_is_computed_packed_and_equals_the_serial_one(tmp_path):
    """The digest of a split walk is taken from the child's packed folders without
    decoding them; it must equal the digest of the serial walk's entries (also with an
    empty folder and a file name that is not UTF-8)."""
    root = _vault(tmp_path / "v")
    (root / "y-empty").mkdir()
    os.close(os.open(os.path.join(os.fsencode(root / "z"), b"bad-\xff.md"), os.O_CREAT | os.O_WRONLY))
    result = walk._scan_split(str(root), lambda *a: None)
    assert result is not None
    serial = _serial(root)[0]
    assert any(f[1].startswith("z/bad-") for f in serial)
    assert len(result) == len(serial)
    assert result.digest() == walk.scan_digest(serial)
    assert result._files is None  # not decoded for the digest
    assert result.files == serial
    assert result.digest() == walk.scan_digest(serial)


def test_symlink_loop_in_the_childs_half_is_reported_as_the_serial_walk_does(tmp_path):
    root = _vault(tmp_path / "v")
    (root / "z" / "back").symlink_to(root, target_is_directory=True)
    (root / "e" / "sub" / "up").symlink_to(root / "e", target_is_directory=True)
    files, errors = _split(root)
    assert files is not None
    assert (files, errors) == _serial(root)
    assert len(errors) == 2 and all("symlink loop" in msg for _p, msg in errors)


def test_folder_reached_from_both_halves_falls_back_to_the_serial_walk(tmp_path):
    root = _vault(tmp_path / "v")
    (root / "a-link").symlink_to(root / "z", target_is_directory=True)  # first half -> second
    assert _split(root) == (None, [])
    errors = []
    files = walk.scan_vault(root, lambda path, msg: errors.append((path, msg)), split=True)
    assert (files, errors) == _serial(root)
    assert any(f[1] == "a-link/last.md" for f in files) and errors


def test_a_child_that_dies_makes_the_walk_serial(tmp_path, monkeypatch):
    root = _vault(tmp_path / "v")
    monkeypatch.setattr(walk, "_child", lambda *args: os._exit(3))
    assert _split(root) == (None, [])
    errors = []
    assert walk.scan_vault(root, lambda p, m: errors.append(m), split=True) == _serial(root)[0]


def test_one_top_level_folder_is_not_split(tmp_path):
    root = tmp_path / "v"
    (root / "only").mkdir(parents=True)
    (root / "only" / "n.md").write_text("# n\n", encoding="utf-8")
    assert _split(root) == (None, [])


def test_refresh_of_a_big_vault_walks_split_and_sees_changes_in_either_half(tmp_path, monkeypatch):
    root = _vault(tmp_path / "v")
    calls = []
    real_split = walk._scan_split

    def counting_split(*args):
        result = real_split(*args)
        calls.append(result is not None)
        return result

    monkeypatch.setattr(walk, "_scan_split", counting_split)
    monkeypatch.setattr(importlib.import_module("hlkb.index.refresh"), "SPLIT_MIN_FILES", 5)
    with open_index(root) as ix:
        assert refresh(ix, progress=False).added == 13
        assert calls == []  # no file count stored yet: the first walk is serial
        assert refresh(ix, progress=False).unchanged == 13
        assert calls == [True]
        (root / "z" / "last.md").write_text("# changed in the child's half\n", encoding="utf-8")
        (root / "b" / "one.md").unlink()
        summary = refresh(ix, progress=False)
        assert (summary.changed, summary.removed, summary.unchanged) == (1, 1, 11)
        assert refresh(ix, progress=False).unchanged == 12
        assert calls == [True, True, True]
