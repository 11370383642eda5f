"""hlkb validate: data-driven cases (tests/data/validate/<case>.md + .expected) and the CLI contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hlkb.validate import check_text
from hlkb.validate.checks import Settings, is_valid_url, parse_date_text
from hlkb.validate.config import glob_to_regex

DATA = Path(__file__).parent / "data" / "validate"
CASES = sorted(p.stem for p in DATA.glob("*.md"))


def _expected(case: str) -> list[str]:
    return [line.strip() for line in (DATA / f"{case}.expected").read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("case", CASES)
def test_case(case, run_cli):
    """Each case file gives exactly the diagnostics (line:col: code severity) listed beside it."""
    code, out, err = run_cli("validate", DATA / f"{case}.md", "--format", "json")
    records = json.loads(out)
    got = [f"{d['line']}:{d['column']}: {d['code']} {d['severity']}" for d in records]
    assert got == _expected(case), err
    assert code == (1 if any(d["severity"] == "error" for d in records) else 0)


def test_cases_exist():
    assert len(CASES) >= 12
    for case in CASES:
        assert (DATA / f"{case}.expected").is_file(), case


def test_text_format_is_path_line_col_code_message(run_cli):
    path = DATA / "implicit.md"
    code, out, err = run_cli("validate", path)
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith(f"{path}:3:10: implicit-bool ")
    assert "'no'" in first and "false" in first


def test_warnings_alone_exit_zero(run_cli, tmp_path):
    note = tmp_path / "n.md"
    note.write_text("---\ntitle: Fine\nstatus:\n---\n")
    code, out, _ = run_cli("validate", note)
    assert code == 0
    assert out.strip() == f"{note}:3:1: empty-value 'status' has no value (warning)"


def test_github_format(run_cli, tmp_path):
    note = tmp_path / "a,b.md"
    note.write_text("---\ntitle: x\nok: on\n---\n")
    code, out, _ = run_cli("validate", note, "--format", "github")
    assert code == 1
    assert out.startswith(
        f"::error file={str(note).replace(',', '%2C').replace(':', '%3A')},line=3,col=5,"
        "title=implicit-bool::implicit-bool "
    )


def test_folder_is_walked_hidden_skipped(run_cli, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / ".obsidian").mkdir()
    (tmp_path / "sub" / "bad.md").write_text("---\na: 1\na: 2\n---\n")
    (tmp_path / ".obsidian" / "bad.md").write_text("---\na: 1\na: 2\n---\n")
    (tmp_path / "good.txt").write_text("plain\n")
    code, out, _ = run_cli("validate", tmp_path, "--format", "json")
    records = json.loads(out)
    assert code == 1
    assert [(r["path"], r["code"]) for r in records] == [(str(tmp_path / "sub" / "bad.md"), "duplicate-key")]


def test_unreadable_file_is_a_diagnostic(run_cli, tmp_path):
    binary = tmp_path / "blob.md"
    binary.write_bytes(b"\x00\x01\x02")
    good = tmp_path / "good.md"
    good.write_text("---\ntitle: ok\n---\n")
    code, out, err = run_cli("validate", binary, good, "--format", "json")
    assert code == 1 and "Traceback" not in err
    assert [r["code"] for r in json.loads(out)] == ["unreadable"]


def test_non_note_files_named_by_precommit_are_skipped(run_cli, tmp_path):
    yaml_doc = tmp_path / "config.yaml"
    yaml_doc.write_text("---\nkey: value\n")  # a YAML document start, not front matter
    code, out, _ = run_cli("validate", yaml_doc)
    assert (code, out) == (0, "")


def test_usage_errors_exit_2(run_cli, tmp_path):
    good = tmp_path / "good.md"
    good.write_text("---\ntitle: ok\n---\n")
    code, out, err = run_cli("validate", tmp_path / "missing.md")
    assert code == 2 and out == "" and "no such file or folder" in err
    broken = tmp_path / "s.json"
    broken.write_text("{not json")
    code, out, err = run_cli("validate", good, "--schema", broken)
    assert code == 2 and out == "" and f"{broken}:1:2: schema is not valid JSON" in err
    bad_schema = tmp_path / "t.json"
    bad_schema.write_text('{"type": 12}')
    code, out, err = run_cli("validate", good, "--schema", bad_schema)
    assert code == 2 and "not a valid JSON Schema" in err
    code, out, err = run_cli("validate", good, "--format", "xml")
    assert code == 2 and "--format" in err
    code, _, err = run_cli("validate", good, "--schema", tmp_path / "none.json")
    assert code == 2 and "schema file does not exist" in err


def test_user_schema_errors_point_at_keys(run_cli, tmp_path):
    schema = tmp_path / "schema.json"
    schema.write_text(
        json.dumps(
            {
                "type": "object",
                "required": ["title", "status"],
                "properties": {
                    "status": {"enum": ["draft", "done"]},
                    "tags": {"type": "array", "items": {"pattern": "^[a-z]+$"}},
                },
                "additionalProperties": {"type": ["string", "array", "number"]},
            }
        )
    )
    note = tmp_path / "n.md"
    note.write_text("---\ntitle: Fine\nstatus: pending\ntags:\n  - ok\n  - Not-OK\nflag: true\n---\n")
    code, out, _ = run_cli("validate", note, "--schema", schema, "--format", "json")
    assert code == 1
    got = [(r["line"], r["column"], r["code"]) for r in json.loads(out)]
    assert got == [(3, 1, "schema"), (6, 5, "schema"), (7, 1, "schema")]
    missing = tmp_path / "m.md"
    missing.write_text("---\ntitle: Fine\n---\n")
    code, out, _ = run_cli("validate", missing, "--schema", schema, "--format", "json")
    [record] = json.loads(out)
    assert (record["line"], record["code"]) == (1, "schema") and "'status' is a required property" in record["message"]


def test_config_in_pyproject(run_cli, tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "books.json").write_text(json.dumps({"required": ["isbn"]}))
    (tmp_path / "pyproject.toml").write_text(
        '[tool.hlkb.validate]\ndisable = ["implicit-bool"]\n'
        '[tool.hlkb.validate.schemas]\n"books/**/*.md" = "schemas/books.json"\n'
    )
    (tmp_path / "books" / "fiction").mkdir(parents=True)
    book = tmp_path / "books" / "fiction" / "b.md"
    book.write_text("---\ntitle: A book\nlent: no\n---\n")
    other = tmp_path / "other.md"
    other.write_text("---\ntitle: Other\nlent: no\n---\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli("validate", "books", "other.md", "--format", "json")
    records = json.loads(out)
    assert [(r["path"], r["code"]) for r in records] == [(str(Path("books/fiction/b.md")), "schema")]
    assert code == 1


def test_hlkb_toml_and_bad_config(run_cli, tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    note = tmp_path / "n.md"
    note.write_text("---\nauthor: x\n---\n## Highlights\n- line ([View Highlight](https://read.readwise.io/read/1))\n")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hlkb.toml").write_text('[validate]\nrequired = ["author"]\n')
    assert run_cli("validate", "n.md")[0] == 0
    (tmp_path / "hlkb.toml").write_text('[validate]\nrequired = ["title", "author"]\n')
    assert run_cli("validate", "n.md")[0] == 1
    (tmp_path / "hlkb.toml").write_text('[validate]\ndisable = ["no-such-rule"]\n')
    code, out, err = run_cli("validate", "n.md")
    assert code == 2 and "unknown rule 'no-such-rule'" in err
    (tmp_path / "hlkb.toml").write_text('[validate]\nschema = 3\ncolour = "red"\n')
    code, _, err = run_cli("validate", "n.md")
    assert code == 2 and "unknown validate setting 'colour'" in err
    (tmp_path / "hlkb.toml").write_text("[validate\n")
    code, _, err = run_cli("validate", "n.md")
    assert code == 2 and "invalid TOML" in err


def test_one_bad_value_does_not_hide_others():
    result = check_text("---\na: 2024-02-30\nb: yes\n---\n", "x.md")
    assert [(d.line, d.code) for d in result.diagnostics] == [(2, "bad-date"), (3, "implicit-bool")]


def test_disabled_rules_are_dropped():
    result = check_text("---\na: yes\nb:\n---\n", "x.md", Settings(disabled=frozenset({"implicit-bool"})))
    assert [d.code for d in result.diagnostics] == ["empty-value"]


def test_recursive_alias_does_not_hang():
    result = check_text("---\na: &x [*x]\n---\n", "x.md")
    assert all(d.code != "yaml-syntax" for d in result.diagnostics)


def test_alias_bomb_is_a_syntax_diagnostic():
    lines = ["a0: &a0 [x, x]"] + [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 90)]
    result = check_text("---\n" + "\n".join(lines) + "\n---\n", "x.md")
    assert [d.code for d in result.diagnostics] == ["yaml-syntax"]


@pytest.mark.parametrize(
    "url,ok",
    [
        ("https://example.org/a?b=c", True),
        ("http://localhost:8000/", True),
        ("mailto:a@b.org", True),
        ("obsidian://open?vault=x", True),
        ("example.org", False),
        ("https://", False),
        ("https://exa mple.org", False),
        ("http://x.org:99999/", False),
        ("", False),
    ],
)
def test_urls(url, ok):
    assert is_valid_url(url) is ok


def test_date_text():
    assert parse_date_text("2024-01-31") is not None
    assert parse_date_text("2024-01-31T10:00:00Z") is not None
    assert parse_date_text("[[2024-01-31]]") is not None
    assert parse_date_text("31/01/2024") is None


def test_globs():
    assert glob_to_regex("books/**/*.md").match("books/a/b/c.md")
    assert glob_to_regex("books/**/*.md").match("books/c.md")
    assert not glob_to_regex("books/*.md").match("books/a/c.md")
    assert glob_to_regex("*.md").match("deep/down/x.md")


def test_shared_corpus_never_crashes(run_cli, shared_dir):
    for folder in ("corpus", "corpus-more"):
        code, out, err = run_cli("validate", shared_dir / folder, "--format", "json")
        assert code == 1 and "Traceback" not in err  # each folder has a note with invalid front matter
        for record in json.loads(out):
            assert record["line"] >= 1 and record["column"] >= 1 and record["severity"] in ("error", "warning")


def test_invalid_front_matter_in_the_corpus_fails_validate_only(run_cli, shared_dir):
    """307's front matter ('alias: A: B') is invalid YAML: validate fails on it (exit 1, one
    error with its line and column); parse reads the note with a warning (exit 0)."""
    path = shared_dir / "corpus-more" / "readwise" / "307-obsidian-custom-note-callout-metadata-reader-bold.md"
    code, out, err = run_cli("validate", path, "--format", "json")
    assert code == 1
    (record,) = [r for r in json.loads(out) if r["severity"] == "error"]
    assert record["line"] == 2 and record["code"] == "yaml-syntax"
    code, out, err = run_cli("parse", "--jsonl", path)
    assert code == 0 and "warning" in err and "307" in err
    assert sum(1 for line in out.splitlines() if '"kind": "highlight"' in line) == 4


def test_merge_keys_reach_the_schema_data():
    result = check_text("---\nbase: &b\n  a: 1\nitem:\n  <<: *b\n  c: 2\n---\n", "x.md")
    assert result.diagnostics == []
    assert result.data == {"base": {"a": 1}, "item": {"a": 1, "c": 2}}


def test_camel_case_date_keys_are_date_keys():
    from hlkb.validate.checks import is_date_key

    for key in ["publishedOn", "createdAt", "date created", "published_at", "Updated"]:
        assert is_date_key(key), key
    for key in ["title", "mandate", "candidate", "onboarding"]:
        assert not is_date_key(key), key


def test_sample_vault_validates_clean(run_cli):
    from conftest import REPO

    code, out, err = run_cli("validate", REPO / "notes")
    assert code == 0, out + err
