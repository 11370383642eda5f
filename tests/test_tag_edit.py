"""Tag names, byte preservation across encodings, and the atomic, hash-checked write."""

from __future__ import annotations

import os
import stat

import pytest

from hlkb.edit import (
    TagOp,
    load_source,
    normalize_tag,
    plan_rename,
    plan_tag_edits,
    source_from_bytes,
    tag_key,
    write_plan,
)
from hlkb.edit.plan import parse_source
from hlkb.errors import HlkbError, InputError, UsageError

NOTE = (
    "# Field Notes\n\n## Highlights\n"
    "- The ferry left before the fog lifted. ([View Highlight](https://read.readwise.io/read/01ferry0000000000000000000))\n"
    "    - Tags: [[sea]] \n"
    "- Gulls followed the boat for an hour. ([View Highlight](https://read.readwise.io/read/01gulls0000000000000000000))\n"
)


@pytest.mark.parametrize(
    "given,expected",
    [
        ("#reading", "reading"),
        ("  Reading ", "Reading"),
        ("[[books]]", "books"),
        ("a/b", "a/b"),
        ("数字", "数字"),
        ("under_score-dash", "under_score-dash"),
    ],
)
def test_normalize_tag_accepts(given, expected):
    assert normalize_tag(given) == expected


@pytest.mark.parametrize(
    "given,fragment",
    [
        ("two words", "cannot contain spaces"),
        ("", "empty"),
        ("#", "empty"),
        ("a,b", "characters"),
        ("/a", "nested"),
        ("a//b", "nested"),
        ("1984", "only digits"),
        ("a\x1bb", "characters"),
    ],
)
def test_normalize_tag_refuses(given, fragment):
    with pytest.raises(UsageError) as info:
        normalize_tag(given)
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_hyphenate_and_key():
    assert normalize_tag("two  words", hyphenate=True) == "two-words"
    assert tag_key("#Reading") == tag_key("reading")


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-8"),
        lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
        lambda t: t.replace("\n", "\r\n").encode("utf-8"),
        lambda t: t.rstrip("\n").encode("utf-8"),
        lambda t: "\ufeff".encode("utf-16-le") + t.replace("\n", "\r\n").encode("utf-16-le"),
        lambda t: (t + "中文的一行字。\n").encode("gb18030"),
    ],
    ids=["utf8", "bom", "crlf", "no-final-newline", "utf16-crlf", "gb18030"],
)
def test_encodings_and_line_endings_survive(encode):
    data = encode(NOTE)
    src = source_from_bytes(data, "n.md")
    hid = parse_source(src).highlights[1].id
    added = plan_tag_edits(src, [TagOp("add", "harbour", None), TagOp("add", "harbour", hid)])
    new = source_from_bytes(added.new_data, "n.md")
    assert (new.encoding, new.bom, new.newline, new.final_newline) == (
        src.encoding,
        src.bom,
        src.newline,
        src.final_newline,
    )
    assert "    - Tags: [[harbour]] " in new.lines  # the file's style: trailing space after each tag
    back = plan_tag_edits(new, [TagOp("remove", "harbour", None), TagOp("remove", "harbour", hid)])
    assert back.new_data == data


def test_mixed_line_endings_keep_each_line_own_ending():
    data = NOTE.replace("\n", "\r\n", 3).encode()
    src = source_from_bytes(data, "n.md")
    hid = parse_source(src).highlights[0].id
    new = plan_tag_edits(src, [TagOp("add", "fog", hid)]).new_data
    assert new.replace(b"[[sea]] [[fog]] ", b"[[sea]] ") == data


def test_plan_refuses_unknown_highlight():
    src = source_from_bytes(NOTE.encode(), "n.md")
    with pytest.raises(InputError, match="no highlight h_nope"):
        plan_tag_edits(src, [TagOp("add", "x", "h_nope")])


def test_rename_merges_without_duplicates():
    text = NOTE.replace("[[sea]] ", "[[sea]] [[ocean]] ")
    src = source_from_bytes(text.encode(), "n.md")
    out = plan_rename(src, "sea", "ocean").new_data.decode()
    assert "    - Tags: [[ocean]] \n" in out


def test_write_is_atomic_keeps_mode_and_checks_hash(tmp_path):
    note = tmp_path / "n.md"
    note.write_bytes(NOTE.encode())
    os.chmod(note, 0o640)
    plan = plan_tag_edits(load_source(note, "n.md"), [TagOp("add", "harbour")])
    write_plan(plan)
    assert note.read_bytes() == plan.new_data
    assert stat.S_IMODE(note.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["n.md"]  # no temporary file left behind

    stale = plan_tag_edits(load_source(note, "n.md"), [TagOp("add", "other")])
    note.write_bytes(note.read_bytes() + b"- Someone typed this meanwhile.\n")
    typed = note.read_bytes()
    with pytest.raises(InputError, match="changed since it was read"):
        write_plan(stale)
    assert note.read_bytes() == typed


def test_write_through_symlink_keeps_the_link(tmp_path):
    real = tmp_path / "real.md"
    real.write_bytes(NOTE.encode())
    link = tmp_path / "link.md"
    link.symlink_to(real)
    write_plan(plan_tag_edits(load_source(link, "link.md"), [TagOp("add", "harbour")]))
    assert link.is_symlink() and b"harbour" in real.read_bytes()


def test_read_only_file_is_refused(tmp_path):
    note = tmp_path / "n.md"
    note.write_bytes(NOTE.encode())
    os.chmod(note, 0o444)
    plan = plan_tag_edits(load_source(note, "n.md"), [TagOp("add", "harbour")])
    with pytest.raises(HlkbError, match="not writable"):
        write_plan(plan)
    assert note.read_bytes() == NOTE.encode()
