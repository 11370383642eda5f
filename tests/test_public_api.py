"""A script using only `import hlkb` parses, searches, tags and exports as the CLI does."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import hlkb

NOTES = Path(__file__).resolve().parent.parent / "notes"
ARTICLE = NOTES / "The Library That Never Sleeps.md"
# the sample vault without an index a user may have built in it (README's first command)
NO_INDEX = shutil.ignore_patterns(".hlkb")


@pytest.fixture
def vault(tmp_path):
    shutil.copytree(NOTES, tmp_path / "v", ignore=NO_INDEX)
    return tmp_path / "v"


def test_every_public_name_resolves_and_all_lists_them():
    assert set(hlkb.__all__) == {"SCHEMA_VERSION", "__version__", *hlkb._EXPORTS}
    for name in hlkb.__all__:
        assert getattr(hlkb, name) is not None, name
    with pytest.raises(AttributeError):
        hlkb.no_such_name  # noqa: B018


def test_import_hlkb_is_cheap():
    code = "import sys, hlkb; print(sorted(m for m in sys.modules if m.startswith('hlkb')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['hlkb']"


def test_the_package_ships_its_types():
    assert (Path(hlkb.__file__).parent / "py.typed").is_file()


def test_parse_file_gives_what_hlkb_parse_prints(run_cli):
    note = hlkb.parse_file(ARTICLE)
    assert note.pairs and note.claims  # analysis is on by default
    code, out, _err = run_cli("parse", "--json", ARTICLE)
    assert code == 0 and hlkb.records(note) == json.loads(out)
    assert hlkb.to_record(note.pairs[0]) == note.pairs[0].to_record()
    bare = hlkb.parse_file(ARTICLE, analysis=False)
    assert not bare.pairs and len(bare.highlights) == len(note.highlights)


def test_parse_text_reads_a_string():
    text = ARTICLE.read_text(encoding="utf-8")
    assert hlkb.records(hlkb.parse_text(text, str(ARTICLE))) == hlkb.records(hlkb.parse_file(ARTICLE))


def test_bad_input_raises_hlkb_errors(tmp_path):
    with pytest.raises(hlkb.InputError):
        hlkb.parse_file(tmp_path / "missing.md")
    broken = tmp_path / "broken.md"
    broken.write_text("---\ntitle: [unclosed\n---\nBody.\n", encoding="utf-8")
    assert hlkb.parse_file(broken).warnings  # a damaged part costs that part
    with pytest.raises(hlkb.HlkbError):
        hlkb.parse_file(broken, strict=True)


def test_search_with_the_clis_filters(vault, run_cli):
    with hlkb.open_index(vault) as index:
        summary = hlkb.refresh(index)
        assert summary.added == len(list(vault.glob("*.md")))
        hits = list(hlkb.search(index, "library", kind=["highlight", "pair"], lang="en"))
        again = list(hlkb.search(index, "library", hlkb.build_filters(kind=["highlight", "pair"], lang="en")))
    code, out, _err = run_cli(
        "search",
        "library",
        "--kind",
        "highlight",
        "--kind",
        "pair",
        "--lang",
        "en",
        "--json",
        "--vault",
        vault,
        "--no-refresh",
    )
    assert code == 0 and hits == again == json.loads(out) and hits
    with hlkb.open_index(vault) as index, pytest.raises(hlkb.UsageError):
        list(hlkb.search(index, "library", kind=["chapter"]))


def test_plan_then_apply_tags_as_tag_add_does(vault, tmp_path, run_cli):
    with hlkb.open_index(vault) as index:
        hlkb.refresh(index)
        first = next(hlkb.search(index, None, kind=["highlight"]))
    plan = hlkb.plan_tags("add", "to-read", [first["id"]], vault=vault)
    assert len(plan.changed) == 1 and "+" in plan.diff() and not plan.errors
    before = {p: p.read_bytes() for p in vault.glob("*.md")}
    result = hlkb.apply_tags(plan, vault=vault)
    assert len(result.written) == 1 and not result.errors
    with hlkb.open_index(vault) as index:  # the index followed the edit
        assert "to-read" in hlkb.get_record(index, first["id"])["tags"]
    # the CLI makes the same bytes from the same start
    other = tmp_path / "w"
    shutil.copytree(NOTES, other, ignore=NO_INDEX)
    assert run_cli("tag", "add", "to-read", first["id"], "--vault", other)[0] == 0
    for path in vault.glob("*.md"):
        assert path.read_bytes() == (other / path.name).read_bytes()
    assert sum(before[p] != p.read_bytes() for p in before) == 1
    rename = hlkb.plan_tag_rename("to-read", "later", vault=vault)
    assert len(rename.changed) == 1


def test_write_records_as_export_writes(vault, run_cli):
    note = hlkb.parse_file(vault / ARTICLE.name, display_path=ARTICLE.name)
    out = io.StringIO()
    count = hlkb.write_records(hlkb.records(note), "jsonl", out)
    lines = out.getvalue().splitlines()
    assert count == len(lines) - 1 and json.loads(lines[0])["kind"] == "header"
    assert sorted(hlkb.FORMATS) == ["csv", "json", "jsonl", "md", "tmx", "tsv"]
    tmx = io.StringIO()
    assert hlkb.write_records(hlkb.records(note), "tmx", tmx) == len(note.pairs)
    with pytest.raises(hlkb.UsageError):
        hlkb.write_records([], "yaml", io.StringIO())
