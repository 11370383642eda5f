"""The bilingual splitter on small fixtures written for these tests (tests/data/align/).

Each fixture ``NAME`` has ``NAME.expected.json``: whether it is bilingual, the pairs as
[[en start lines], [zh start lines]], the units left unpaired, the Chinese script and the
repairs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hlkb.align import pairs_for_note, split_text
from hlkb.align.dp import Config
from hlkb.align.repair import repair_text, undo_lead_byte_loss
from hlkb.align.segment import classify_line, split_inline
from hlkb.textio import read_text

DATA = Path(__file__).parent / "data" / "align"
CASES = sorted(p for p in DATA.iterdir() if not p.name.endswith(".json"))


def _load(path: Path):
    return split_text(read_text(path).text, path.name)


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_fixture(path: Path):
    expected = json.loads(path.with_name(path.name + ".expected.json").read_text(encoding="utf-8"))
    al = _load(path)
    assert al.bilingual is expected["bilingual"]
    if not expected["bilingual"]:
        return
    assert [[p.en_lines, p.zh_lines] for p in al.pairs] == expected["pairs"]
    assert [[u.lang, [p.start for p in u.paras]] for u in al.unpaired] == expected["unpaired"]
    assert {p.zh_script for p in al.pairs} == {expected["zh_script"]}
    assert [r.to_record() for r in al.repairs] == expected["repairs"]
    for p in al.pairs:
        assert 0.0 <= p.score <= 1.0
        assert p.line == min(p.en_lines + p.zh_lines)
        assert p.id.startswith("p_")


def test_anchors_decide_a_one_to_two_pair():
    # Without the shared name and number the length model alone pairs the wrong paragraph.
    path = DATA / "en_first_hans.md"
    text = read_text(path).text
    with_anchors = split_text(text, config=Config())
    without = split_text(text, config=Config(anchors=False))
    assert [[12], [14, 16]] in [[p.en_lines, p.zh_lines] for p in with_anchors.pairs]
    assert [[12], [14, 16]] not in [[p.en_lines, p.zh_lines] for p in without.pairs]


def test_paragraph_texts_and_inline_halves():
    al = _load(DATA / "inline.md")
    first = al.pairs[0]
    assert first.en == ["title : The Quiet Harbour"]
    assert first.zh == ["宁静的港湾"]
    assert first.en_lines == first.zh_lines == [1]


def test_repaired_text_reaches_the_pair():
    al = _load(DATA / "repairs.txt")
    assert al.pairs[0].zh == ["公司表示，去年其業務增長迅速，利潤增長了12%。"]
    assert "應對。”Li Wei" in al.pairs[1].zh[0]
    assert al.pairs[2].zh == ["學生常在生詞後面標註讀音，例如銀行(yínháng)。"]  # genuine annotation kept
    assert [r.kind for r in al.pairs[1].repairs] == ["mojibake"]


@pytest.mark.parametrize(
    "line, kind",
    [
        ("The river rose by two metres overnight.", "en"),
        ("河水一夜之间上涨了两米。", "zh"),
        ("Anna Berg说，TikTok Shop的销量翻了一番。", "zh"),  # Latin names inside Chinese
        ("People here call the dish 饺子 and eat it at every family gathering in winter.", "en"),
        ("## Chapter 2. Soil（第二章 土壤）", "other"),  # bilingual heading
        ("**Article 4**（**第四条**）", "other"),
        ("- [Back to the index（返回目录）](index.md)", "other"),  # navigation link
        ("作者：李小红", "other"),  # byline
        ("原文：", "other"),  # label
        ("harbour：港口；海港", "gloss"),  # glossary entry
        ("endow v. 捐赠，资助", "gloss"),  # part of speech, then the sense
        ("- It rained all week. （下了一整周的雨。）", "gloss"),  # an example and its translation
        ("(责任编辑：王明)", "other"),  # editor credit
        ("---", "markup"),
        ("> </p>", "markup"),
        ("![a photo](img/a.png)", "other"),
        ("Foot notes", "other"),
        ("Thank you!", "en"),
        ("We walked home. / 我们走回了家。", "inline"),
    ],
)
def test_classify_line(line, kind):
    assert classify_line(line) == kind


def test_split_inline_spans():
    line = "We walked home slowly. / 我们慢慢走回了家。"
    (ea, eb), (za, zb) = split_inline(line)
    assert line[ea:eb] == "We walked home slowly."
    assert line[za:zb] == "我们慢慢走回了家。"
    assert split_inline("A / B") is None
    assert split_inline("他说 / 她说") is None


def test_pinyin_repair_needs_a_real_reading():
    text, repairs = repair_text("市場規(guī)模很大，行(xyz)不通，中文(zhōngwén)也在。", 7)
    assert text == "市場規模很大，行(xyz)不通，中文(zhōngwén)也在。"
    assert [(r.line, r.from_, r.to, r.kind) for r in repairs] == [(7, "規(guī)", "規", "pinyin")]


def test_mojibake_ambiguous_is_flagged_not_changed():
    # '?中盠e': re-pairing the bytes gives a Chinese character, not punctuation, for every
    # possible lead byte, so the text is left as it is and the spot is flagged.
    text, repairs = repair_text("他說?中盠evine來了", 3)
    assert text == "他說?中盠evine來了"
    assert [(r.kind, r.from_, r.to) for r in repairs] == [("flag", "?中盠", "?中盠")]
    assert undo_lead_byte_loss("!盠") == ["。”L"]
    assert undo_lead_byte_loss("乙") is None  # no lead-byte signature: not touched


def test_question_mark_in_ordinary_text_is_not_touched():
    text, repairs = repair_text("你是誰?我是iPhone的用戶。", 1)
    assert text == "你是誰?我是iPhone的用戶。"
    assert repairs == []


def test_crlf_and_space_only_blank_lines(tmp_path: Path):
    src = read_text(DATA / "en_first_hans.md").text
    crlf = "\r\n".join(line if line else " " for line in src.split("\n"))
    path = tmp_path / "crlf.md"
    path.write_bytes(crlf.encode("utf-8"))
    expected = [[p.en_lines, p.zh_lines] for p in _load(DATA / "en_first_hans.md").pairs]
    assert [[p.en_lines, p.zh_lines] for p in _load(path).pairs] == expected


def test_gb18030_file(tmp_path: Path):
    src = read_text(DATA / "zh_first_hant.md").text
    path = tmp_path / "gb.md"
    path.write_bytes(src.encode("gb18030"))
    assert read_text(path).encoding == "gb18030"
    al = _load(path)
    assert [[p.en_lines, p.zh_lines] for p in al.pairs] == [[[7], [5]], [[11], [9]], [[16], [15]]]
    assert al.pairs[0].zh == ["今年夏天，這座城市舉辦了第一屆國際風箏節，吸引了約5萬名遊客。"]


def test_pairs_for_note_uses_file_lines_and_note_id():
    from hlkb.parse import parse_file

    note = parse_file(DATA / "zh_first_hant.md")
    pairs = pairs_for_note(note)
    assert [p.zh_lines for p in pairs] == [[5], [9], [15]]
    assert {p.note_id for p in pairs} == {note.id}
    assert all(p.path == note.path for p in pairs)


@pytest.mark.parametrize("name", ["english_note.md", "chinese_highlights.md"])
def test_pairs_for_note_is_empty_for_notes_that_are_not_articles(name):
    from hlkb.parse import parse_file

    assert pairs_for_note(parse_file(DATA / name)) == []


def test_plain_text_is_cheap_and_empty():
    from hlkb.model import Note

    note = Note(id="n_x", path="x.md", text="Just an English sentence.\n\nAnother one.\n")
    assert pairs_for_note(note) == []


def test_repeated_pairs_get_distinct_stable_ids():
    text = (
        "Thank you all for coming tonight.\n\n谢谢大家今晚光临。\n\n"
        "The hall was full of music.\n\n大厅里充满了音乐。\n\n"
        "Thank you all for coming tonight.\n\n谢谢大家今晚光临。\n"
    )
    first = split_text(text, "x.md")
    ids = [p.id for p in first.pairs]
    assert len(ids) == 3 and len(set(ids)) == 3
    assert [p.id for p in split_text(text, "x.md").pairs] == ids


def test_quote_markers_are_stripped_and_restored_in_markdown():
    al = _load(DATA / "blockquote_hant.md")
    first = al.pairs[0]
    assert first.zh == ["親愛的同學們，歡迎來到本學期的第一週。"]
    record = first.to_record()
    assert record["en_markdown"] == ["Dear students, welcome to the first week of term."]
    assert record["zh_markdown"] == ["> 親愛的同學們，歡迎來到本學期的第一週。"]


def test_quote_spacer_lines_end_its_paragraphs():
    # A ">" line renders as a blank line inside the quote: it ends a paragraph (the
    # neighbouring lines without one between them stay one), <p> debris does not.
    al = _load(DATA / "quoted_sections.md")
    first, second = al.pairs
    assert first.en == [
        "The city council voted on Monday to build a new bridge over the river.\n"
        "Work is expected to begin next spring and to take about three years."
    ]
    assert first.to_record()["en_markdown"][0].startswith("> The city council")
    assert first.to_record()["en_markdown"][0].endswith("about three years.")
    assert second.en == ["The bridge will cost 45 million dollars, most of it paid by the state."]
    assert second.zh == ["这座桥将耗资4500万美元，大部分由州政府支付。"]


def test_a_name_line_ending_in_a_comma_opens_its_paragraph():
    # "Mara Lindqvist，" reads as a short label, but a comma carries its sentence on into
    # the next line: it opens that paragraph instead of being dropped before it.
    al = _load(DATA / "quote_spacer_name_line.md")
    assert al.pairs[-1].zh == ["Mara Lindqvist，\n经营渡轮公司的她说，这个时间点简直糟糕透了。"]
    assert al.pairs[-1].zh_lines == [11]


def test_html_tags_and_entities_leave_plain_text():
    al = _load(DATA / "html_paragraphs.txt")
    assert al.pairs[2].en == ["Dogs are welcome but must stay on a lead."]
    assert al.pairs[2].to_record()["en_markdown"] == ["<p>Dogs are welcome&nbsp;but must stay on a lead.</p>"]


def test_translation_labels_are_dropped_from_the_text():
    al = _load(DATA / "labelled_notes.md")
    last = al.pairs[-1]
    assert last.en == ["City birds are cleverer, and more patient, than we think."]
    assert last.zh == ["城市里的鸟比我们想象的更聪明，也更有耐心。"]


def test_analysis_and_glosses_stay_out_of_the_pairs():
    al = _load(DATA / "labelled_notes.md")
    kinds = {i.number: i.kind for i in al.lines}
    assert kinds[7] == kinds[8] == kinds[12] == "gloss"  # "- pair: 一对", "- 分析：…", "- 学习：…"
    assert al.pairs[0].zh == ["每天早上，一对乌鸦都会在我窗外的篱笆上等着。"]
    glossary = _load(DATA / "sections_merged.md")
    assert {i.why for i in glossary.lines if i.number >= 28 and i.kind not in ("blank", "other")} == {"notes"}
    assert all(p.end < 24 for p in glossary.paragraphs)  # nothing of the "Key words" section


def test_a_section_of_translations_pairs_several_paragraphs_with_one():
    al = _load(DATA / "sections_merged.md")
    assert [[p.en_lines, p.zh_lines] for p in al.pairs] == [[[7, 9, 11], [19]], [[13], [22]]]
    assert len(al.pairs[0].en) == 3


@pytest.mark.parametrize("name", ["digest_zhfirst.md", "glosses_between.md", "details_fold.md"])
def test_crlf_chinese_first_and_traditional(tmp_path: Path, name: str):
    src = read_text(DATA / name).text
    path = tmp_path / name
    path.write_bytes("\r\n".join(src.split("\n")).encode("utf-8"))
    assert [[p.en_lines, p.zh_lines] for p in _load(path).pairs] == [
        [p.en_lines, p.zh_lines] for p in _load(DATA / name).pairs
    ]


def test_verdict_says_why_a_note_with_both_languages_has_no_pairs():
    v = _load(DATA / "comments_not_translations.md").verdict
    assert not v.bilingual
    assert v.en_units == 3 and v.zh_units == 2  # the heading and two quotes; two remarks
    assert "a bilingual article has at least 2" in v.reason


def test_english_with_chinese_comments_is_not_bilingual():
    # Each Chinese line is a reader's remark, a tenth of the English quote's length.
    text = (
        "> The harbour was rebuilt after the storm of 1953, and the new sea wall has held ever since,\n"
        "> through every winter and every spring tide that the town has seen in seventy years.\n\n"
        "这段历史很重要。\n\n"
        "> The fishermen who paid for the first repairs are remembered on a plaque beside the steps,\n"
        "> which children still read aloud on the first day of the summer holidays.\n\n"
        "值得记住。\n"
    )
    al = split_text(text)
    assert not al.bilingual
    assert "ratio" in al.verdict.reason or "score" in al.verdict.reason


def test_names_inside_chinese_stay_chinese():
    assert classify_line("我读了 Hemingway, Melville, Conrad 和 Steinbeck") == "zh"
    assert classify_line("The word 关系 is hard to translate into one English word.") == "en"


@pytest.mark.parametrize(
    "line, kind",
    [
        ("keywords/关键词: rain railway north flood trains delay", "other"),  # bilingual template label
        ("**题目**: Rivers and Roads (2/3)", "other"),  # a labelled field
        ("::: tip 段落分隔", "other"),  # static-site container
        ('<audio controls src="a.mp3">您的浏览器不支持音频</audio>', "other"),  # media fallback text
        ("<summary>Original English</summary>", "other"),
        ("<template #e2>He <w>smiled</w>,</template>", "other"),  # a label unless read line by line
        ("**原文**", "other"),
        ("## 译文", "other"),
        ("原文：The train was late.", "en"),
        ("分析：这里 late 是形容词。", "gloss"),
        ("- Note: 这个例子很好。", "gloss"),
        ("**Speaker**: 所以，我想先从最基本的问题开始说起，然后再谈谈我们的计划。", "zh"),
    ],
)
def test_classify_layout_lines(line, kind):
    assert classify_line(line) == kind


def test_inline_halves_of_tables_breaks_dashes_and_sentences():
    al = _load(DATA / "inline_variants.md")
    texts = [(p.en[0], p.zh[0]) for p in al.pairs]
    assert texts[0] == ("Where does this bus go?", "这辆公交车开往哪里？")  # table cells, no pipes
    assert texts[2] == ("The ticket office closes at noon on Sundays.", "售票处周日中午关门。")  # <br>
    assert texts[3] == ("Slow and steady wins the race.", "慢而稳者胜。")  # " — "
    assert texts[5] == ("The next stop is the last one.", "下一站是终点站。")  # Chinese first
    assert texts[6] == ("Around the World in Eighty Days", "《八十天环游地球》")  # title marks
    assert al.pairs[0].to_record()["en_markdown"] == ["Where does this bus go?"]
    # a Chinese sentence quoting English is Chinese, and a table's head is a label
    assert classify_line("“Mind the gap.” 这句话在伦敦地铁里每天都能听到好几百遍。") == "zh"
    assert classify_line("| English | 中文 |") == "other"


def test_a_document_translated_line_by_line_pairs_its_short_headings_and_table_rows():
    al = _load(DATA / "line_by_line_doc.md")
    pairs = [(p.en[0], p.zh[0]) for p in al.pairs]
    assert ("# Garden Guide", "# 园艺指南") in pairs  # a two-word heading, not a label
    assert ("## Watering", "## 浇水") in pairs
    assert ("Photography is not allowed inside.", "馆内禁止拍照。") in pairs  # a row's English and Chinese cells
    assert al.unpaired == []  # the table's head row is other


def test_headlines_with_a_colon_are_text_not_fields():
    assert classify_line("### Transport: City opens three new bus routes") == "en"
    assert classify_line("## 交通：城市新开三条公交线路") == "zh"
    assert classify_line("Transport: City opens three routes") == "other"  # not a heading: a field


def test_bold_fields_and_reference_links_are_other():
    assert classify_line("**Hints**: Malawi, Lake Chilwa, drought") == "other"
    assert classify_line("![][]**Title**: Farmers Try New Seeds (2 of 3)") == "other"
    assert classify_line("**Source**: [音频][1]（来自学习论坛）") == "other"
    assert classify_line("**Speaker**: So I think the plan will work, and we start next year.") == "en"


def test_a_comment_that_lacks_the_numbers_and_names_of_the_english_is_not_its_translation():
    v = _load(DATA / "dictation_not_bilingual.md").verdict
    assert not v.bilingual
    assert "lacks numbers the English gives (2009, 2012)" in v.reason


def test_highlights_pair_only_with_evidence_of_translation():
    """In a note of highlights, two unrelated short highlights in two languages are not a
    pair (their lengths alone would say so); a highlight holding a passage and its
    translation is, and so are two adjacent highlights sharing a number or a name."""
    from hlkb.parse import parse_text
    from hlkb.pipeline import analyze

    link = "([View Highlight](https://read.readwise.io/read/01zzzzzzzzzzzzzzzzzzzzzz{n}))"
    unrelated = (
        "# Ports\n\n## Highlights\n"
        f"- Every quay keeps a ledger of the ships that never came back to it. {link.format(n='01')}\n"
        f"- 仓库的灯整夜亮着，守夜人数着经过的火车。 {link.format(n='02')}\n"
    )
    assert analyze(parse_text(unrelated)).pairs == []
    inline = (
        "# Ports\n\n## Highlights\n"
        "- The harbour opened in 1891 and closed in 1967, long after the railway came.\n"
        "  港口于1891年开放，在铁路修通很久之后，于1967年关闭。\n"
    )
    (pair,) = analyze(parse_text(inline)).pairs
    assert pair.zh_lines == [5] and "1891" in pair.en[-1]
    adjacent = (
        "# Ports\n\n## Highlights\n"
        "- The harbour opened in 1891 and closed in 1967, long after the railway came.\n"
        "- 港口于1891年开放，在铁路修通很久之后，于1967年关闭。\n"
    )
    (pair,) = analyze(parse_text(adjacent)).pairs
    assert pair.zh_lines == [5] and "1891" in pair.en[-1]


def _pair(en: list[str], zh: list[str]):
    from hlkb.model import Pair

    return Pair(id="p_x", note_id="n_x", path="x.md", line=1, en=en, zh=zh, en_lines=[1], zh_lines=[3], score=0.9)


@pytest.mark.parametrize(
    "en, zh",
    [
        (["The bridge opened in 1998 and cost 45 million."], ["大桥于1998年通车。"]),  # 45 lost
        (["Hugh Lane wrote to VOA twice."], ["休·莱恩给VOA和BBC写信。"]),  # BBC foreign
        (["Nothing in digits here, only words."], ["这里没有数字。"]),
        (["It rose by 12% (see Table 3)."], ["上涨了12%（见Table 3）。"]),
    ],
)
def test_pair_facts_the_same_whether_the_anchors_are_given_read_lazily_or_read_here(en, zh):
    from hlkb.align import pair_facts
    from hlkb.align.anchors import anchors_of

    read_here = pair_facts(_pair(en, zh))
    given = pair_facts(_pair(en, zh), anchors_of("\n".join(en), "en"), anchors_of("\n".join(zh), "zh"))
    lazily = pair_facts(_pair(en, zh), lambda: anchors_of("\n".join(en), "en"), lambda: anchors_of("\n".join(zh), "zh"))
    assert read_here == given == lazily


def test_pair_facts_reads_no_anchors_when_neither_side_can_need_them():
    from hlkb.align import pair_facts

    def must_not_be_read():
        raise AssertionError("anchors read")

    facts = pair_facts(
        _pair(["One bridge, built in the nineties."], ["一座大桥，建于九十年代。"]), must_not_be_read, must_not_be_read
    )
    assert facts.foreign == set() and facts.lost == set()


@pytest.mark.parametrize(
    "line, expected",
    [
        ("（一个例子。）", True),
        ("- (An example.)", True),
        ("&#40;an entity-written parenthesis&#41;", True),
        ("An example (in part).", False),
        ("No parentheses at all", False),
        ("(", False),
    ],
)
def test_is_parenthesised(line, expected):
    from hlkb.align.segment import is_parenthesised

    assert is_parenthesised(line) is expected


@pytest.mark.parametrize(
    "line, expected",
    [
        ("> quoted", "quoted"),
        ("  - item", "item"),
        ("12. numbered", "numbered"),
        ("１２. fullwidth digits are digits too", "fullwidth digits are digits too"),
        ("> - 3) nested", "nested"),
        ("plain text - not a marker", "plain text - not a marker"),
        ("-no space after the dash", "-no space after the dash"),
        ("", ""),
        ("中文 > 不是标记", "中文 > 不是标记"),
    ],
)
def test_strip_block_markers(line, expected):
    from hlkb.align.segment import strip_block_markers

    assert strip_block_markers(line) == expected
