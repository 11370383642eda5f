"""Issue 20, case 7: file and folder names that are not UTF-8 (a Latin-1 ``caf\\xe9.md``).

Every command that walks or refreshes the vault stores and prints such a name losslessly:
the undecodable byte is shown as ``\\xe9`` (a backslash in a name is shown doubled, so the
shown form maps back to exactly one file), JSON stays plain UTF-8, and editing by id finds
the file again. Never a crash.
"""

from __future__ import annotations

import json
import os

import pytest

from hostile.cases import tagged_note
from hostile.procs import no_traceback, run


@pytest.fixture
def vault(tmp_path):
    root = tmp_path / "vault"
    root.mkdir()
    broot = os.fsencode(root)
    with open(os.path.join(broot, b"caf\xe9.md"), "w", encoding="utf-8") as fh:
        fh.write(tagged_note(1))
    os.mkdir(os.path.join(broot, b"dossier-\xff"))
    with open(os.path.join(broot, b"dossier-\xff", b"note.md"), "w", encoding="utf-8") as fh:
        fh.write(tagged_note(2))
    (root / "back\\slash.md").write_text(tagged_note(3), encoding="utf-8")
    (root / "plain.md").write_text(tagged_note(4), encoding="utf-8")
    return root


SHOWN = {"caf\\xe9.md", "dossier-\\xff/note.md", "back\\\\slash.md", "plain.md"}


def _paths(out):
    return {json.loads(line).get("path") for line in out.splitlines()}


def test_index_search_export_stats_store_and_show_odd_names(vault):
    for args in (["index", "--vault", vault], ["stats", "--vault", vault, "--json"]):
        proc = run(*args)
        no_traceback(proc.stderr)
        assert proc.returncode == 0, proc.stderr
    proc = run("search", "--vault", vault, "rivers", "--jsonl")
    assert proc.returncode == 0 and _paths(proc.stdout) == SHOWN, proc.stdout + proc.stderr
    proc = run("export", "--vault", vault, "--format", "jsonl")
    assert proc.returncode == 0 and {p for p in _paths(proc.stdout) if p} >= SHOWN
    proc = run("search", "--vault", vault, "rivers")  # the table view
    assert proc.returncode == 0 and "caf\\xe9.md" in proc.stdout, proc.stdout + proc.stderr
    proc = run("show", "--vault", vault, "01tagged0000000000000000001", "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["path"] == "caf\\xe9.md"


def test_tag_edits_of_odd_names_write_and_update_the_index(vault):
    broot = os.fsencode(vault)
    proc = run("index", "--vault", vault)
    assert proc.returncode == 0, proc.stderr
    proc = run("tag", "add", "later", "01tagged0000000000000000001", "--vault", vault)  # by id, via the index
    no_traceback(proc.stderr)
    assert proc.returncode == 0 and "1 file(s) changed" in proc.stderr, proc.stderr
    with open(os.path.join(broot, b"caf\xe9.md"), encoding="utf-8") as fh:
        assert "[[later]]" in fh.read()
    proc = run("tag", "rename", "alpha", "omega", "--vault", vault, "--yes", "--json")
    no_traceback(proc.stderr)
    assert proc.returncode == 0 and {e["path"] for e in json.loads(proc.stdout)} == SHOWN, proc.stderr
    with open(os.path.join(broot, b"dossier-\xff", b"note.md"), encoding="utf-8") as fh:
        assert "omega" in fh.read()
    # the index was brought up to date for those files (no crash there either)
    proc = run("search", "--vault", vault, "--no-refresh", "tag:omega", "--jsonl", "--kind", "note")
    assert _paths(proc.stdout) == SHOWN, proc.stdout + proc.stderr


def test_parse_of_a_folder_shows_odd_names_the_same_way(vault):
    proc = run("parse", "--jsonl", vault)
    no_traceback(proc.stderr)
    assert proc.returncode == 0
    notes = {json.loads(line)["path"] for line in proc.stdout.splitlines() if '"kind": "note"' in line}
    assert notes == {f"{vault}/{p}" for p in SHOWN}, notes
