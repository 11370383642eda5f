"""`hlkb pairs` output formats, TMX and TSV writers, and error handling."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from hlkb.export.tmx import write_tmx

DATA = Path(__file__).parent / "data" / "align"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def test_json_records_follow_design(run_cli):
    code, out, err = run_cli("pairs", DATA / "two_to_one.md", "--json")
    assert code == 0, err
    records = json.loads(out)
    assert [r["kind"] for r in records] == ["pair", "pair"]
    first = records[0]
    for key in ("id", "path", "line", "note_id", "en", "zh", "en_lines", "zh_lines", "score", "repairs", "zh_script"):
        assert key in first
    assert first["en_lines"] == [1, 3] and first["zh_lines"] == [5]
    assert len(first["en"]) == 2 and first["zh_script"] == "hans"


def test_jsonl_and_ids_match_parse(run_cli):
    code, out, _ = run_cli("pairs", DATA / "zh_first_hant.md", "--jsonl")
    assert code == 0
    ids = [json.loads(line)["id"] for line in out.splitlines()]
    code, out, _ = run_cli("parse", DATA / "zh_first_hant.md", "--jsonl")
    parsed = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in parsed if r["kind"] == "pair"] == ids


def test_tsv_escapes_tabs_and_newlines(run_cli, tmp_path):
    path = tmp_path / "t.md"
    path.write_text(
        "The first line\tof this short English paragraph, and the second line.\n\n第一行\t中文，\n第二行中文。\n",
        encoding="utf-8",
    )
    code, out, err = run_cli("pairs", path, "--tsv")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 1
    en, zh, score = lines[0].split("\t")
    assert en == "The first line\\tof this short English paragraph, and the second line."
    assert zh == "第一行\\t中文，\\n第二行中文。"
    assert 0 <= float(score) <= 1


def test_tmx_is_valid_and_tags_the_script(run_cli):
    code, out, _ = run_cli("pairs", DATA / "zh_first_hant.md", DATA / "two_to_one.md", "--tmx")
    assert code == 0
    root = ET.fromstring(out)
    assert root.tag == "tmx" and root.get("version") == "1.4"
    tus = root.findall("./body/tu")
    assert len(tus) == 5
    langs = [[tuv.get(XML_LANG) for tuv in tu.findall("tuv")] for tu in tus]
    assert langs[:3] == [["en", "zh-Hant"]] * 3
    assert langs[3:] == [["en", "zh-Hans"]] * 2


def test_tmx_escapes_markup_and_control_characters():
    buf = io.StringIO()
    n = write_tmx(
        [
            {
                "kind": "pair",
                "id": 'p_"1"',
                "en": ["a < b & c", "\x1b[31mred"],
                "zh": ["甲<乙>"],
                "zh_script": None,
                "score": 0.5,
            }
        ],
        buf,
    )
    assert n == 1
    root = ET.fromstring(buf.getvalue())
    segs = [seg.text for seg in root.iter("seg")]
    assert segs == ["a < b & c \ufffd[31mred", "甲<乙>"]
    assert root.find("./body/tu").get("tuid") == 'p_"1"'
    assert [t.get(XML_LANG) for t in root.iter("tuv")] == ["en", "zh"]


def test_not_bilingual_is_empty_with_a_note(run_cli):
    code, out, err = run_cli("pairs", DATA / "english_note.md", "--json")
    assert code == 0
    assert json.loads(out) == []
    assert "not a bilingual article" in err and len(err.strip().splitlines()) == 1


def test_unreadable_file_is_one_line_and_others_still_run(run_cli, tmp_path):
    missing = tmp_path / "missing.md"
    code, out, err = run_cli("pairs", missing, DATA / "two_to_one.md", "--jsonl")
    assert code == 2
    assert len(out.splitlines()) == 2
    assert "missing.md" in err and "Traceback" not in err


def test_binary_file_is_an_input_error(run_cli, tmp_path):
    path = tmp_path / "bin.md"
    path.write_bytes(b"\x00\x01\x02binary")
    code, out, err = run_cli("pairs", path)
    assert code == 2 and "binary" in err


def test_two_formats_is_a_usage_error(run_cli):
    code, _, err = run_cli("pairs", DATA / "two_to_one.md", "--json", "--tmx")
    assert code == 2 and "choose one" in err


def test_table_prints_note_text_literally(run_cli, tmp_path):
    path = tmp_path / "m.md"
    path.write_text(
        "Use [bold]this[/bold] markup, said the \x1b[31mguide.\n\n请使用[bold]这种[/bold]标记，向导说。\n",
        encoding="utf-8",
    )
    code, out, err = run_cli("pairs", path)
    assert code == 0, err
    assert "[bold]this[/bold]" in out
    assert "\x1b" not in out and "\\x1b" in out


def test_verbose_says_why_there_are_no_pairs(run_cli):
    code, out, err = run_cli("pairs", "-v", DATA / "comments_not_translations.md", DATA / "two_to_one.md", "--jsonl")
    assert code == 0
    assert len(out.splitlines()) == 2
    lines = err.splitlines()
    assert lines[0].startswith(f"hlkb: {DATA / 'comments_not_translations.md'}: not a bilingual article: ")
    assert "3 English and 2 Chinese paragraphs" in lines[0] and "a bilingual article has at least 2" in lines[0]
    assert lines[1].startswith(f"hlkb: {DATA / 'two_to_one.md'}: 2 pairs: ")


def test_records_carry_the_markdown_as_written(run_cli):
    code, out, _ = run_cli("pairs", DATA / "blockquote_hant.md", "--json")
    assert code == 0
    first = json.loads(out)[0]
    assert first["zh"] == ["親愛的同學們，歡迎來到本學期的第一週。"]
    assert first["zh_markdown"] == ["> 親愛的同學們，歡迎來到本學期的第一週。"]
