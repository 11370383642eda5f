"""hlkb.atomicfile's third policy, a derived file built by a writer that opens it itself
(the semantic query cache, built by SQLite): whole or not at all. The other two policies
are tried by the tag and export tests and tests/hostile/."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from hlkb.atomicfile import TMP_SUFFIX, replace_cache_file


def _build(path: str, value: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("CREATE TABLE t(v)")
        conn.execute("INSERT INTO t VALUES (?)", (value,))
    finally:
        conn.close()


def _value(path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT v FROM t").fetchone()[0]
    finally:
        conn.close()


def _temps(folder) -> list[str]:
    return [n for n in os.listdir(folder) if n.endswith(TMP_SUFFIX)]


def test_a_built_cache_replaces_the_old_one_whole(tmp_path):
    target = tmp_path / "cache.sqlite"
    for value in ("first", "second"):
        with replace_cache_file(target) as tmp:
            assert os.path.dirname(tmp) == str(tmp_path) and os.path.basename(tmp).startswith(".cache.sqlite.")
            _build(tmp, value)
            assert not target.exists() or _value(target) == "first"  # not replaced yet
        assert _value(target) == value
    assert _temps(tmp_path) == []
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask  # a new file's mode, not mkstemp's 0600


def test_a_failed_build_leaves_the_old_cache_and_no_temporary_file(tmp_path):
    target = tmp_path / "cache.sqlite"
    with replace_cache_file(target) as tmp:
        _build(tmp, "good")
    with pytest.raises(RuntimeError), replace_cache_file(target) as tmp:
        _build(tmp, "half")
        raise RuntimeError("interrupted")
    assert _value(target) == "good" and _temps(tmp_path) == []


def test_a_killed_builds_leftover_is_removed_by_the_next_build(tmp_path):
    target = tmp_path / "cache.sqlite"
    leftover = tmp_path / f".cache.sqlite.abc123{TMP_SUFFIX}"
    leftover.write_bytes(b"half a cache")
    old = os.path.getmtime(leftover) - 60  # older than the grace period an unlocked empty file gets
    os.utime(leftover, (old, old))
    with replace_cache_file(target) as tmp:
        _build(tmp, "new")
    assert _temps(tmp_path) == [] and _value(target) == "new"


def test_a_writer_killed_before_writing_a_byte_leaves_a_file_the_next_sweep_removes(tmp_path):
    # create_temp locks its file before giving it its marked name: unlocked, it is abandoned
    # however young and empty (SIGKILL right after the file appeared)
    from hlkb.atomicfile import create_temp, remove_if_abandoned

    fd, name = create_temp(tmp_path, "note.md")
    assert ".L-" in os.path.basename(name)
    assert remove_if_abandoned(name) is False  # its writer holds the lock
    os.close(fd)  # the writer dies: its lock goes with it
    assert remove_if_abandoned(name) is True and _temps(tmp_path) == []


def test_an_unmarked_young_empty_file_gets_the_grace_time(tmp_path):
    # a file caught between its creation and its lock looks just like an abandoned one
    from hlkb.atomicfile import remove_if_abandoned

    young = tmp_path / f".note.md.{os.getpid()}-ab12cd_x{TMP_SUFFIX}"  # its writer lives
    young.write_bytes(b"")
    assert remove_if_abandoned(young) is False and young.exists()
    older_hlkb = tmp_path / f".note.md.ab12cd_x{TMP_SUFFIX}"  # no pid in its name
    older_hlkb.write_bytes(b"")
    assert remove_if_abandoned(older_hlkb) is False and older_hlkb.exists()


def test_an_unmarked_young_empty_file_of_a_dead_writer_is_removed(tmp_path):
    # killed between creating its file and locking it: the pid in the name is gone
    import subprocess
    import sys

    from hlkb.atomicfile import remove_if_abandoned

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    young = tmp_path / f".note.md.{dead.pid}-ab12cd_x{TMP_SUFFIX}"
    young.write_bytes(b"")
    assert remove_if_abandoned(young) is True and not young.exists()
