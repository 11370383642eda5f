"""Issue 20, case 5: a `--db` that is not an hlkb index is refused before anything is written.

Another application's SQLite file, a newer hlkb's index, a note, a FIFO, a device (our own
node in a temp folder, never /dev/null itself), a symlink to one of those: one line, the
file's bytes unchanged and no -journal/-wal/-shm file created next to it.
"""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from hostile.cases import build_tagged_vault

COMMANDS = [("search", "alpha"), ("index",), ("stats",), ("export",), ("tag", "list")]


@pytest.fixture
def vault(tmp_path):
    root = tmp_path / "vault"
    build_tagged_vault(root, 2)
    return root


def _snapshot(folder):
    return {p.name: p.read_bytes() if p.is_file() and not p.is_symlink() else None for p in folder.iterdir()}


def _foreign_db(path, app_id=0, journal="DELETE"):
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA journal_mode = {journal}")
    conn.execute("CREATE TABLE moz_places(id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO moz_places(url) VALUES ('https://example.org/')")
    if app_id:
        conn.execute(f"PRAGMA application_id = {app_id}")
    conn.commit()
    conn.close()


def _refused_untouched(run_cli, vault, db, folder, words):
    before = _snapshot(folder)
    for command in COMMANDS:
        args = [*command, "--vault", vault, "--db", db]
        if command[0] in ("search", "stats", "export"):
            args.append("--no-refresh")
        code, out, err = run_cli(*args)
        assert code == 2 and "Traceback" not in err, (command, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and str(db) in lines[0] and any(w in lines[0] for w in words), (command, err)
        assert "remove it" not in lines[0] and "delete it" not in lines[0], lines[0]
        assert _snapshot(folder) == before, command  # same bytes, no file added beside it


@pytest.mark.parametrize("app_id", [0, 0x4D4F5A31])
def test_another_applications_database_is_left_alone(run_cli, vault, tmp_path, app_id):
    folder = tmp_path / "dbs"
    folder.mkdir()
    db = folder / "places.sqlite"
    _foreign_db(db, app_id)
    _refused_untouched(run_cli, vault, db, folder, ["not an hlkb index"])


def test_another_applications_wal_database_is_left_alone(run_cli, vault, tmp_path):
    folder = tmp_path / "dbs"
    folder.mkdir()
    db = folder / "wal.sqlite"
    _foreign_db(db, 0x4D4F5A31, journal="WAL")
    _refused_untouched(run_cli, vault, db, folder, ["not an hlkb index"])


def test_a_newer_hlkbs_index_is_left_alone(run_cli, vault, tmp_path):
    from hlkb.index import schema

    folder = tmp_path / "dbs"
    folder.mkdir()
    db = folder / "newer.sqlite"
    assert run_cli("index", "--vault", vault, "--db", db)[0] == 0
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = DELETE")  # a later hlkb may not use WAL
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    _refused_untouched(run_cli, vault, db, folder, ["newer hlkb"])


def test_a_note_given_as_db_is_not_called_something_to_remove(run_cli, vault, tmp_path):
    db = vault / "shelf0" / "note-0000.md"
    _refused_untouched(run_cli, vault, db, db.parent, ["not an hlkb index"])


def test_fifo_and_links_to_special_files_are_refused_without_journals(run_cli, vault, tmp_path):
    folder = tmp_path / "dbs"
    folder.mkdir()
    fifo = folder / "index.fifo"
    os.mkfifo(fifo)
    _refused_untouched(run_cli, vault, fifo, folder, ["not a regular file"])
    link = folder / "index.link"
    link.symlink_to(fifo)
    _refused_untouched(run_cli, vault, link, folder, ["not a regular file"])
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="making a device node needs root")
def test_a_device_is_refused_without_journals(run_cli, vault, tmp_path):
    folder = tmp_path / "dev"
    folder.mkdir()
    node = folder / "null"  # our own node for the null device (what --db /dev/null opens)
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    _refused_untouched(run_cli, vault, node, folder, ["not a regular file"])


def test_a_damaged_hlkb_index_says_how_to_rebuild(run_cli, vault, tmp_path):
    db = tmp_path / "index.sqlite"
    assert run_cli("index", "--vault", vault, "--db", db)[0] == 0
    data = bytearray(db.read_bytes())
    data[4096:] = b"\xff" * (len(data) - 4096)  # garbage after the header page
    db.write_bytes(bytes(data))
    code, out, err = run_cli("search", "--vault", vault, "--db", db, "--no-refresh", "alpha")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
