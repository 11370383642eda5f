"""Claims: sentences, attribution, the cross-language figure check and claims_for_note."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hlkb.claims import check_note, check_pair, claims_for_note
from hlkb.claims.attribution import find_attribution
from hlkb.claims.sentences import split_sentences
from hlkb.model import Highlight, Note, Pair, claim_id_for, pair_id_for

DATA = Path(__file__).parent / "data" / "claims"


def make_pair(en: list[str], zh: list[str], en_lines=None, zh_lines=None) -> Pair:
    en_lines = en_lines or [1 + 2 * i for i in range(len(en))]
    zh_lines = zh_lines or [en_lines[-1] + 2 + 2 * i for i in range(len(zh))]
    return Pair(
        id=pair_id_for("n_test", en, zh),
        note_id="n_test",
        path="t.md",
        line=min(en_lines + zh_lines),
        en=en,
        zh=zh,
        en_lines=en_lines,
        zh_lines=zh_lines,
        score=1.0,
    )


# ------------------------------------------------------------------ sentences


def test_english_sentences_keep_abbreviations_and_decimals():
    text = "The U.S. fleet grew 4.5% in May. Mr. Ode said so! Then it stopped."
    assert [s.text for s in split_sentences(text)] == [
        "The U.S. fleet grew 4.5% in May.",
        "Mr. Ode said so!",
        "Then it stopped.",
    ]


def test_chinese_sentences_and_offsets():
    text = "火車晚點了。「為什麼？」他問。明天再說"
    sents = split_sentences(text)
    assert [s.text for s in sents] == ["火車晚點了。", "「為什麼？」", "他問。", "明天再說"]
    assert all(text[s.start : s.end] == s.text for s in sents)


def test_blank_text_has_no_sentences():
    assert split_sentences("  \n ") == []


# ------------------------------------------------------------------ attribution


@pytest.mark.parametrize(
    "sentence,who",
    [
        ("According to the port authority, traffic fell 9%.", "the port authority"),
        ("Economists at Halden Bank estimate growth of 2%.", "Economists at Halden Bank"),
        ("Freight volumes doubled, the ministry said.", "the ministry"),
        ("“We are full,” said Ada Brenn, a hotel owner.", "Ada Brenn"),
        ("The lake froze twice this winter.", None),
        ("It said nothing.", None),
        ("據海關統計，出口增長了9%。", "海關"),
        ("港務局表示，吞吐量下降。", "港務局"),
        ("该公司称利润翻倍。", "该公司"),
        ("統計處的數據顯示，失業率為4%。", "統計處"),
        ("湖面今年結冰兩次。", None),
    ],
)
def test_find_attribution(sentence, who):
    assert find_attribution(sentence) == who


# ------------------------------------------------------------------ cross-language check


def _statuses(result):
    return {(f.lang, f.figure.raw): f.status for side in (result.en, result.zh) for s in side for f in s.figures}


def test_equal_figures_in_different_notation_are_ok():
    pair = make_pair(
        ["The fund grew from $48 billion to more than $30,000 per member in two hours."],
        ["該基金在兩個小時內從480億美元增長到每位成員3萬多美元。"],
    )
    result = check_pair(pair)
    assert result.mismatches == []
    assert set(_statuses(result).values()) == {"ok"}


def test_changed_figure_is_a_mismatch_with_both_lines():
    pair = make_pair(["Ticket sales reached $48 billion."], ["門票銷售額達到580億美元。"], [3], [5])
    (m,) = check_pair(pair).mismatches
    assert (m.en.figure.raw, m.zh.figure.raw, m.en.line, m.zh.line) == ("$48 billion", "580億美元", 3, 5)
    assert m.describe("a.md") == 'a.md:3: mismatch: EN "$48 billion" (line 3) vs ZH "580億美元" (line 5)'


def test_unit_conversion_is_unverified_not_mismatch():
    result = check_pair(make_pair(["The road runs 50 miles."], ["這條路長80公里。"]))
    assert result.mismatches == []
    assert set(_statuses(result).values()) == {"unverified"}


def test_missing_counterpart_is_unverified():
    result = check_pair(make_pair(["Rents rose 12% in 2021."], ["租金在2021年上漲了。"]))
    assert _statuses(result)[("en", "12%")] == "unverified"
    assert _statuses(result)[("en", "2021")] == "ok"
    assert result.mismatches == []


def test_repeated_figure_on_one_side_is_ok():
    result = check_pair(make_pair(["A cap of 250,000 applies."], ["上限為25萬。在這個25萬的上限內。"]))
    assert result.mismatches == []
    assert set(_statuses(result).values()) == {"ok"}


def test_vague_quantities_match_roughly_and_never_contradict():
    result = check_pair(make_pair(["Fewer than a dozen clerks stayed."], ["不到十几名職員留下。"]))
    assert set(_statuses(result).values()) == {"ok"}


def test_typo_beside_a_matched_duplicate_is_found():
    pair = make_pair(["Each pass costs $26, and a day pass $26 too."], ["每張通行證26美元，日票也是36美元。"])
    (m,) = check_pair(pair).mismatches
    assert m.zh.figure.raw == "36美元"


def test_long_decimals_that_differ_are_a_mismatch():
    pair = make_pair(["It prints $0.19999999999999998."], ["它輸出 0.1999999999999999998 美元。"])
    assert len(check_pair(pair).mismatches) == 1


# ------------------------------------------------------------------ claims_for_note


def _note(**kw) -> Note:
    return Note(id="n_test", path="t.md", **kw)


def test_pair_claims_carry_figures_check_and_counterpart():
    pair = make_pair(
        ["The archive holds 3.4 million maps, the curator said. It is old."],
        ["館長表示，檔案館藏有340萬張地圖。它很古老。"],
        [7],
        [9],
    )
    note = _note(pairs=[pair])
    claims = claims_for_note(note)
    assert [(c.lang, c.line, c.check, c.counterpart) for c in claims] == [
        ("en", 7, "ok", "340萬張"),
        ("zh", 9, "ok", "3.4 million"),
    ]
    en = claims[0]
    assert en.source == "paragraph" and en.pair_id == pair.id and en.attribution == "the curator"
    assert en.figures[0].value == 3400000
    assert en.id == claim_id_for("n_test", en.text)


def test_highlight_claims_and_lines():
    h = Highlight(
        id="h_1",
        note_id="n_test",
        path="t.md",
        line=12,
        text="No figures here.\nBut 70 ducks swam.",
        markdown="",
        lang="en",
    )
    (claim,) = claims_for_note(_note(highlights=[h]))
    assert (claim.text, claim.line, claim.source, claim.highlight_id) == ("But 70 ducks swam.", 13, "highlight", "h_1")
    assert claim.check == "unverified"


def test_repeated_sentences_get_distinct_stable_ids():
    hs = [
        Highlight(id=f"h_{i}", note_id="n_test", path="t.md", line=i, text="Sales rose 5%.", markdown="")
        for i in (1, 2)
    ]
    a, b = claims_for_note(_note(highlights=hs))
    assert a.id != b.id
    assert [c.id for c in claims_for_note(_note(highlights=hs))] == [a.id, b.id]


def test_claim_note_title_and_evidence():
    from hlkb.parse import parse_file

    note = parse_file(DATA / "claim-note.md")
    (claim,) = claims_for_note(note)
    assert claim.source == "claim-note"
    assert claim.text == "Night trains lose money on 60% of routes"
    assert claim.line == 3
    assert claim.figures[0].unit == "percent"
    assert claim.evidence == [
        "supports:[[Rail Budget 2023]]",
        "supports:[[Night Trains Return]]",
        "opposes:h_0123456789abcdef",
        "[[Timetable Notes]]",
    ]


def test_claims_section_items_with_evidence():
    from hlkb.parse import parse_file

    claims = claims_for_note(parse_file(DATA / "research.md"))
    assert [(c.text, c.line, c.evidence) for c in claims] == [
        ("Sleeper demand doubled after 2021", 6, ["supports:[[Night Trains Return]]", "opposes:[[Airline Price War]]"]),
        ("Station cafés close too early", 8, []),
        ("Ticket prices track diesel costs", 9, ["h_fedcba9876543210"]),
    ]


def test_notes_without_claims_are_fast_and_empty():
    assert claims_for_note(_note()) == []


def test_claim_records_have_every_field():
    pair = make_pair(["Fares fell 3%."], ["票價下降了3%。"])
    rec = claims_for_note(_note(pairs=[pair]))[0].to_record()
    assert set(rec) >= {
        "kind",
        "id",
        "path",
        "line",
        "note_id",
        "text",
        "figures",
        "attribution",
        "source",
        "check",
        "counterpart",
        "evidence",
        "highlight_id",
        "pair_id",
        "lang",
    }
    json.dumps(rec)


# ------------------------------------------------------------------ the real corpus


def test_shared_corpus_only_genuine_mismatches(shared_dir):
    from hlkb.pipeline import parse_and_analyze

    files = [
        f
        for folder in ("corpus", "corpus-more")
        for ext in ("*.md", "*.txt")
        for f in sorted((shared_dir / folder / "bilingual").glob(ext))
    ] + [shared_dir / "seeds" / "002_6b57d7711bd0645d.txt"]
    assert len(files) == 18
    found = {}
    for f in files:
        note = parse_and_analyze(f, f.name, strict=False)
        found[f.name] = [(m.en.figure.raw, m.zh.figure.raw) for m in check_note(note)]
    assert found.pop("effective_java_item60.md") == [
        ("$0.09999999999999998", "0.0999999999999999998 美元"),
        ("$0.3999999999999999", "0.399999999999999999 美元"),
    ]
    assert all(v == [] for v in found.values()), found


def test_seed_claims(shared_dir):
    from hlkb.pipeline import parse_and_analyze

    note = parse_and_analyze(shared_dir / "seeds" / "002_6b57d7711bd0645d.txt", "seed.txt", strict=False)
    by_text = {c.text: c for c in note.claims}
    claim = next(c for t, c in by_text.items() if "$67 billion" in t)
    assert claim.attribution == "Researchers at Insider Intelligence"
    assert claim.check == "ok"
    assert {f.raw for f in claim.figures} == {"$100 billion", "2025", "$67 billion"}


_PIECES = st.sampled_from(
    [
        "$5 million",
        "5%",
        "五百萬美元",
        "百分之五",
        "two hours",
        "兩個小時",
        "。",
        ". ",
        "The bank said ",
        "據銀行稱，",
        "12",
        "十二",
        "第3条",
        "Article 3",
        "\n",
        "more than ",
        "約",
        "多",
        "x",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_PIECES, max_size=12).map("".join), st.lists(_PIECES, max_size=12).map("".join))
def test_check_and_claims_never_fail(en, zh):
    pair = make_pair([en or "x"], [zh or "x"], [1], [3])
    result = check_pair(pair)
    for m in result.mismatches:
        assert m.en.lang == "en" and m.zh.lang == "zh"
    for claim in claims_for_note(_note(pairs=[pair])):
        assert claim.check in ("ok", "mismatch", "unverified")
        assert 1 <= claim.line <= 3 + max(en.count("\n"), zh.count("\n"))


def test_ordinals_and_label_numbers_do_not_make_a_claim():
    from hlkb.claims.extract import states_figure
    from hlkb.claims.figures import extract_figures

    for text in [
        "The second reading shows how the ending was prepared.",
        "Speaker 1: we keep what we review before sleep.",
        "Chapter 3 explains the habit loop.",
    ]:
        assert not states_figure(text, extract_figures(text, "en")), text
    for text in ["Speaker 1: about 40% of readers never finish a book.", "The library lent out 3 million books."]:
        assert states_figure(text, extract_figures(text, "en")), text


@pytest.mark.parametrize(
    "text, lang",
    [
        ("The two companies met again in the spring.", "en"),  # a bare count in narration
        ("I want to tell you three stories today.", "en"),
        ("兩家公司在春天再次見面。", "zh"),
        ("他讲了三个故事。", "zh"),
        ("It was the first time the river froze.", "en"),  # an ordinal
        ("The old harbour wall still stands. — location: 4312", "en"),  # a reader's location label
        ("Page: 14", "en"),
        ("The idea comes from an older paper.[12]", "en"),  # a footnote marker
        ("Habits form slowly, as the second study found.15", "en"),
        ("3.", "en"),  # a list number alone
        ("Hundreds of nouns can be dropped as well.", "en"),  # vague
        ("那是几十年来最冷的冬天。", "zh"),
        ("It was written down quickly — Updated on 2024-10-17 11:19:08 — Group: #Public", "en"),
        ("test $(( a - 2 )) -ne 0 && echo done", "en"),  # code
    ],
)
def test_sentences_that_are_not_claims(text, lang):
    from hlkb.claims.extract import states_figure
    from hlkb.claims.figures import extract_figures

    assert not states_figure(text, extract_figures(text, lang)), text


@pytest.mark.parametrize(
    "text, lang",
    [
        ("The two companies employ 4,000 people.", "en"),
        ("Twelve of the 59 stores have closed.", "en"),
        ("兩家公司共有四千名員工。", "zh"),
        ("We have had a good harvest for the 20th year in a row.", "en"),
        ("明年是建校75周年。", "zh"),
        ("The fertility rate is 1.1, far below the 2.1 needed.", "en"),
        ("The walk took 7 miles across town.", "en"),
        ("She left school at the age of six.", "en"),
        ("It costs $3 at the gate.", "en"),
    ],
)
def test_sentences_that_are_claims(text, lang):
    from hlkb.claims.extract import states_figure
    from hlkb.claims.figures import extract_figures

    assert states_figure(text, extract_figures(text, lang)), text


def test_questions_are_not_claims_but_quoted_ones_are_inside_claims():
    from hlkb.claims.extract import states_figure
    from hlkb.claims.figures import extract_figures

    q = "Will 40% of the shops close by 2030?"
    assert not states_figure(q, extract_figures(q, "en"))
    s = "For the past 33 years I have asked myself each morning: “Would I do this today?”"
    assert states_figure(s, extract_figures(s, "en"))


@pytest.mark.parametrize(
    "text, source",
    [
        ("I'd say to myself that the plan had 40 steps.", None),  # the narrator
        ("I can safely say it was the best decision I ever made.", None),
        ("People often say the opposite of what they mean.", None),  # a generic someone
        ("对我来说，这个论点非常不可靠。", None),  # 对…来说 is "for"
        ("我可以说，那是最好的决定。", None),
        ("他们同时还表示，任何国家的产量下降都会造成麻烦。", None),
        ("这本小说写了三年。", None),
        ("Understanding both the allure of endless projects and the cost is crucial.", None),  # a noun
        ("Analysts at Harbor Research estimate that sales will double.", "Analysts at Harbor Research"),
        ("Sales fell, according to people familiar with the matter.", "people familiar with the matter"),
        ("力拓董事长西蒙·汤普森说：“没有人对此负责。”", "力拓董事长西蒙·汤普森"),
        ("日本政府认为，西方游客消费更多。", "日本政府"),
        ("亞馬遜一位發言人表示，銷量增長迅猛。", "亞馬遜一位發言人"),
        ('"这些时间考验着人们的灵魂"Thomas Paine 说.', "Thomas Paine"),
    ],
)
def test_sources_are_named_not_narrators(text, source):
    from hlkb.claims.attribution import find_attribution

    assert find_attribution(text) == source


@pytest.mark.parametrize(
    "en, zh",
    [
        ("Revenue reached $3.37 billion last year.", "去年收入达到33.7亿美元。"),  # the same figure, rescaled
        ("Revenue reached $3.37 billion last year.", "去年收入达到约34亿美元。"),  # rounded, and says so
        ("Sales grew 7.6 percent.", "销售额增长了近8%。"),
        ("About 45% of voters stayed home.", "大约百分之四十五的选民待在家里。"),  # percent vs 百分之
        ("The work takes three to four years.", "这项工程需要三到四年。"),  # a range
        ("Prices rose 10-15% in May.", "五月份价格上涨了10%至15%。"),
        ("The treaty was signed on 12 September 1990.", "该条约于1990年9月12日签署。"),  # a date both ways
        ("It was the mid-1970s when it began.", "那是在七十年代的中期开始的。"),  # a decade
        ("In the mid-2000s, and by 2030 at the latest.", "始于 2000 年代中期，最晚到 2030 年。"),
        ("The ships are 100 miles apart.", "两艘船相距160公里。"),  # a unit converted
        ("About 12,000 passengers were stranded.", "许多乘客滞留在车站。"),  # a figure dropped
        (
            "We hired him, and for the first year or so things went well.",
            "在公司成立的第九年，我们雇了他。最初几年公司运转得很好，后来我们的看法发生了分歧，董事会站在了他那一边。",
        ),
    ],
)
def test_legitimate_renderings_are_not_mismatches(en, zh):
    assert check_pair(make_pair([en], [zh])).mismatches == []


@pytest.mark.parametrize(
    "en, zh, raw",
    [
        ("Revenue reached $3.37 billion last year.", "去年收入达到34亿美元。", "34亿美元"),  # rounded without saying so
        ("About 40% of them came.", "约42%的人来了。", "约42%"),  # two approximations disagree
        ("Around 1000 people leave each day.", "每天有1007人离开。", "1007人"),
        ("Apple grew into a $2 billion company.", "苹果发展成为一家价值超过八十亿的大公司。", "超过八十亿"),
        ("My second story is about love.", "我的第七个故事是关于爱的。", "第七个"),  # a rank, same place
        ("It sells 12 kinds of tea.", "它卖 11 种茶。", "11 种"),
    ],
)
def test_changed_figures_are_mismatches(en, zh, raw):
    (m,) = check_pair(make_pair([en], [zh])).mismatches
    assert m.zh.figure.raw == raw


def test_footnote_markers_are_not_figures():
    from hlkb.claims.figures import extract_figures

    assert extract_figures("\\[1\\] That is the lower bound [2].", "en") == []
    assert extract_figures("\\[1\\] 这是下限。", "zh") == []
