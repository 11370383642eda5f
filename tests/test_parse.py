"""Parser units and the `hlkb parse` command: API contract, malformed input, rendering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hlkb.frontmatter import FrontMatterError
from hlkb.lang import detect_lang
from hlkb.parse import parse_file, parse_text
from hlkb.parse.inline import plain_text
from hlkb.parse.locations import location_value, split_location

DATA = Path(__file__).parent / "data" / "parse"

ARTICLE = """# A Small Article

## Metadata
- Author: [[Someone Plain]]
- Category: #articles
- URL: https://example.org/small

## Highlights
- First thought about ponds. ([View Highlight](https://read.readwise.io/read/01dddddddddddddddddddddd01))
- Second thought, no link at all.
- Second thought, no link at all.
"""


@pytest.mark.parametrize(
    "markdown, plain",
    [
        ("Then, *pass the state* on", "Then, pass the state on"),
        ("a **bold** and _soft_ word", "a bold and soft word"),
        ("read [the guide](https://x.org/g) now", "read the guide now"),
        ("keep `code` marks", "keep `code` marks"),
        ("1. numbered stays", "1. numbered stays"),
        ("escaped \\# and \\- marks", "escaped # and - marks"),
        ("no\u00a0break\u2003em  space\n  and lines", "no break em space and lines"),
        ("[[Wiki Page]] and [[target|alias]] and ==marked==", "Wiki Page and alias and marked"),
        ("literal [bold]x[/bold] stays", "literal [bold]x[/bold] stays"),
    ],
)
def test_plain_text(markdown, plain):
    assert plain_text(markdown) == plain


@pytest.mark.parametrize(
    "label, value",
    [
        ("Location\u00a0220", 220),
        ("Location 1,204", 1204),
        ("165", 165),
        ("Page\u00a00", 0),
        ("Time\u00a00:11:12", 672),
        ("Time 1:02:05", 3725),
        ("View Highlight", None),
        ("View Tweet", None),
    ],
)
def test_location_value(label, value):
    assert location_value(label) == value


def test_split_location_forms():
    rest, loc = split_location("text ([Location\u00a0220](https://readwise.io/to_kindle?location=220))")
    assert rest == "text" and loc.label == "Location 220" and loc.value == 220
    rest, loc = split_location("quote _([View Highlight](https://read.readwise.io/read/01x0000000))_")
    assert rest == "quote" and loc.value is None and loc.url.endswith("01x0000000")
    assert split_location("plain sentence (with a remark)")[1] is None


@pytest.mark.parametrize(
    "text, lang",
    [
        ("A plain English sentence.", "en"),
        ("这是一个中文句子。", "zh"),
        ("The library 圖書館 lends books 借書 every day 每天都開放", "mixed"),
        ("자바스크립트는 웹의 프로그래밍 언어", "other"),
        ("🙂 🙂", "other"),
    ],
)
def test_detect_lang(text, lang):
    assert detect_lang(text) == lang


def test_ids_do_not_change_when_highlights_are_added():
    before = parse_text(ARTICLE, "a.md")
    after = parse_text(ARTICLE.replace("## Highlights\n", "## Highlights\n- A brand new first highlight.\n"), "b.md")
    assert before.id == after.id
    assert [h.id for h in before.highlights] == [h.id for h in after.highlights[1:]]
    ids = [h.id for h in before.highlights]
    assert ids[0] == "01dddddddddddddddddddddd01"
    assert len(set(ids)) == 3 and ids[1].startswith("h_") and ids[2].startswith("h_")


def test_strict_raises_and_lenient_warns():
    bad = "---\ntitle: A: B\n---\n# Heading\n- one ([View Highlight](https://read.readwise.io/read/01eeeeeeeeeeeeeeeeeeeeee01))\n"
    with pytest.raises(FrontMatterError) as exc:
        parse_text(bad, "bad.md", strict=True)
    assert str(exc.value).startswith("bad.md:2:")
    note = parse_text(bad, "bad.md")  # the default: the front matter only is lost
    assert note.warnings and note.warnings[0].line == 2
    assert note.front_matter == {} and note.title == "Heading" and len(note.highlights) == 1


def test_title_fallbacks():
    assert parse_text("Setext Title\n===\n\ntext\n").title == "Setext Title"
    assert parse_text("## Quiet Book (Highlights)\n- x (Page 3)\n").title == "Quiet Book"
    assert parse_text("just text\n", "x/My%3A Note.md", file_name="My%3A Note.md").title == "My: Note"
    fm = parse_text("---\ntitle: [One, Two]\nauthors: [A, B]\n---\nbody\n")
    assert fm.title == "One, Two" and fm.author == "A, B"


@pytest.mark.parametrize(
    "yaml_tags, tags",
    [
        ("tags: [a, b]", ["a", "b"]),
        ("tags: a b", ["a", "b"]),
        ("tags: a, b", ["a", "b"]),
        ("tags: single", ["single"]),
        ("tags:", []),
        ("tags: #readwise-books", []),
        ("tags:\n  - '#x'\n  - y", ["x", "y"]),
    ],
)
def test_front_matter_tag_shapes(yaml_tags, tags):
    assert parse_text(f"---\n{yaml_tags}\n---\nbody\n").tags == tags


def test_heading_marker_note_makes_a_section():
    text = (
        "## Highlights\n- Part Two (Page 5)\n    - Note: .h1\n- inside part two (Page 6)\n"
        "### Part Three\n- inside part three (Page 9)\n"
    )
    note = parse_text(text)
    assert [(h.text, h.section) for h in note.highlights] == [
        ("inside part two", "Part Two"),
        ("inside part three", "Part Three"),
    ]


def test_never_crashes_on_odd_lines():
    odd = "- \n-\n- - \n> \n### \n%%\n    - Note:\n\t- **Note**:\n1\n```\n- x ([y](\n"
    parse_text(odd)
    parse_text("## Highlights\n" + odd)
    parse_text("title:: t\n" + odd)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "- a highlight ([View Highlight](https://read.readwise.io/read/01fffffffffffffffffffffff1))",
                "    - Note: a note",
                "    - Tags: [[pink]] ",
                "  continued",
                "",
                "## Highlights",
                "### Chapter",
                "> quote",
                "> [!quote]",
                "---",
                "%% Color: red %% ^123456",
                "1",
                "-",
                "title:: x",
                "\t- child",
                "# About",
                "## Metadata",
                "- Author: [[x]]",
                "text (Page\u00a03)",
                "\u00a0",
                "![](img.png)",
            ]
        ),
        max_size=30,
    )
)
def test_parser_total_on_line_soup(lines):
    note = parse_text("\n".join(lines), strict=False)
    ids = [h.id for h in note.highlights]
    assert len(ids) == len(set(ids))
    for h in note.highlights:
        assert 1 <= h.line <= h.text_end_line <= h.end_line <= len(lines)


# -- the command ---------------------------------------------------------------------------


def test_parse_json_records(run_cli):
    code, out, err = run_cli("parse", "--json", DATA / "kindle-book.md")
    assert code == 0 and err == ""
    records = json.loads(out)
    assert records[0]["kind"] == "note" and records[0]["highlight_count"] == 4
    hl = [r for r in records if r["kind"] == "highlight"]
    assert hl[0]["location"] == {"label": "Location 220", "url": hl[0]["location"]["url"], "value": 220}
    assert hl[0]["tags"] == ["pink"] and hl[0]["line"] == 12


def test_parse_folder_and_human_view(run_cli):
    code, out, err = run_cli("parse", DATA)
    assert code == 0, err
    assert "The Patient Lighthouse" in out and "Ottilie Marsh" in out
    assert "note: One honest sentence a day" in out
    assert "§ Part One: Arrival" in out
    assert "\x1b[" not in out  # a pipe gets plain text


def test_markup_and_escapes_print_literally(run_cli, tmp_path):
    f = tmp_path / "odd.md"
    f.write_text("# [bold]Loud[/bold]\n\n## Highlights\n- say \x1b[31mred[/red] (Page 1)\n", encoding="utf-8")
    code, out, _ = run_cli("parse", f)
    assert code == 0
    assert "[bold]Loud[/bold]" in out and "\\x1b[31mred[/red]" in out and "\x1b" not in out


@pytest.mark.parametrize(
    "content, line",
    [
        (b"# Title\n\nsome\x00binary\n", 3),
        (b"# Title\nline two\n\xff\xfe\xfa bad bytes\n", 3),
    ],
)
def test_malformed_inputs_are_one_line_errors_and_others_still_print(run_cli, tmp_path, content, line):
    bad = tmp_path / "bad.md"
    bad.write_bytes(content)
    code, out, err = run_cli("parse", "--jsonl", bad, DATA / "tweets.md")
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"hlkb: {bad}:{line}:")
    assert "Traceback" not in err
    kinds = [json.loads(x)["kind"] for x in out.splitlines()]
    assert kinds.count("note") == 1 and kinds.count("highlight") == 3


@pytest.mark.parametrize(
    "content, line, col",
    [
        (
            b"---\ntitle: A: B\n---\n# The Heading\n\n## Highlights\n- kept ([View Highlight](https://read.readwise.io/read/01aaaaaaaaaaaaaaaaaaaaaaaa))\n",
            2,
            9,
        ),
        (b"---\ntitle: x\n\tauthor: tabbed\n---\n# The Heading\n\n## Highlights\n- kept (Page 3)\n", 3, 1),
        (b"---\ntitle: open\n## Highlights\n- kept (Page 3)\n", 1, 1),
    ],
)
def test_broken_front_matter_is_a_warning_and_the_body_is_read(run_cli, tmp_path, content, line, col):
    bad = tmp_path / "bad.md"
    bad.write_bytes(content)
    code, out, err = run_cli("parse", "--jsonl", bad)
    assert code == 0
    (warning,) = err.strip().splitlines()
    assert warning.startswith(f"hlkb: warning: {bad}:{line}:{col}:") and "front matter" in warning
    note, highlight = [json.loads(x) for x in out.splitlines()]
    assert note["front_matter"] == {} and note["front_matter_error"]["line"] == line
    assert highlight["text"] == "kept"
    if b"The Heading" in content:
        assert note["title"] == "The Heading"


def test_ordinary_links_are_not_highlight_links():
    plain = parse_text("# My list\n\n- Great post (see [here](https://blog.example/x))\n- another thing\n")
    assert plain.format == "markdown" and plain.highlights == []
    note = parse_text("## Highlights\n- Great post (see [here](https://blog.example/x))\n")
    assert note.highlights[0].location is None
    assert note.highlights[0].text == "Great post (see here)"


def test_rule_separated_highlights_without_about_block_are_legacy():
    text = (
        "# Book\n\n# Highlights\npara one ([1](https://readwise.io/to_kindle?location=1)) ^7100001\n\n---\n\n"
        "para two\ncontinued ([2](https://readwise.io/to_kindle?location=2)) %% Color: red %% ^7100002\n"
    )
    note = parse_text(text)
    assert note.format == "readwise-legacy" and note.title == "Book"
    assert [(h.text, h.readwise_id, h.color, h.line) for h in note.highlights] == [
        ("para one", "7100001", None, 4),
        ("para two continued", "7100002", "red", 8),
    ]


def test_logseq_page_without_properties():
    text = (
        "- Highlights first synced by [[Readwise]] [[Jan 1st, 2024]]\n"
        "\t- A node ([View Highlight](https://read.readwise.io/read/01zzzzzzzzzzzzzzzzzzzzzzz1))\n"
        "\t\t- **Note**: hi\n"
    )
    note = parse_text(text, file_name="Page Name.md")
    assert note.format == "logseq" and note.title == "Page Name"
    assert [(h.text, h.note, h.line, h.note_line, h.end_line) for h in note.highlights] == [("A node", "hi", 2, 3, 3)]


def test_sample_vault_parses(run_cli):
    notes = Path(__file__).resolve().parents[1] / "notes"
    parsed = [parse_file(f) for f in sorted(notes.glob("*.md"))]
    formats = {n.format for n in parsed}
    assert {"readwise", "logseq", "markdown"} <= formats
    assert sum(len(n.highlights) for n in parsed) >= 15
    assert any(n.lang == "mixed" for n in parsed)
    code, out, err = run_cli("parse", *sorted(notes.glob("*.md")))
    assert code == 0 and err == "" and "The Attentive Hour" in out


def test_indented_hash_lines_continue_and_lazy_lines_join_the_note():
    note = parse_text(
        "## Highlights\n- run this:\n  # a shell comment\n  ls -la (Page 3)\n"
        "    - Note: first\nlazy note line\n- next (Page 4)\n"
    )
    first, second = note.highlights
    assert (first.line, first.text_end_line, first.end_line) == (2, 4, 6)
    assert first.text == "run this: # a shell comment ls -la" and first.location.value == 3
    assert first.note == "first\nlazy note line" and second.text == "next"


def test_hash_lines_in_code_fences_are_not_headings():
    assert parse_text("Some intro\n\n```sh\n# not a title\nls\n```\n\n# Real Title\n").title == "Real Title"


def test_trailing_tags_and_long_text_stay_linear():
    tags = " ".join(f"#t{i}" for i in range(60))
    note = parse_text(
        f"title:: x\n- Highlights first synced by [[Readwise]] [[d]]\n\t- a tweet {tags} end\n\t- b {tags}\n"
    )
    first, second = note.highlights
    assert first.tags == [] and first.text.endswith(" end")
    assert second.tags == [f"t{i}" for i in range(60)] and second.text == "b"
    soup = parse_text("## Highlights\n- " + "word ((([[ " * 3000 + "(Page 2)\n")
    assert soup.highlights[0].location.value == 2 and soup.highlights[0].text.startswith("word ((([[")


def test_legacy_heading_marker_and_bold_fields():
    text = (
        "# About\n**Author:** Some Body  \n**Source**:: Kindle\nCategory: [[books]]\n\n# Highlights\n"
        "Part One ([3](https://readwise.io/to_kindle?action=open&asin=X&location=3))\n**Note: .h2**\n\n---\n\n"
        "The first real sentence. ([5](https://readwise.io/to_kindle?action=open&asin=X&location=5)) ^71000001\n"
        "**Note:** a remark\nTags: #red #[[two words]]\n"
    )
    note = parse_text(text)
    assert (note.format, note.author, note.category) == ("readwise-legacy", "Some Body", "books")
    assert note.metadata["Source"] == "Kindle"
    (h,) = note.highlights
    assert (h.text, h.note, h.tags, h.section, h.id) == (
        "The first real sentence.",
        "a remark",
        ["red", "two words"],
        "Part One",
        "71000001",
    )
    assert (h.line, h.note_line, h.tags_line, h.end_line) == (12, 13, 14, 14)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            list("-*>#[]()!`_:^%\t \n\u00a0a1.|=\\") + ["::", "- ", "\t- ", "  ", "---\n", "([", "](", "))"]
        ),
        max_size=150,
    )
)
def test_parser_total_on_markup_noise(pieces):
    note = parse_text("".join(pieces), strict=False)
    assert note.id.startswith("n_")
    for h in note.highlights:
        assert h.text and 1 <= h.line <= h.end_line


def test_apostrophe_inside_a_bare_tag_belongs_to_it():
    from hlkb.parse.blocks import parse_tags

    assert parse_tags("Bash O'Reilly-Learning") == ["Bash", "O'Reilly-Learning"]
    assert parse_tags("[[two words]] #x y, 'z'") == ["two words", "x", "y", "z"]


@pytest.mark.parametrize(
    "mark,text",
    [("\\>", ">"), ("\\*", "*"), ("\\_", "_"), ("\\\\", "\\"), ("\\|", "|"), ("\\* \\>", "* >"), ("**\\>**", ">")],
)
def test_a_highlight_that_is_only_escaped_marks_is_not_a_lone_anchor(mark, text):
    """A backslash makes a mark literal text (CommonMark): ``- \\> (Location 3)`` after two
    unanchored items is a third highlight, not the anchor of the section above it."""
    note = parse_text(f"# Marks\n\n## Highlights\n\n- First one.\n- Second one.\n- {mark} (Location 3)\n", "m.md")
    assert [(h.text, h.location and h.location.label) for h in note.highlights] == [
        ("First one.", None),
        ("Second one.", None),
        (text, "Location 3"),
    ]


def test_an_escaped_dash_before_a_link_is_still_a_separator():
    """``\\-`` is what an exporter writes to keep ``- [(View Highlight)](…)`` from starting a
    list: on the link's own line it is no text."""
    note = parse_text(
        "# D\n\n## Highlights\n\n> The whole quoted text.\n> \\- [(View Highlight)](https://read.readwise.io"
        "/read/01jdash00000000000000000a1)\n",
        "d.md",
    )
    assert [(h.text, h.location and h.location.url) for h in note.highlights] == [
        ("The whole quoted text.", "https://read.readwise.io/read/01jdash00000000000000000a1")
    ]
