"""Command-line paths (hlkb.vault.expand_paths) and the vault's one walker (VaultWalker):
every command that takes paths reads folders the same way, and the refresh's walk and
iter_note_files find the same notes."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

import hlkb.index.walk as walk
from hlkb.errors import UsageError
from hlkb.vault import expand_paths, iter_note_files

ALIGN = Path(__file__).parent / "data" / "align"

# A user's own export template: a highlight is a labelled paragraph, the reader's note a
# second paragraph under a label of its own (in Chinese here), entries end with a rule.
TEMPLATE = (
    '[template]\nhighlight = """Passage ➜ {{ highlight_text }} «{{highlight_location}}»'
    '{% if highlight_note %}\n\n读者：{{ highlight_note }}{% endif %}\n\n---"""\n'
)
# Read with the template, each highlight's second paragraph is the reader's note, not a
# translation of the passage; read without it, each entry is one highlight holding both
# paragraphs, and they pair.
TEMPLATED_BOOK = """# The Harbour Book

## Highlights

Passage ➜ The harbour opened in 1999 with 40 berths for the fishing fleet. «Location 12»

读者：港口于1999年开放，为渔船队提供了40个泊位。

---

Passage ➜ By 2010 the port handled 3 million tonnes of cargo every year. «Location 30»

读者：到2010年，该港口每年处理300万吨货物。

---
"""


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "vault"
    (root / ".git").mkdir(parents=True)  # the project root: hlkb.toml is looked up to here
    (root / "hlkb.toml").write_text(TEMPLATE, encoding="utf-8")
    (root / "books").mkdir()
    (root / "books" / "harbour.md").write_text(TEMPLATED_BOOK, encoding="utf-8")
    (root / "articles").mkdir()
    shutil.copy(ALIGN / "en_first_hans.md", root / "articles" / "library.md")
    shutil.copy(ALIGN / "english_note.md", root / "plain.md")
    return root


def _pairs(out: str) -> list[dict]:
    return [r for r in map(json.loads, out.splitlines()) if r["kind"] == "pair"]


def test_pairs_of_a_folder_are_parses_pairs(run_cli, folder, monkeypatch):
    monkeypatch.chdir(folder.parent)
    code, out, err = run_cli("pairs", "--jsonl", "vault")
    assert code == 0, err
    pairs = _pairs(out)
    code, parsed, _ = run_cli("parse", "--jsonl", "vault")
    assert code == 0
    # the same records (ids, paths as shown, lines), read with the same template
    assert pairs == _pairs(parsed)
    assert pairs and {p["path"] for p in pairs} == {"vault/articles/library.md"}
    # one line for the notes of the folder that are not bilingual, not one a note
    assert err.strip() == "hlkb: 2 of 3 notes found in folders are not bilingual articles (-v says why, per file)"
    code, _, err = run_cli("pairs", "--jsonl", "-v", "vault")
    assert "vault/books/harbour.md: not a bilingual article" in err and "vault/plain.md: not a bilingual" in err


def test_pairs_of_a_file_reads_it_with_its_folders_template(run_cli, folder):
    book = folder / "books" / "harbour.md"
    code, out, err = run_cli("pairs", "--jsonl", book)
    assert (code, out) == (0, ""), err
    assert "not a bilingual article" in err  # a file named on the command line is said so
    # without the template the same text pairs (what `pairs` read before it used it)
    elsewhere = folder.parent / "elsewhere"
    (elsewhere / ".git").mkdir(parents=True)
    shutil.copy(book, elsewhere / "harbour.md")
    code, out, _ = run_cli("pairs", "--jsonl", elsewhere / "harbour.md")
    assert code == 0 and len(_pairs(out)) == 2


def test_expand_paths_shows_folder_notes_under_the_folder_as_given(folder, monkeypatch):
    monkeypatch.chdir(folder)
    shown = [s for _, s in expand_paths(["."])]
    assert shown == ["articles/library.md", "books/harbour.md", "plain.md"]
    assert [s for _, s in expand_paths(["books/", "plain.md"])] == ["books/harbour.md", "plain.md"]


def test_expand_paths_must_exist_fails_before_yielding_anything(folder):
    paths = expand_paths([str(folder / "plain.md"), str(folder / "missing.md")], must_exist=True)
    with pytest.raises(UsageError, match="no such file or folder"):
        next(paths)
    # without it the missing file is its reader's to report
    assert [p.name for p, _ in expand_paths([str(folder / "missing.md")])] == ["missing.md"]


def test_expand_paths_notes_only_skips_named_files_that_are_not_notes(tmp_path):
    for name in ("config.yaml", "README", "a.MD", "b.txt"):
        (tmp_path / name).write_text("---\nkey: value\n---\n", encoding="utf-8")
    names = [str(tmp_path / n) for n in ("config.yaml", "README", "a.MD", "b.txt")]
    assert [p.name for p, _ in expand_paths(names, notes_only=True)] == ["README", "a.MD", "b.txt"]
    assert len(list(expand_paths(names))) == 4


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_iter_note_files_and_the_refresh_walk_find_the_same_notes(tmp_path):
    root = tmp_path / "v"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "far.md").write_text("# far\n", encoding="utf-8")
    for rel in ("a.md", "B/c.MARKDOWN", "B/deep/d.txt", "e.png", ".hidden/h.md", "f/.dot.md", "g h/i.md"):
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("# note\n", encoding="utf-8")
    (root / "f" / ".x.md.abc.hlkb-tmp").write_text("", encoding="utf-8")
    os.symlink(root / "B", root / "link-to-B")  # a folder inside: followed once
    os.symlink(outside, root / "out")  # outside: skipped and reported
    os.symlink(root, root / "B" / "loop")  # a loop: reported
    os.close(os.open(os.path.join(os.fsencode(root), b"odd-\xff.md"), os.O_CREAT | os.O_WRONLY))

    walk_errors, note_errors, temps = [], [], []
    scanned = walk.scan_vault(root, lambda p, m: walk_errors.append((p, m)))
    notes = list(iter_note_files(root, on_error=lambda p, m: note_errors.append((p, m)), on_temp_file=temps.append))
    assert [(str(n.path), n.rel) for n in notes] == [(f[0], f[1]) for f in scanned]
    assert [n.rel for n in notes] == ["B/c.MARKDOWN", "B/deep/d.txt", "a.md", "g h/i.md", "odd-\\xff.md"]
    assert temps == [str(root / "f" / ".x.md.abc.hlkb-tmp")]
    # the same problems, each with the hint of its command
    assert [p for p, _ in walk_errors] == [p for p, _ in note_errors]
    assert any("symlink loop" in m for _, m in note_errors)
    assert any(p.endswith("out") and "outside the vault" in m for p, m in note_errors)
    assert any("--follow-links" in m for _, m in walk_errors)
