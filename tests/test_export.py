"""hlkb export: writers against hand-made records (tests/data/export), the schema, atomic -o, the CLI."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from pathlib import Path

import jsonschema
import pytest

from hlkb import SCHEMA_VERSION
from hlkb.atomicfile import new_file_writer as atomic_writer
from hlkb.errors import UsageError
from hlkb.export import (
    fields_by_kind,
    read_csv_records,
    record_schema,
    write_csv,
    write_export,
    write_json_envelope,
    write_jsonl,
    write_markdown,
)
from hlkb.export.csvout import spreadsheet_safe

DATA = Path(__file__).parent / "data" / "export"


def _records() -> list[dict]:
    return [json.loads(line) for line in (DATA / "records.jsonl").read_text(encoding="utf-8").splitlines()]


def _validator(part: str | None = None):
    schema = record_schema()
    if part:
        schema = {**schema, "$ref": f"#/$defs/{part}"}
    return jsonschema.Draft202012Validator(schema)


def _errors(validator, instance) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def test_schema_is_valid_and_versioned():
    schema = record_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["x-schema-version"] == SCHEMA_VERSION
    assert set(fields_by_kind()) == {"note", "highlight", "pair", "claim", "diagnostic"}


def test_schema_rejects_wrong_records():
    v = _validator()
    good = _records()
    for rec in good:
        assert _errors(v, rec) == [], rec["kind"]
    bad_pair = {**good[4], "score": 1.5}
    bad_highlight = {k: v for k, v in good[1].items() if k != "note_id"}
    bad_claim = {**good[3], "check": "maybe"}
    for rec in (bad_pair, bad_highlight, bad_claim, {"kind": "nope", "id": "x", "path": "p", "line": 1}):
        assert _errors(v, rec), rec


def test_every_emitted_record_is_in_the_schema():
    """What the library prints for the sample vault and the parser fixtures validates, and
    each key is one the schema (hence docs/records.md, test_docs) lists for its kind: a
    field added to a record without its schema entry fails here."""
    from hlkb.pipeline import parse_and_analyze

    repo = Path(__file__).resolve().parents[1]
    schema = record_schema()
    v = _validator()
    kinds = set()
    for path in [*sorted((repo / "notes").glob("*.md")), *sorted((repo / "tests" / "data" / "parse").glob("*.md"))]:
        for rec in parse_and_analyze(path).records():
            kinds.add(rec["kind"])
            assert _errors(v, rec) == [], (path.name, rec["kind"])
            unknown = set(rec) - set(schema["$defs"][rec["kind"]]["properties"])
            assert not unknown, (path.name, rec["kind"], unknown)
    assert kinds == {"note", "highlight", "pair", "claim"}


def test_json_envelope_streams_and_validates():
    out = io.StringIO()
    assert write_json_envelope(iter(_records()), out) == len(_records())
    data = json.loads(out.getvalue())
    assert _errors(_validator("envelope"), data) == []
    assert data["schema_version"] == SCHEMA_VERSION and data["records"] == _records()
    empty = io.StringIO()
    write_json_envelope(iter([]), empty)
    assert json.loads(empty.getvalue())["records"] == []


def test_jsonl_header_then_records():
    out = io.StringIO()
    write_jsonl(_records(), out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[0] == {"kind": "header", "schema_version": SCHEMA_VERSION, "hlkb_version": lines[0]["hlkb_version"]}
    assert _errors(_validator("header"), lines[0]) == []
    assert lines[1:] == _records()
    for rec in lines[1:]:
        assert _errors(_validator(), rec) == []


def test_csv_cells_are_spreadsheet_safe():
    out = io.StringIO(newline="")
    write_csv(_records(), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert len(rows) == len(_records())
    highlight = rows[1]
    assert highlight["text"].startswith("'=SUM(")
    assert highlight["note"] == "'+ keep this one"
    assert highlight["tags"] == "'-odd; @home"
    assert rows[0]["tags"] == "trees; =cmd"  # not at the start: harmless
    assert json.loads(rows[0]["front_matter"])["rating"] == -2
    pair = rows[4]
    assert pair["en"].split("\n")[1].startswith("'Nobody")  # a leading quote is doubled: reversible
    assert pair["en"].startswith("The river")
    assert pair["score"] == "0.875" and pair["line"] == "5"
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


@pytest.mark.parametrize(
    "text,expected",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'x", "''x"),
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_spreadsheet_safe(text, expected):
    assert spreadsheet_safe(text) == expected


def test_csv_reads_back_to_the_records():
    out = io.StringIO(newline="")
    write_csv(_records(), out)
    back = list(read_csv_records(io.StringIO(out.getvalue(), newline=""), fields_by_kind()))
    for original, parsed in zip(_records(), back):
        assert _errors(_validator(), parsed) == [], parsed
        for key, value in parsed.items():
            assert value == original[key], (original["kind"], key)


def test_markdown_digest_matches_golden():
    river = json.loads((DATA / "river-note.json").read_text(encoding="utf-8"))
    out = io.StringIO()
    write_markdown(_records(), out, lookup=lambda note_id: river if note_id == river["id"] else None)
    assert out.getvalue() == (DATA / "digest.md").read_text(encoding="utf-8")


def test_markdown_without_lookup_uses_path():
    out = io.StringIO()
    write_markdown([r for r in _records() if r["kind"] == "pair"], out)
    assert out.getvalue().startswith("## articles/river.md\n")
    empty = io.StringIO()
    write_markdown([], empty)
    assert empty.getvalue() == "_No records._\n"


def test_unknown_format_is_usage_error():
    with pytest.raises(UsageError):
        write_export([], "xml", io.StringIO())


class _Sink(io.TextIOBase):
    def __init__(self):
        self.size = 0

    def write(self, text):
        self.size += len(text)
        return len(text)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "md"])
def test_writers_stream_in_constant_memory(fmt):
    template = _records()[2]

    def many(n):
        for i in range(n):
            yield {**template, "id": f"h_{i:016x}", "line": i + 1, "note_id": f"n_{i // 50:016x}"}

    tracemalloc.start()
    sink = _Sink()
    write_export(many(20_000), fmt, sink)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert sink.size > 20_000 * 50
    assert peak < 2_000_000, peak  # 20k records held in a list would take tens of MB


def test_atomic_writer(tmp_path):
    target = tmp_path / "out.json"
    with atomic_writer(target) as stream:
        stream.write("first")
    assert target.read_text() == "first"
    with pytest.raises(UsageError, match="already exists"), atomic_writer(target) as stream:
        stream.write("second")
    with atomic_writer(target, force=True) as stream:
        stream.write("second")
    assert target.read_text() == "second"
    with pytest.raises(RuntimeError), atomic_writer(target, force=True) as stream:
        stream.write("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]  # no temp file left
    with pytest.raises(UsageError, match="folder"), atomic_writer(tmp_path / "no" / "x.json"):
        pass


# ---------------------------------------------------------------- the command over a real index ---


@pytest.fixture
def vault(tmp_path):
    root = tmp_path / "vault"
    (root / "books").mkdir(parents=True)
    (root / "books" / "orchard.md").write_text(
        "---\ntitle: Orchard Notes\nauthor: Ines Vardy\ncategory: books\ntags: [trees]\n---\n"
        "# Orchard Notes\n\n## Highlights\n"
        "- Prune apple trees in late winter. ([Location 12](https://readwise.io/to_kindle?action=open&asin=B0&location=12))\n"
        "    - Note: +remember the ladder\n"
        "- =IMPORTXML is not a word a gardener uses. ([Location 30](https://readwise.io/to_kindle?action=open&asin=B0&location=30))\n",
        encoding="utf-8",
    )
    (root / "river.md").write_text(
        "---\ntitle: River Diary\ncategory: articles\n---\nThe water was high today.\n", encoding="utf-8"
    )
    return root


def test_export_every_format_validates(run_cli, vault, tmp_path):
    code, out, err = run_cli("export", "--vault", vault, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert _errors(_validator("envelope"), data) == []
    kinds = [r["kind"] for r in data["records"]]
    assert kinds.count("note") == 2 and kinds.count("highlight") == 2

    code, out, _ = run_cli("export", "--vault", vault, "--format", "jsonl", "--kind", "highlight", "--no-refresh")
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[0]["kind"] == "header" and {r["kind"] for r in lines[1:]} == {"highlight"}
    for rec in lines[1:]:
        assert _errors(_validator(), rec) == []

    code, out, _ = run_cli("export", "--vault", vault, "--format", "csv", "--no-refresh")
    back = list(read_csv_records(io.StringIO(out, newline=""), fields_by_kind()))
    assert len(back) == len(data["records"])
    for rec in back:
        assert _errors(_validator(), rec) == []
    assert "'=IMPORTXML" in out and "'+remember" in out

    code, out, _ = run_cli("export", "--vault", vault, "--format", "md", "--kind", "highlight", "--no-refresh")
    assert code == 0
    assert out.startswith("## Orchard Notes\n\n- Author: Ines Vardy\n")
    assert "> Prune apple trees in late winter." in out and "**Note:** +remember the ladder" in out


def test_export_query_gives_plain_records(run_cli, vault):
    code, out, err = run_cli("export", "ladder OR prune", "--vault", vault, "--format", "jsonl")
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()[1:]]
    assert records and all("snippet" not in r and "score" not in r for r in records)


def test_export_to_file_is_atomic_and_refuses_overwrite(run_cli, vault, tmp_path):
    target = tmp_path / "export.json"
    code, out, err = run_cli("export", "--vault", vault, "-o", target)
    assert code == 0 and out == "" and "exported" in err
    first = target.read_text(encoding="utf-8")
    assert json.loads(first)["records"]
    code, out, err = run_cli("export", "--vault", vault, "-o", target, "--format", "csv")
    assert code == 2 and "--force" in err and target.read_text(encoding="utf-8") == first
    code, _, _ = run_cli("export", "--vault", vault, "-o", target, "--format", "csv", "--force", "--no-refresh")
    assert code == 0 and target.read_text(encoding="utf-8").startswith("kind,id,path,line")


def test_export_usage_errors(run_cli, vault):
    assert run_cli("export", "--vault", vault, "--format", "xls")[0] == 2
    assert run_cli("export", "--vault", vault, "--kind", "bogus")[0] == 2
    assert run_cli("export", "--vault", vault, "--format", "tmx", "--kind", "note")[0] == 2
    assert run_cli("export", "--vault", vault / "missing")[0] == 2


def test_export_schema_flag_prints_the_shipped_schema(run_cli):
    code, out, _ = run_cli("export", "--schema")
    assert code == 0 and json.loads(out) == record_schema()


def test_export_tmx(run_cli, vault):
    import xml.etree.ElementTree as ET

    (vault / "bridge.md").write_text(
        "# The Old Bridge\n\n"
        "The stone bridge over the river was finished in 1887 after nine years of work.\n\n"
        "這座跨河石橋於1887年完工，前後施工九年。\n\n"
        "Today about 4,000 people cross it every morning on their way to the market.\n\n"
        "如今每天早上約有4,000人經過這座橋去市場。\n\n"
        "Local children say a fish & a heron <live> under the third arch.\n\n"
        "當地孩子說，第三個橋拱下住着一條魚和一隻蒼鷺。\n",
        encoding="utf-8",
    )
    code, out, err = run_cli("export", "--vault", vault, "--format", "tmx")
    assert code == 0, err
    assert "fish &amp; a heron &lt;live&gt;" in out
    root = ET.fromstring(out.encode("utf-8"))
    assert root.tag == "tmx" and root.get("version") == "1.4"
    units = root.findall("./body/tu")
    assert units, "the test vault's bilingual note gave no translation units"
    for tu in units:
        langs = {tuv.get("{http://www.w3.org/XML/1998/namespace}lang") for tuv in tu.findall("tuv")}
        assert "en" in langs and langs & {"zh-Hant", "zh-Hans"}
