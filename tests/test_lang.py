"""hlkb.lang: the one definition of Han characters, the one language decision, the one
OpenCC cache, and the records that use them (a highlight's ``lang`` and its claims' agree)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hlkb import lang
from hlkb.lang import detect_lang, han_count, has_han, is_han

SRC = Path(__file__).parent.parent / "src" / "hlkb"


@pytest.mark.parametrize(
    "ch",
    [
        "中",
        "\u3007",
        "\u3400",
        "\u4dbf",
        "\u9fff",
        "\uf900",
        "\ufa6d",
        "\U00020000",
        "\U0002a6d6",
        "\U0002f800",
        "\U00030000",
        "\U00031350",
    ],
)
def test_han_characters(ch):
    assert is_han(ch) and han_count(ch) == 1 and has_han("x" + ch)


@pytest.mark.parametrize(
    "ch",
    [
        "a",
        "1",
        "\u3000",
        "\u3001",
        "\u3002",
        "\uff0c",
        "\uff01",
        "\u3005",
        "ア",
        "あ",
        "한",
        "\u4dc0",
        "\u2e80",
        "\u31c0",
        "\ufe30",
        "\U0001f600",
    ],
)
def test_not_han(ch):
    # Punctuation (ideographic or fullwidth), kana, Hangul, Yijing hexagrams (between
    # Ext. A and the Unified block), radicals and strokes are not Han.
    assert not is_han(ch) and han_count("ab" + ch) == 0


def test_han_count_counts_characters_not_runs():
    assert han_count("两座桥, 3 条河和一〇个码头。") == 11
    assert han_count("plain ASCII") == 0


@pytest.mark.parametrize(
    "text, expected",
    [
        # an English sentence with a Chinese word or name in it is English
        ("The ferry to 鼓浪屿 leaves every forty minutes.", "en"),
        ("We ordered 馄饨, 烧卖 and 汤圆 at the stall by the gate.", "en"),
        ("Her grandmother still calls the river 母亲河 when she talks about it.", "en"),
        # a Chinese sentence with English names and terms in it is Chinese
        ("我们先用 Figma 画草图，再交给 GitHub 上的同事。", "zh"),
        ("她在 British Museum 工作了三年", "zh"),
        ("这个 API 的文档写得很清楚", "zh"),
        # both languages with words of their own
        ("The ferry leaves at noon. 渡轮中午出发。", "mixed"),
        ("The tide comes in 潮水涨了 and the boats 船都 rise together 一起升起来", "mixed"),
        ("Slow down here\n这里请慢行", "mixed"),
        # one language only, or one dominant
        ("Ferries run late in summer.", "en"),
        ("夏天的渡轮开到很晚。", "zh"),
        ("长长的一段中文里夹着一句 short phrase 也还是中文的段落，因为中文占了绝大部分的分量。", "zh"),
        ("바다는 오늘 조용합니다", "other"),
        ("2024 — 12 · 31", "other"),
    ],
)
def test_detect_lang(text, expected):
    assert detect_lang(text) == expected


def _readwise_note(tmp_path: Path, highlights: list[str], claims: list[str] = ()) -> Path:
    lines = [
        "# Harbour Walks",
        "",
        "## Metadata",
        "- Author: [[Ines Varga]]",
        "- Category: #articles",
        "",
        "## Highlights",
    ]
    for i, text in enumerate(highlights):
        lines.append(f"- {text} ([View Highlight](https://read.readwise.io/read/01lang{i:020d}))")
    if claims:
        lines += ["", "## Claims"] + [f"- {c}" for c in claims]
    path = tmp_path / "Harbour Walks.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_highlight_and_its_claims_share_one_language(tmp_path):
    from hlkb.pipeline import parse_and_analyze

    english = "The ferry to 鼓浪屿 carried 12,000 passengers in 2019."
    chinese = "去年 Airbnb 在这座城市的房源增加了 3000 套。"
    both = "The pier is 400 metres long. 码头长四百米。"
    note = parse_and_analyze(_readwise_note(tmp_path, [english, chinese, both], claims=[english]), strict=False)
    by_text = {h.text: h for h in note.highlights}
    assert by_text[english].lang == "en" and by_text[chinese].lang == "zh" and by_text[both].lang == "mixed"
    claims = {(c.source, c.text): c.lang for c in note.claims}
    assert claims[("highlight", english)] == "en"
    assert claims[("claim-note", english)] == "en"  # a written claim: the same decision
    assert claims[("highlight", chinese)] == "zh"
    # a highlight in both languages: each sentence is in its own
    assert claims[("highlight", "The pier is 400 metres long.")] == "en"
    assert claims[("highlight", "码头长四百米。")] == "zh"


def test_one_opencc_converter_per_config():
    from hlkb.align import script
    from hlkb.claims import zh_numerals
    from hlkb.index import cjk

    t2s = lang.opencc_converter("t2s")
    assert lang.opencc_converter("t2s") is t2s and lang.opencc_converter("s2t") is not t2s
    assert cjk._t2s() is t2s
    assert lang.to_simplified("圖書館") == "图书馆" == cjk.to_simplified("圖書館")
    assert zh_numerals.chinese_numeral_value("兩萬零五") == 20005
    assert script.zh_script("這座圖書館很舊") == "hant" and script.zh_script("这座图书馆很旧") == "hans"


# A Han range written out: a hex escape of the first or last code point of a Han block.
_HAN_LITERAL = re.compile(r"\\u(?:3400|4dbf|4e00|9fff|f900|faff|3007)|\\U0002[0f]|\\U0003[01]", re.IGNORECASE)


def test_han_ranges_are_written_once():
    offenders = [
        f"{p.relative_to(SRC)}:{n}"
        for p in sorted(SRC.rglob("*.py"))
        if p.name != "lang.py"
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if _HAN_LITERAL.search(line)
    ]
    assert not offenders, f"Han ranges outside hlkb/lang.py: {offenders}"


def test_opencc_is_loaded_only_by_the_lang_module():
    loads_opencc = re.compile(r"^\s*(?:import opencc|from opencc)", re.M)
    offenders = [
        str(p.relative_to(SRC))
        for p in sorted(SRC.rglob("*.py"))
        if p.name != "lang.py" and loads_opencc.search(p.read_text(encoding="utf-8"))
    ]
    assert not offenders
