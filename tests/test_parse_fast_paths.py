"""The parser's fast paths give what the general code they skip would give.

detect_lang, split_location, plain_text and the trailer peeling take shortcuts for the common
case (ASCII text, a link at the end, simple Markdown without markdown-it, no separator or
plugin link to look for). Each test here compares a
shortcut with the plain definition it replaces, on generated text rich in the characters
that matter. ``HLKB_FUZZ_EXAMPLES=5000`` runs a longer campaign.
"""

from __future__ import annotations

import itertools
import os
import re
import sys
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hlkb import lang, model
from hlkb.model import Location
from hlkb.parse import anchors, inline, locations, reader, tree

EXAMPLES = int(os.environ.get("HLKB_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _pieces(*pieces: str):
    return st.lists(st.one_of(st.sampled_from(pieces), st.text(max_size=3)), max_size=14).map("".join)


# -- detect_lang ----------------------------------------------------------------------------

_HAN = re.compile(f"[{lang.HAN_CLASS}]")
_LATIN = re.compile(f"[{lang.LATIN_CLASS}]")
_OTHER = re.compile(f"[^\\W\\d_{lang.HAN_CLASS}{lang.LATIN_CLASS}]")


def _reference_lang(text: str) -> str:
    """Counting every character with the plain one-character classes (step 2, for a text
    with both languages, is the same code: only the counting has a fast path)."""
    han, latin = len(_HAN.findall(text)), len(_LATIN.findall(text))
    found = lang.lang_of_counts(han, latin, len(_OTHER.findall(text)))
    return lang.mixed_or_framing(text, han, latin) if found == "mixed" else found


@FUZZ
@given(
    _pieces(
        "a",
        "Z",
        "é",
        "ß",
        "ɏ",
        "ɐ",
        "×",
        "中",
        "文",
        "\U00020000",
        "ア",
        "한",
        "Я",
        "٣",
        "_",
        "1",
        " ",
        "，",
        "😀",
        "’",
        "—",
    )
)
def test_detect_lang_matches_counting_every_character(text):
    assert lang.detect_lang(text) == _reference_lang(text)


def _reference_framing(text: str, han: int, latin: int) -> str:
    """lang.mixed_or_framing as first written: every stretch of both sides read."""
    han_stretches = lang._HAN_STRETCH.findall(text)
    latin_stretches = lang._LATIN_STRETCH.findall(text)
    han_terms = all(lang.han_count(s) <= lang._HAN_TERM_MAX for s in han_stretches)

    def is_term(stretch: str) -> bool:
        words = lang._LATIN_WORD.findall(stretch)
        return len(words) == 1 or all(w[0].isupper() or w[0].isdigit() for w in words)

    latin_terms = all(map(is_term, latin_stretches))
    if han_terms != latin_terms:
        return "en" if han_terms else "zh"
    if not han_terms:
        return "mixed"
    if len(han_stretches) != len(latin_stretches):
        return "zh" if len(han_stretches) > len(latin_stretches) else "en"
    zh_w, en_w = float(han), latin * lang._LATIN_WEIGHT
    return "zh" if zh_w > en_w else "en" if en_w > zh_w else "mixed"


@FUZZ
@given(
    _pieces("a", "Ab", "New", "York", "the", "2nd", "’s", "-x", "中", "文字", "中文字词汇", " ", "，", "。", ", ", "\n")
)
def test_framing_read_lazily_as_reading_every_stretch(text):
    han, latin = len(_HAN.findall(text)), len(_LATIN.findall(text))
    assert lang.mixed_or_framing(text, han, latin) == _reference_framing(text, han, latin)
    for stretch in lang._LATIN_STRETCH.findall(text):
        words = lang._LATIN_WORD.findall(stretch)
        assert lang._is_latin_term(stretch) == (len(words) == 1 or all(w[0].isupper() or w[0].isdigit() for w in words))


def test_detect_lang_on_every_single_character():
    for cp in (
        list(range(0x3000)) + list(range(0x3400, 0x3410)) + list(range(0xF8F0, 0xFB10)) + [0x20000, 0x2FA1F, 0x2FA20]
    ):
        for text in (chr(cp), "ab" + chr(cp), chr(cp) * 3 + "a中"):
            assert lang.detect_lang(text) == _reference_lang(text), hex(cp)


# -- normalize_for_id ------------------------------------------------------------------------


def _reference_normalize_for_id(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


@FUZZ
@given(
    _pieces(
        "a",
        "Ǆ",
        "ß",
        "ﬁ",
        "Σ",
        "e\u0301",
        "\u0301",
        "\u0327",
        "Å",
        "\u212b",
        "가",
        "\u1100\u1161",
        "中",
        "，",
        "：",
        "（",
        "Ａ",
        "１",
        "\u3000",
        "…",
        "\u2026\u0301",
        "Ａ\u0301",
        "\xa0",
        "\u2003",
        "\u200b",
        "\xad",
        " ",
        "  ",
        "\n",
        "\t",
        "\x1c",
        "\x85",
        "\u2028",
        "\U0001d41e",
        "\U0001f600",
        "\ud800",
    )
)
def test_normalize_for_id_as_nfkc_collapse_and_casefold(text):
    assert model.normalize_for_id(text) == _reference_normalize_for_id(text)


def test_normalize_for_id_on_every_single_character():
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        if cp % 7 == 0 or ch.isspace() or 0xFF00 <= cp <= 0xFFEF or 0x2000 <= cp <= 0x206F or 0x3000 <= cp <= 0x303F:
            for text in (ch, "a" + ch + "b", "中" + ch + "\u0301"):
                assert model.normalize_for_id(text) == _reference_normalize_for_id(text), hex(cp)


@FUZZ
@given(_pieces(" ", "  ", "\n", "\t", "\r", "\x0b", "\x1c", "\x85", "\xa0", "\u2003", "\u3000", "\u200b", "a", "中"))
def test_collapse_whitespace_as_splitting_into_words(text):
    assert model.collapse_whitespace(text) == " ".join(text.split())


def test_every_whitespace_but_the_space_is_unprintable():
    # collapse_whitespace returns printable text without double or end spaces as it is
    assert [hex(cp) for cp in range(sys.maxunicode + 1) if chr(cp).isspace() and chr(cp).isprintable()] == ["0x20"]


def test_the_compatibility_shortcut_is_each_character_s_decomposition():
    for cp, decomposed in model._COMPAT_DECOMPOSED.items():
        assert decomposed == unicodedata.normalize("NFKD", chr(cp)) != chr(cp)
        assert unicodedata.is_normalized("NFKC", decomposed)


# -- split_location -------------------------------------------------------------------------


def _reference_split(markdown: str):
    m = locations.LINK_AT_END.search(markdown)
    if m and not locations.is_highlight_link(m.group("label"), m.group("url")):
        m = None
    if m:
        label = " ".join(m.group("label").replace("\u00a0", " ").split())
        url = m.group("url") or None
        return markdown[: m.start()], Location(label=label, url=url, value=locations.location_value(label, url))
    m = locations.UNLINKED_AT_END.search(markdown)
    if m:
        label = " ".join(m.group("label").replace("\u00a0", " ").split())
        return markdown[: m.start()], Location(label=label, url=None, value=locations.location_value(label))
    return markdown, None


@FUZZ
@given(
    _pieces(
        "(",
        ")",
        "[",
        "]",
        "([",
        "](",
        "))",
        "_",
        "*",
        " ",
        "\t",
        "\u00a0",
        "\n",
        "x",
        "View Highlight",
        "Location 12",
        "Page 3",
        "p. 4",
        "Time 0:11",
        "https://read.readwise.io/read/01abcdefghjk",
        "([View Highlight](https://read.readwise.io/read/01abcdefghjk))",
        "(Page 12)",
        "a(b)c",
    )
)
def test_split_location_matches_the_full_regex_search(markdown):
    assert locations.split_location(markdown) == _reference_split(markdown)
    expected_link = _reference_split(markdown)[1] is not None
    assert locations.has_highlight_link(markdown) == expected_link


# -- the trailer peeling ------------------------------------------------------------------


@FUZZ
@given(
    _pieces(
        " ",
        "\t",
        "\u00a0",
        "\n",
        "\\",
        "-",
        "–",
        "—",
        "|",
        "·",
        "•",
        "*",
        "+",
        "x",
        "a b",
        "\\-",
        " - ",
        " —",
        "\n-",
        "\n\n",
        "*x*",
    )
)
def test_dangling_separators_as_the_full_substitution(work):
    assert anchors._without_dangling(work) == anchors._DANGLING.sub("", work)


_HYPOTHESIS_LINK = "—[Updated on 2022-08-25](https://hyp.is/AbC/example.org/x)"


@FUZZ
@given(
    _pieces(
        " ",
        "\t",
        "—",
        "–",
        "-",
        "text",
        "[Updated on 1]",
        "(https://hyp.is/x)",
        "(HTTPS://HYPOTHES.IS/a)",
        "—Group: #x",
        _HYPOTHESIS_LINK,
        " — location: [93]()",
        "— page: [4](kindle://b)",
        "— POSİTION: [4](u)",
        "— poſition [4](u)",
        " Loc. [7](u)",
        "](",
        "x" * 150,
    )
)
def test_plugin_links_found_as_the_full_searches(work):
    hyp = anchors._HYPOTHESIS.search(work, max(0, len(work) - 400))
    got = anchors._hypothesis_at_end(work)
    assert (got and got.span()) == (hyp and hyp.span())
    kin = anchors._KINDLE_PLUGIN.search(work, max(0, len(work) - 300))
    got = anchors._kindle_plugin_at_end(work)
    assert (got and got.span()) == (kin and kin.span())


def _reference_trailing_tags(work: str) -> tuple[str, list[str]]:
    """anchors._peel_trailing_tags without its look at the last character."""
    tags: list[str] = []
    while "#" in work:
        m = anchors._LAST_TAG.search(work, max(0, len(work) - 240))
        if not m:
            break
        tag = m.group("tag")
        tag = tag[2:-2] if tag.startswith("[[") else tag
        if not tag or not (tag[0].isalpha() or tag[0].isdigit() and m.group("tag").startswith("[[")):
            break
        tags.insert(0, tag.strip())
        work = work[: m.start()]
    return work, tags


@FUZZ
@given(
    _pieces(
        " ",
        "\t",
        "\n",
        "\u00a0",
        "#",
        " #tag",
        " #[[a b]]",
        "]]",
        ")",
        "(",
        "[",
        "]",
        " tags: #x",
        " TAGS:: #a #b",
        " Labels: #y)",
        "🏷️ tag: #z",
        "text",
        "x" * 120,
    )
)
def test_trailing_tags_found_as_the_full_searches(work):
    assert anchors._peel_trailing_tags(work) == _reference_trailing_tags(work)
    full = anchors._TAGS_FIELD.search(work, max(0, len(work) - 250))
    got = anchors._tags_field_at_end(work)
    assert (got and got.span()) == (full and full.span())


@FUZZ
@given(
    _pieces(
        "readwise.io/",
        "READWISE.IO/",
        "kindle://",
        "KİNDLE://",
        "\u212aindle://",
        "hyp.is/",
        "HYP.ıS/",
        "omnivore.app/",
        "\n#Omnivore",
        "#omnivore ",
        "\n#OmnivoreX",
        "share.snipd.com",
        "ſhare.snipd.com",
        "![rw-book-cover]",
        "![RW-Book-Cover]",
        "Highlights first synced by",
        "\n**Full title:** x",
        "\nFULL\ttitle:",
        "\n- full  title -",
        "\n**Source:** #articles #readwise",
        "\nsource: #Readwise",
        "\nſource: #readwiſe",
        "\n",
        " ",
        "x",
    )
)
def test_exporter_marks_found_as_the_full_search(text):
    assert reader.exporter_signals(text, {}) == bool(reader._EXPORTER.search(text))


# -- plain_text without markdown-it ---------------------------------------------------------


def _markdown_it(text: str) -> str:
    return "".join(inline._render_inline(t.children or []) for t in inline._parser().parseInline(text))


@FUZZ
@given(
    _pieces(
        "*",
        "**",
        "_",
        "__",
        "a",
        "B",
        "9",
        " ",
        " ",
        "(",
        ")",
        '"',
        "'",
        ".",
        "!",
        "-",
        "[",
        "]",
        "](",
        "[x](u)",
        "[a b](http://e.org/x_y*z&q=1)",
        "*a*",
        "**b**",
        "_c_",
        "`",
        "`x`",
        "` x `",
        "\n",
        "  \n",
        "\\",
        "\\u",
        "\\*",
        "&",
        "&amp;",
        "R&D",
        "[a & b](u)",
        "*x & y*",
        "[&amp](u)",
        "&#",
        "=",
        "==",
        "<",
        "![",
        "![x](u)",
        "<b>",
        "[[w]]",
        "\u00a0",
        "中",
        "\x00",
        "\\-",
        "\\\\",
        "\\(",
        "\\#",
        "![](u)",
        "[](u)",
        "a_b",
        "x_",
        "_y",
        ".**",
        "!*",
        ".",
        "?_",
        "9_9",
        "Wow![a](u)",
    )
)
def test_simple_markdown_renders_as_markdown_it_does(text):
    simple = inline._simple_inline(text)
    if simple is not None:
        expected = _markdown_it(text)
        assert inline.collapse_whitespace(simple) == inline.collapse_whitespace(expected)
        if "\n" not in text:
            assert simple == expected


def test_special_characters_found_as_by_a_class():
    special = re.compile(f"[{re.escape(inline.SPECIAL_CHARACTERS)}]")
    for cp in range(0x3000):
        for text in (chr(cp), "ab" + chr(cp) + "中", chr(cp) * 2 + "a" * 20):
            assert inline._has_special(text) == bool(special.search(text)), hex(cp)


def test_simple_markdown_examples():
    assert (
        inline.plain_text("Some *emphasis*, **strong** and a [link](https://example.org/x_y).")
        == "Some emphasis, strong and a link."
    )
    assert inline._simple_inline("the `count` in") == "the `count` in"
    assert inline._simple_inline("snake_case") == "snake_case"  # inside a word "_" is text
    assert inline._simple_inline("_snake") is None  # markdown-it decides
    assert inline._simple_inline("2*3 = 6") is None
    assert inline._simple_inline("an ![image](https://example.org/i.png)") == "an image"
    assert inline._simple_inline("Key points:\n\\- first") == "Key points:\n- first"
    assert inline._simple_inline("**Said and done.**") == "Said and done."
    assert inline._simple_inline("\\*not emphasis*") is None
    assert inline.plain_text("snake_case and 2*3") == "snake_case and 2*3"


# -- indentation with tabs ----------------------------------------------------------------------


def _reference_indent_width(text: str) -> int:
    col = 0
    for ch in text:
        if ch == " ":
            col += 1
        elif ch == "\t":
            col += tree.TAB - col % tree.TAB
        else:
            break
    return col


def _reference_dedent(text: str, cols: int) -> str:
    col = i = 0
    while i < len(text) and col < cols:
        ch = text[i]
        if ch == " ":
            col += 1
        elif ch == "\t":
            step = tree.TAB - col % tree.TAB
            if col + step > cols:
                return " " * (col + step - cols) + text[i + 1 :]
            col += step
        else:
            break
        i += 1
    return text[i:]


def test_indentation_with_tabs_as_counting_columns():
    """Every mix of up to 7 spaces and tabs before a line, cut at every column."""
    for n in range(8):
        for prefix in itertools.product(" \t", repeat=n):
            for rest in ("", "x", "- a", " "):
                text = "".join(prefix) + rest
                assert tree.indent_width(text) == _reference_indent_width(text), repr(text)
                for cols in range(20):
                    assert tree.dedent(text, cols) == _reference_dedent(text, cols), (repr(text), cols)
