"""Every command on hostile and broken input (issue 8): a clear one-line message naming the
file, a non-zero exit where the command cannot do its job, the rest of the vault processed,
and never a traceback, a hang or terminal injection."""

from __future__ import annotations

import json

import pytest

from hostile.cases import build_vault, cases

BAD_FOR_PARSE = {"invalid-utf8.md", "nul-bytes.md", "image.png.md"}
# Front matter that is not valid YAML costs the front matter only: a one-line warning, the
# body is read, exit 0 (only `hlkb validate` fails on it).
BAD_FRONT_MATTER = {"unclosed.md", "billion-laughs.md", "python-tag.md", "custom-tag.md", "deep.md", "huge-int.md"}


def _clean(err: str) -> None:
    assert "Traceback" not in err
    for line in err.splitlines():
        assert line.startswith(("hlkb", "indexed", "note:", "warning")) or line.strip() == "", line


@pytest.fixture
def vault(tmp_path):
    root = tmp_path / "vault"
    build_vault(root)
    return root


@pytest.mark.parametrize("case", [c.name for c in cases()])
def test_parse_each_hostile_file(run_cli, vault, case):
    code, out, err = run_cli("parse", "--jsonl", vault / case)
    _clean(err)
    if case in BAD_FOR_PARSE:
        assert code == 2, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and str(vault / case) in lines[0], err
    else:
        assert code == 0, err
        records = [json.loads(line) for line in out.splitlines()]
        assert records and records[0]["kind"] == "note"
        if case in BAD_FRONT_MATTER:
            lines = err.strip().splitlines()
            assert len(lines) == 1 and "warning" in lines[0] and str(vault / case) in lines[0], err
            assert records[0]["front_matter"] == {} and records[0]["front_matter_error"]["line"] >= 1


def test_parse_vault_keeps_good_notes(run_cli, vault):
    code, out, err = run_cli("parse", "--jsonl", vault)
    _clean(err)
    assert code == 2
    notes = [json.loads(line) for line in out.splitlines() if '"kind": "note"' in line]
    titles = {n["title"] for n in notes}
    # the good notes and the decodable variants all come through
    for title in [
        "A Good Note About Gardens",
        "A Good Note About Forests",
        "A Good Note About Ponds",
        "A Good Note About Hedges",
        "A Good Note About Orchards",
        "A Good Note About Meadows",
    ]:
        assert title in titles
    # a folder named like a note is a folder: walked (it is empty), never opened as a file
    assert "folder.md" not in out


def test_index_search_show_export_survive_the_vault(run_cli, vault, tmp_path):
    code, out, err = run_cli("index", "--vault", vault)
    _clean(err)
    assert code == 0, err
    assert "nul-bytes.md" in err and "billion-laughs.md" in err
    code, out, err = run_cli("search", "--vault", vault, "--no-refresh", "compost", "--jsonl")
    assert code == 0 and "Compost turns kitchen scraps" in out
    # markup and escapes in note text print literally in the human view
    code, out, err = run_cli("search", "--vault", vault, "--no-refresh", "markup")
    assert code == 0, err
    assert "\x1b" not in out and "\x07" not in out
    assert "[bold red]not" in out and "\\x1b[31mred" in out and "\\x07bell" in out
    code, out, err = run_cli("export", "--vault", vault, "--no-refresh", "--format", "csv")
    assert code == 0 and "Compost" in out
    code, out, err = run_cli("stats", "--vault", vault, "--no-refresh", "--json")
    assert code == 0 and json.loads(out)["files_failed"] >= 3


# Each query and what it must give: 2, a one-line usage error (nothing to search for, or
# syntax that cannot be read), or 0, results (a stray operator word or character read as text).
@pytest.mark.parametrize(
    "query,expected",
    [
        ('"unbalanced', 2),
        ("NEAR(", 2),
        ("a AND", 0),
        ("OR", 2),
        ("*", 2),
        ("title:", 0),
        ("(compost", 2),
        ("'; DROP TABLE records; --", 0),
        ("a\x00b", 2),
        ("-", 2),
        ("NOT", 2),
        ("col:umn:x", 0),
        ("^x", 0),
        ("{a b}", 0),
    ],
)
def test_search_injection_is_a_usage_error_or_results(run_cli, vault, query, expected):
    run_cli("index", "--vault", vault)
    code, out, err = run_cli("search", "--vault", vault, "--no-refresh", "--jsonl", "--", query)
    _clean(err)
    assert code == expected, err
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and out == ""
    else:
        for line in out.splitlines():
            json.loads(line)


def test_pairs_and_claims_on_the_vault(run_cli, vault):
    files = [vault / c.name for c in cases()]
    code, out, err = run_cli("pairs", "--jsonl", *files)
    _clean(err)
    assert code == 2
    code, out, err = run_cli("claims", "--vault", vault, "--jsonl")
    _clean(err)
    assert code == 2
    for line in out.splitlines():
        assert json.loads(line)["kind"] == "claim"


def test_validate_reports_every_bad_file(run_cli, vault):
    code, out, err = run_cli("validate", "--format", "json", vault)
    _clean(err)
    assert code == 1
    diags = json.loads(out)
    paths = {d["path"].split("/")[-1] for d in diags if d["severity"] == "error"}
    for name in [
        "invalid-utf8.md",
        "nul-bytes.md",
        "unclosed.md",
        "billion-laughs.md",
        "python-tag.md",
        "dup-keys.md",
        "deep.md",
    ]:
        assert name in paths, name
    assert "good.md" not in paths


def test_corrupt_and_foreign_index(run_cli, vault, tmp_path):
    db = tmp_path / "broken.sqlite"
    db.write_bytes(b"this is not a database" * 100)
    code, out, err = run_cli("search", "--vault", vault, "--db", db, "compost")
    _clean(err)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert db.read_bytes().startswith(b"this is not a database")  # never overwritten


def test_read_only_note_is_not_tagged(run_cli, vault):
    note = vault / "good.md"
    before = note.read_bytes()
    note.chmod(0o444)
    code, out, err = run_cli("tag", "add", "later", note, "--vault", vault)
    assert code == 2 and "not writable" in err.splitlines()[0]
    assert note.read_bytes() == before


def _disk_full(*args, **kwargs):
    import errno
    import os

    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_full_disk_on_export_and_tag_leaves_files_whole(run_cli, vault, tmp_path, monkeypatch):
    run_cli("index", "--vault", vault)
    note = vault / "good.md"
    before = note.read_bytes()
    target = tmp_path / "out.json"
    monkeypatch.setattr("os.fsync", _disk_full)
    code, out, err = run_cli("export", "--vault", vault, "--no-refresh", "-o", target)
    assert code == 2 and "No space left on device" in err and len(err.strip().splitlines()) == 1
    assert not target.exists() and not list(tmp_path.glob(".out.json.*"))
    code, out, err = run_cli("tag", "add", "later", note, "--vault", vault, "--no-refresh")
    assert code == 2 and "No space left on device" in err.splitlines()[0]
    assert note.read_bytes() == before and not list(vault.glob(".good.md.*"))


def test_symlink_loop_is_walked_once(run_cli, vault):
    (vault / "sub" / "loop").symlink_to(vault, target_is_directory=True)
    code, out, err = run_cli("index", "--vault", vault)
    assert code == 0 and "symlink loop" in err
    code, out, err = run_cli("search", "--vault", vault, "--no-refresh", "compost", "--jsonl", "--kind", "highlight")
    paths = [json.loads(line)["path"] for line in out.splitlines()]
    assert paths and len(paths) == len(set(paths)) and not any("loop/" in p for p in paths)


@pytest.mark.slow
def test_concurrent_index_runs_give_one_clean_index(vault, tmp_path):
    """Two `hlkb index` processes at once: both finish (one waits for the other's lock) and
    the index equals a clean single run's."""
    import subprocess
    import sys

    def records(db):
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "hlkb",
                "export",
                "--vault",
                str(vault),
                "--db",
                str(db),
                "--no-refresh",
                "--format",
                "jsonl",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return sorted(out.splitlines()[1:])

    db = tmp_path / "shared.sqlite"
    cmd = [sys.executable, "-m", "hlkb", "index", "--vault", str(vault), "--db", str(db)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    for _out, err, code in results:
        assert code == 0, err
        assert "Traceback" not in err
    clean = tmp_path / "clean.sqlite"
    subprocess.run(cmd[:-1] + [str(clean)], capture_output=True, check=True)
    assert records(db) == records(clean)


def test_file_changed_or_deleted_between_index_and_tag(run_cli, vault):
    note = vault / "good.md"
    hid = "01uniqueuniqueuniqueunique1"  # the variants of the good note share its ids; not this one
    note.write_text(note.read_text(encoding="utf-8").replace("01goodgoodgoodgoodgoodgood1", hid), encoding="utf-8")
    run_cli("index", "--vault", vault)
    # edited since indexing, highlight still there: the edit applies to the file as it is now
    note.write_text(note.read_text(encoding="utf-8").replace("Compost turns", "Compost slowly turns"), encoding="utf-8")
    code, out, err = run_cli("tag", "add", "soil", hid, "--vault", vault, "--no-refresh")
    assert code == 0, err
    text = note.read_text(encoding="utf-8")
    assert "Compost slowly turns" in text and "[[soil]]" in text
    # deleted since indexing: a one-line refusal, nothing written
    note.unlink()
    code, out, err = run_cli("tag", "add", "loam", hid, "--vault", vault, "--no-refresh")
    assert code == 2 and "Traceback" not in err and not note.exists()


@pytest.mark.slow
def test_fifty_megabyte_note_is_handled(run_cli, tmp_path):
    root = tmp_path / "big"
    build_vault(root, big=True)
    big = root / "fifty-mb.md"
    assert big.stat().st_size > 50_000_000
    code, out, err = run_cli("validate", big)
    assert code == 0 and "Traceback" not in err
    code, out, err = run_cli("index", "--vault", root)
    assert code == 0, err


def test_unreadable_file_is_reported_and_skipped(run_cli, vault, monkeypatch):
    """Permission denied (simulated: the tests run as root, which reads everything)."""
    import builtins
    import os
    import pathlib

    secret = vault / "secret.md"
    secret.write_text("# Secret\n- hidden words\n", encoding="utf-8")
    real_read_bytes, real_open = pathlib.Path.read_bytes, builtins.open

    def read_bytes(self):
        if self.name == "secret.md":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    def guarded_open(file, *args, **kwargs):
        if str(file).endswith("secret.md"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    real_os_open = os.open

    def guarded_os_open(file, *args, **kwargs):
        if os.fspath(file).endswith("secret.md"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_os_open(file, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "read_bytes", read_bytes)
    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(os, "open", guarded_os_open)
    code, out, err = run_cli("parse", "--jsonl", secret, vault / "good.md")
    assert code == 2 and "secret.md: permission denied" in err and "Compost" in out
    code, out, err = run_cli("validate", secret)
    assert code == 1 and "secret.md" in out + err and "Traceback" not in err
    code, out, err = run_cli("index", "--vault", vault)
    assert code == 0 and "secret.md" in err and "Traceback" not in err
    code, out, err = run_cli("search", "--vault", vault, "--no-refresh", "compost", "--jsonl")
    assert out  # the rest of the vault is indexed


def _open_new_index(args):
    from hlkb.index import open_index

    vault, db = args
    try:
        with open_index(vault, db):
            return "ok"
    except Exception as exc:  # the test wants the message, not a pickling failure
        return f"{type(exc).__name__}: {exc}"


def test_processes_opening_a_new_index_at_once_all_succeed(tmp_path):
    """Several processes creating the same new index: each must end up with the schema.
    Two races were found here: switching a new file to WAL answered "database is locked"
    at once, and reading the header one pragma at a time could see another process's
    schema half-created ("not an hlkb index")."""
    import multiprocessing as mp

    if "fork" not in mp.get_all_start_methods():
        pytest.skip("needs fork to start the racing processes quickly")
    vault = tmp_path / "v"
    vault.mkdir()
    ctx = mp.get_context("fork")
    with ctx.Pool(4) as pool:
        for round_ in range(25):
            db = tmp_path / f"race{round_}.sqlite"
            results = pool.map(_open_new_index, [(vault, db)] * 4, chunksize=1)
            assert results == ["ok"] * 4, (round_, results)
