"""One registry of record formats (hlkb.export.formats) behind `--format`, the old flags
kept as aliases."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from hlkb.errors import UsageError
from hlkb.export.formats import REGISTRY, get_format, write_records

NOTES = Path(__file__).resolve().parent.parent / "notes"
ALIGN = Path(__file__).resolve().parent / "data" / "align"


def test_the_registry_holds_every_format_once():
    assert sorted(REGISTRY) == ["csv", "json", "jsonl", "md", "tmx", "tsv"]
    for name, fmt in REGISTRY.items():
        assert fmt.name == name and fmt.description


def test_an_unknown_format_is_a_usage_error_naming_the_choices():
    with pytest.raises(UsageError, match="one of json, csv"):
        get_format("yaml", ["json", "csv"])


def test_formats_of_pairs_leave_other_records_out():
    records = [
        {"kind": "note", "id": "n"},
        {"kind": "pair", "id": "p", "en": ["One cat."], "zh": ["一只猫。"], "score": 0.9},
    ]
    out = io.StringIO()
    assert write_records("tsv", records, out) == 1
    assert out.getvalue() == "One cat.\t一只猫。\t0.9000\n"


@pytest.mark.parametrize("alias,name", [("--json", "json"), ("--jsonl", "jsonl")])
def test_format_and_its_alias_print_the_same(run_cli, alias, name):
    a = run_cli("parse", alias, NOTES)
    b = run_cli("parse", "--format", name, NOTES)
    assert a[0] == b[0] == 0 and a[1] == b[1] and a[1]


def test_pairs_tsv_by_flag_and_by_format(run_cli):
    files = sorted(str(p) for p in NOTES.glob("*.md"))
    a = run_cli("pairs", "--tsv", *files)
    b = run_cli("pairs", "--format", "TSV", *files)
    assert a[1] == b[1] and a[1].count("\t") >= 2


@pytest.mark.parametrize("args", [["--json", "--format", "jsonl"], ["--format", "csv"], ["--json", "--jsonl"]])
def test_two_choices_or_an_unknown_one_is_one_line_exit_2(run_cli, args):
    code, out, err = run_cli("parse", *args, NOTES)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1


def test_format_table_is_the_terminal_view(run_cli):
    code, out, _err = run_cli("parse", "--format", "table", NOTES)
    assert code == 0 and not out.lstrip().startswith(("[", "{"))
