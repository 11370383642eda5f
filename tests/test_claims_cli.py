"""`hlkb claims`: records, --check findings and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

DATA = Path(__file__).parent / "data" / "claims"


def test_check_reports_mismatch_and_exits_1(run_cli):
    path = DATA / "bilingual-mismatch.md"
    code, out, err = run_cli("claims", "--check", path)
    assert code == 1
    assert out.splitlines() == [f'{path}:4: mismatch: EN "2.6 million" (line 4) vs ZH "280萬名" (line 6)']
    assert "1 mismatch" in err


def test_check_clean_file_exits_0(run_cli):
    code, out, err = run_cli("claims", "--check", DATA / "bilingual-ok.md")
    assert (code, out) == (0, "")
    assert "0 mismatches" in err


def test_check_with_json_keeps_stdout_json(run_cli):
    code, out, err = run_cli("claims", "--check", "--json", DATA / "bilingual-mismatch.md")
    assert code == 1
    records = json.loads(out)
    assert {r["kind"] for r in records} == {"claim"}
    assert sum(r["check"] == "mismatch" for r in records) == 2
    assert "mismatch: EN" in err


def test_jsonl_records(run_cli):
    code, out, _ = run_cli("claims", "--jsonl", DATA / "article-highlights.md")
    assert code == 0
    recs = [json.loads(line) for line in out.splitlines()]
    assert [r["source"] for r in recs] == ["highlight"] * 3
    assert recs[1]["attribution"] == "the regional growers' board"
    assert recs[2]["figures"] == [{"raw": "about $3.5 million", "value": 3500000, "unit": "USD", "approx": True}]


def test_vault_mode_reads_every_note(run_cli, tmp_path):
    for name in ("bilingual-ok.md", "research.md"):
        shutil.copy(DATA / name, tmp_path / name)
    (tmp_path / ".hidden").mkdir()
    shutil.copy(DATA / "bilingual-mismatch.md", tmp_path / ".hidden" / "skip.md")
    code, out, _ = run_cli("claims", "--check", "--jsonl", "--vault", tmp_path)
    assert code == 0
    paths = {json.loads(line)["path"] for line in out.splitlines()}
    assert paths == {"bilingual-ok.md", "research.md"}


def test_missing_file_is_an_input_error(run_cli, tmp_path):
    code, out, err = run_cli("claims", "--json", tmp_path / "nope.md", DATA / "research.md")
    assert code == 2
    assert len(json.loads(out)) == 3  # the readable file is still reported
    assert "nope.md" in err and "Traceback" not in err


def test_a_folder_the_walker_skips_is_reported_not_failed(run_cli, tmp_path):
    """A symlink loop inside a folder is skipped with a message, as `parse` and `validate`
    skip it: exit 0, the notes read."""
    shutil.copy(DATA / "research.md", tmp_path / "research.md")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    code, out, err = run_cli("claims", "--json", tmp_path)
    assert code == 0 and "symlink loop" in err
    assert len(json.loads(out)) == 3
    code, _, err = run_cli("parse", "--json", tmp_path)
    assert code == 0 and "symlink loop" in err


def test_json_and_jsonl_together_is_a_usage_error(run_cli):
    code, _, err = run_cli("claims", "--json", "--jsonl", DATA / "research.md")
    assert code == 2 and "choose one" in err


def test_table_prints_literally(run_cli, tmp_path):
    note = tmp_path / "n.md"
    note.write_text(
        "# T\n\n## Highlights\n- The [bold]board[/bold] said rents rose 7%. ([View Highlight](https://read.readwise.io/read/01x))\n",
        encoding="utf-8",
    )
    code, out, _ = run_cli("claims", note)
    assert code == 0
    assert "[bold]board[/bold]" in out
