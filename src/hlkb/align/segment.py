"""Line-level language classification: every line is English, Chinese or not prose.

Each non-blank line gets a kind:

* ``en`` / ``zh``: prose in that language (Latin names inside Chinese, or a Chinese word
  inside English, do not change its language);
* ``inline``: one line holding a sentence and its translation (``English text / 中文译文``);
* ``gloss``: a vocabulary gloss, a learner's example with its translation or a line of
  the learner's analysis (``toddler n. 幼儿``, ``make sense: 讲得通``, ``- It makes sense.
  （有道理。）``, ``分析：…``); never part of a paragraph, and a block made mostly of them
  is notes, not article text (``blocks``). A label that says which text follows
  (``原文：The train was late.``) is dropped and the rest judged;
* ``other``: text that is not translatable prose: front matter, fenced code, raw HTML
  (``<script>``, ``<audio>`` fallbacks, comments), link-only and navigation lines,
  "label：value" metadata, short labels (``原文：``, ``**译文**``), static-site container
  and template lines (``::: tip``, ``{% raw %}``), short bilingual headings such as
  ``**Article 1**（**第一条**）``;
* ``markup``: no readable character at all (``</p>``, ``---``): it does not end a
  paragraph. (A line that renders as a blank line, ``>`` in a quote or a bare ``<br>``, is
  blank.)

Blockquote and list markers, HTML tags and entities and Markdown emphasis are taken off
before a line's language is judged (``prose_of``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from itertools import islice

from hlkb.lang import HAN as _HAN
from hlkb.lang import HAN_CLASS, LATIN_CLASS, han_count
from hlkb.lang import HAN_RUN as _HAN_RUN

# A line is blank when it holds only spaces, tabs, U+00A0 or U+3000 (docs/design.md#records).
_BLANK_CHARS = " \t\u00a0\u3000\r\ufeff"

_LATIN_WORD = re.compile(f"[{LATIN_CLASS}]+(?:['’\\-][{LATIN_CLASS}]+)*")
_LATIN_LETTER = re.compile(f"[{LATIN_CLASS}]")

# Inline and reference-style ("[text][1]", "![][]") images and links.
_IMAGE = re.compile(r"!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])")
_LINK = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])")
_URL = re.compile(r"(?:https?://|www\.)\S+")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
# Leading Markdown structure: quotes, headings, list bullets, ordered-list numbers.
# A subtitle timestamp opening a line: LRC's "[00:08.72]", several for a repeated line.
_TIMESTAMP = r"\[\d{1,3}:\d{2}(?:[.:]\d{1,3})?\]"
_LEAD_MARKUP = re.compile(rf"^(?:\s*(?:>|#{{1,6}}(?=\s)|[-*+](?=\s)|\d{{1,3}}[.)](?=\s)|{_TIMESTAMP}))+\s*")
# What ``strip_block_markers`` takes off: blockquote and list markers and timestamps, not headings.
_BLOCK_MARKERS = re.compile(rf"^(?:[ \t]*(?:>|[-*+](?=[ \t])|\d{{1,3}}[.)](?=[ \t])|{_TIMESTAMP}))+[ \t]*")
_HEADING = re.compile(r"^\s{0,3}(?:>\s*)*(#{1,6})(?=\s)")
_LIST_MARKER = re.compile(r"^[ \t]*(?:>[ \t]*)*(?:[-*+]|\d{1,3}[.)])[ \t]")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
# HTML: tags (an inline tag vanishes, any other leaves a space), comments, entities.
_HTML_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9:-]*)(?:\s[^<>]*)?/?>")
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|$)")
_INLINE_TAGS = frozenset(
    """a abbr b bdi bdo big cite code del dfn em font i ins kbd mark q rp rt ruby s samp
small span strong sub sup template time tt u var w wbr""".split()
)
_HTML_ELEMENTS = _INLINE_TAGS | frozenset(
    """html head body title meta link base div p br hr h1 h2 h3 h4 h5 h6
ul ol li dl dt dd table thead tbody tfoot tr td th caption blockquote pre section article aside header footer
nav main figure figcaption details summary center img source track picture form input button label select
option textarea""".split()
)
# Elements whose content is not article text: scripts, styles, media fallbacks.
_RAW_ELEMENTS = ("script", "style", "audio", "video", "object", "iframe", "svg", "canvas", "noscript", "math")
_RAW_OPEN = re.compile(r"<({})\b".format("|".join(_RAW_ELEMENTS)), re.IGNORECASE)
# Static-site markup: markdown-it / VitePress containers, Liquid/Jinja and Hugo tags.
_SITE_MARKUP = re.compile(r"^\s*(?::::|\{%|\{\{<|\{\{%|%}|>}})")
# "key：value" metadata / glossary lines: a short Latin or Chinese key, then a colon.
_KEY_VALUE = re.compile(rf"^(?:[A-Za-z][A-Za-z_ \-]{{0,24}}|[{HAN_CLASS}]{{1,4}})\s*[:：]\s*(?P<value>.*)$")
# A label in both languages before a colon: "keywords/关键词: …", "作者 | Author: …".
_BILINGUAL_KEY = re.compile(
    rf"^(?:[A-Za-z][A-Za-z _\-]{{0,24}}\s*[/|]\s*[{HAN_CLASS}]{{1,6}}"
    rf"|[{HAN_CLASS}]{{1,6}}\s*[/|]\s*[A-Za-z][A-Za-z _\-]{{0,24}})\s*[:：]"
)
# A Chinese label of up to six characters before a colon ("题目:", "专有名词：").
_HAN_KEY = re.compile(rf"^[{HAN_CLASS}]{{1,6}}\s*[:：]\s*(?P<value>.*)$")
_SENTENCE_PUNCT = re.compile(r"[。！？，,!?]|\.(?:\s|$)")
_SENTENCE_END = re.compile(r"[.!?。！？…]+[\"'”’」』)）\]]*$")
_HARD_STOP = re.compile(r"[。！？!?]|\.\s")
# An EN heading followed by its Chinese rendering in full-width parentheses.
_PAREN_ZH = re.compile(r"（[^（）]*）")
# Vocabulary glosses. A part-of-speech tag ("n.", "adj.", "vt.") before a Chinese sense,
_POS = r"(?:n|v|vt|vi|adj|adv|prep|conj|pron|num|art|int|interj|aux|abbr|phr|pl|sb|sth)\."
# (searched in " " + text: the pattern starts with a character class, which re skips to)
_POS_GLOSS = re.compile(rf"[\s:：]{_POS}\s*(?:{_POS}\s*)*[{HAN_CLASS}（(\[]")
# an IPA transcription, or a short Latin term, a colon or "=", and a short definition.
_IPA = re.compile(r"[\[/][^\]/]*[ˈˌːəɪʊæɑɔʃʒθðŋɜʌ][^\]/]*[\]/]")
_TERM_DEF = re.compile(
    rf"^(?P<term>[A-Za-z][A-Za-z0-9'’\-\s./+…,()/{HAN_CLASS}]{{0,48}}?)\s*(?P<sep>[:：]|=)\s*(?P<def>.+)$"
)
# A label opening a line of a learner's note: one that says which text follows (kept,
# and the rest judged) or one that introduces the learner's own analysis (notes).
_LEADING_LABEL = re.compile(rf"^(?P<label>[{HAN_CLASS}]{{1,5}}|[A-Za-z][A-Za-z ]{{0,18}}?)\s*[:：]\s*(?P<rest>\S.*)$")
TRANSLATION_LABELS = frozenset(
    """原文 译文 譯文 翻译 翻譯 中文 英文 中译 中譯 英译 英譯 参考译文 參考譯文 原句 译句 譯句 正文
original translation english chinese en zh cn""".split()
)
ANALYSIS_LABELS = frozenset(
    """分析 解析 学习 學習 笔记 筆記 注 注释 註釋 注解 註解 注意 讲解 講解 点评 點評 评论 評論 词汇 詞彙
生词 生詞 生词表 生詞表 单词 單詞 单词表 單詞表 词汇表 詞彙表 语法 語法 要点 要點 重点 重點 知识点 知識點 句型 短语 短語 词组 詞組 例句 备注 備註 难点 難點
考点 考點 解释 解釋 释义 釋義 用法 搭配 同义词 同義詞 近义词 近義詞 反义词 反義詞 结构 結構 心得 感想 总结 總結
analysis note notes vocabulary grammar comment comments explanation usage""".split()
) | {"key points"}
_LABEL_WORDS = TRANSLATION_LABELS | ANALYSIS_LABELS
# A translation label opening a line, as ``plain_line`` drops it ("原文：", "**译文**：").
_TRANSLATION_LABEL = re.compile(
    rf"^(?:\*\*|__)?(?P<label>[{HAN_CLASS}]{{1,5}}|[A-Za-z]{{2,12}})(?:\*\*|__)?\s*[:：]\s*(?=\S)"
)
# A note framed as one (the whole line): "【注：…】", "（译注：…）", "(编者注: …)".
_NOTE_FRAME = re.compile(r"[【（(][^【】（）()]{0,8}?注\s*[:：].*[】）)][\s。.]*$")
_NOTE_FRAME_FIRST = frozenset("【（(")
_PROSE_CHAR = re.compile(f"[0-9{LATIN_CLASS}{HAN_CLASS}]")
_WORD_CHAR = re.compile(f"[A-Za-z{HAN_CLASS}]")
_DIGIT = re.compile(r"\d")
_TERMINAL = tuple('.!?。！？…:;；："”’)）」』')

# English words that only English sentences have: a line whose Latin words include none
# of these is Chinese with names in it, however long the names.
FUNCTION_WORDS = frozenset(
    """a an the of in on at to for from by with as and or but nor that which who whom
whose than then is are was were be been being have has had may might can could will would shall should
must their its his her our your my all you we they he she it also into onto about over under between
among such this these those not no very more most less far""".split()
)


def is_blank(line: str) -> bool:
    return not line.strip(_BLANK_CHARS)


def latin_words(text: str) -> list[str]:
    return _LATIN_WORD.findall(text)


def chinese_share(text: str) -> float:
    """How Chinese a text is, 0–1: Han characters against Latin letters weighted a
    quarter each (a Chinese character carries about what a short English word does),
    so ``图书管理员Tom Hale说…`` is 0.9 and an English sentence with a Chinese phrase
    tacked on is below 0.5."""
    han = han_count(text)
    if not han:
        return 0.0
    ascii_part = text.encode("ascii", "ignore")  # (Latin letters beyond ASCII are rare here)
    letters = len(ascii_part) - len(ascii_part.translate(None, _ASCII_LETTER_BYTES))
    return han / (han + 0.25 * letters)


_ASCII_LETTER_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _has_link_or_url(text: str) -> bool:
    """False when none of _IMAGE, _LINK, _URL can match (each needs one of these
    substrings): most lines of prose, which then skip those regex passes."""
    return "](" in text or "][" in text or "://" in text or "www." in text


def strip_html(text: str) -> str:
    """``text`` without HTML comments and tags (an inline tag such as ``<u>`` or ``<span>``
    goes, any other leaves a space) and with entities decoded (``&nbsp;`` is a space).

    A tag is an HTML element's, a component's (``<Lines>``, capitalised), one with
    attributes, or one closed on the same line (``<w>word</w>``); ``a <live> wire`` is text."""
    if "<" in text:
        if "<!--" in text:
            text = _HTML_COMMENT.sub(" ", text)

        def replace(m: re.Match) -> str:
            name = m.group(1)
            lowered = name.lower()
            if not (
                lowered in _HTML_ELEMENTS
                or name[:1].isupper()
                or m.group(0).startswith("</")
                or " " in m.group(0)
                or f"</{name}" in text
            ):
                return m.group(0)
            return "" if lowered in _INLINE_TAGS else " "

        text = _HTML_TAG.sub(replace, text)
    if "&" in text and ";" in text:
        text = html.unescape(text).replace("\u00a0", " ")
    return text


def strip_block_markers(line: str) -> str:
    """A line without its leading blockquote and list markers (``> ``, ``- ``, ``1. ``)."""
    if not line or (line[0] not in _MARKER_FIRST and not line[0].isdecimal()):
        return line  # (most lines) the pattern cannot start here; isdecimal is re's \d
    return _BLOCK_MARKERS.sub("", line, count=1)


_MARKER_FIRST = frozenset(" \t>-*+[")  # "[": a subtitle timestamp (_TIMESTAMP)


def plain_line(line: str) -> str:
    """What a paragraph's text keeps of a line: no blockquote or list markers, no HTML
    tags, no translation label ("原文：", "**译文**："), surrounding blank characters
    stripped (Markdown emphasis and links stay)."""
    text = strip_html(strip_block_markers(line)).strip(_BLANK_CHARS)
    if ":" in text or "：" in text:
        m = _TRANSLATION_LABEL.match(text)
        if m and m.group("label").lower() in TRANSLATION_LABELS:
            text = text[m.end() :]
    return text


def prose_of(line: str) -> str:
    """The readable text of a line: images and URLs dropped, links reduced to their
    text, HTML tags and Markdown quote/heading/list markers and emphasis removed."""
    return _prose(line, _has_link_or_url(line))


def _prose(line: str, has_link_or_url: bool) -> str:
    text = line
    if has_link_or_url:
        text = _IMAGE.sub(" ", text)
        text = _LINK.sub(lambda m: m.group(1), text)
        text = _URL.sub(" ", text)
    text = strip_html(text)
    text = _LEAD_MARKUP.sub("", text)
    if "*" in text or "`" in text or "__" in text:
        text = _EMPHASIS.sub("", text)
    return text.strip(_BLANK_CHARS)


def _link_only(line: str) -> bool:
    """Nothing but links, images and URLs (navigation, sources, footnote targets)."""
    if not (_LINK.search(line) or _URL.search(line) or _IMAGE.search(line)):
        return False
    rest = _URL.sub(" ", _LINK.sub(" ", _IMAGE.sub(" ", line)))
    rest = _LEAD_MARKUP.sub("", strip_html(rest))
    return not _WORD_CHAR.search(rest.replace("*", "").replace("_", ""))


def _word_lang(text: str) -> str:
    """en / zh / other for a fragment with no structure of its own."""
    han = han_count(text)
    letters = len(_LATIN_LETTER.findall(text))
    if han >= 2 and han * 5 >= letters:
        return "zh"
    if han == 0 and letters >= 2:
        return "en"
    if han and letters and han * 5 < letters:
        return "en"
    return "zh" if han else "other"


def split_inline(line: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """For a line holding a phrase and its translation, the (start, end) spans of the
    English and the Chinese half, else None. The halves are separated by `` / ``, `` | ``,
    `` — ``, ``<br>``, a bare ``|``, are the two cells of a table row (``| English | 中文 |``), are
    sentences that follow each other (``It rained. 下雨了。``), or are a title and its
    rendering in title marks (``The Simpsons《辛普森一家》``). Each half must be in one
    language, and the English one without Chinese."""
    cells = table_cells(line)
    if cells is not None:
        # the row's one English and one Chinese cell (a number or a note may sit beside them);
        # "| English | 中文 |" heads a table
        langs = [(_word_lang(prose_of(line[a:b])), (a, b)) for a, b in cells]
        en = [span for lang, span in langs if lang == "en"]
        zh = [span for lang, span in langs if lang == "zh"]
        if len(en) == 1 and len(zh) == 1 and not all(is_label_word(line[a:b]) for a, b in en + zh):
            first, second = sorted(en + zh)
            return _halves(line, first, second)
        return None
    for sep in _INLINE_SEPARATORS:
        start = 0
        while True:
            k = line.find(sep, start)
            if k < 0:
                break
            spans = _halves(line, (0, k), (k + len(sep), len(line)))
            if spans:
                return spans
            start = k + 1
    if "\u00a0" in line:
        spans = _no_break_space_halves(line)
        if spans:
            return spans
    return _sentence_halves(line)


def table_cells(line: str) -> list[tuple[int, int]] | None:
    """The (start, end) spans of the cells of a Markdown table row ``| a | b |``, else None."""
    stripped = line.strip(_BLANK_CHARS)
    if len(stripped) < 3 or not (stripped.startswith("|") and stripped.endswith("|")):
        return None
    bars = [i for i, ch in enumerate(line) if ch == "|"]
    return [(a + 1, b) for a, b in zip(bars, bars[1:])]


# (a bare "|" last: "English line|中文" in subtitle files)
_INLINE_SEPARATORS = (" / ", " | ", " — ", " – ", "<br>", "<br/>", "<br />", "<BR>", "|")
_EN_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*\s*$")
_ZH_SENTENCE_END = re.compile(r"[。！？…]+[”」』）)\"]*$")


def _halves(line: str, a: tuple[int, int], b: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]] | None:
    left, right = line[a[0] : a[1]], line[b[0] : b[1]]
    lw, rw = _word_lang(prose_of(left)), _word_lang(prose_of(right))
    if {lw, rw} != {"en", "zh"} or han_count(left if lw == "en" else right):
        return None
    left_span = (a[0] + len(left) - len(left.lstrip(_BLANK_CHARS)), a[0] + len(left.rstrip(_BLANK_CHARS)))
    right_span = (b[0] + len(right) - len(right.lstrip(_BLANK_CHARS)), b[0] + len(right.rstrip(_BLANK_CHARS)))
    return (left_span, right_span) if lw == "en" else (right_span, left_span)


def _no_break_space_halves(line: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """English, a no-break space, then its Chinese (``3 min read\u00a03 分钟阅读``): how
    page translators that show the translation beside a short original come out when the
    page is saved as Markdown. The no-break space is the last one before the first Han
    character, with only digits and punctuation between them (no-break spaces inside
    the English, "Location\u00a0220", are not the boundary)."""
    m = _HAN.search(line)
    if m is None:
        return None
    k = line.rfind("\u00a0", 0, m.start())
    if k <= 0 or _LATIN_LETTER.search(line, k + 1, m.start()):
        return None
    return _halves(line, (0, k), (k + 1, len(line)))


def _sentence_halves(line: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """An English sentence (three words or more) followed by a Chinese one, or the
    reverse, with no separator; or an English title with its Chinese in 《》."""
    m = _HAN.search(line)
    if m is None:
        return None
    first_han = m.start()
    head = line[:first_han]
    if head.rstrip(_BLANK_CHARS).endswith("《") and line.rstrip(_BLANK_CHARS).endswith("》"):
        title_mark = head.rstrip(_BLANK_CHARS)
        english = prose_of(title_mark[:-1])
        if len(latin_words(english)) >= 1 and _word_lang(english) == "en":
            return _halves(line, (0, len(title_mark) - 1), (len(title_mark) - 1, len(line)))
        return None
    if _EN_SENTENCE_END.search(head):
        english, chinese = prose_of(head), prose_of(line[first_han:])
        if _translation_sized(english, chinese) and chinese_share(chinese) >= 0.7 and _ZH_SENTENCE_END.search(chinese):
            return _halves(line, (0, first_han), (first_han, len(line)))
        return None
    # Chinese first: the last Chinese sentence ends, then English to the end of the line.
    cut = 0
    for run in _HAN_RUN.finditer(line):
        cut = run.end()
    while cut < len(line) and line[cut] in '。！？…”」』）)"':
        cut += 1
    tail = line[cut:]
    if tail.strip(_BLANK_CHARS) and _ZH_SENTENCE_END.search(line[:cut]):
        chinese, english = prose_of(line[:cut]), prose_of(tail)
        if _translation_sized(english, chinese) and chinese_share(chinese) >= 0.7:
            return _halves(line, (0, cut), (cut, len(line)))
    return None


def _translation_sized(english: str, chinese: str) -> bool:
    """An English sentence of four words or more, not a quotation (``“Stay hungry.”
    他说。`` is Chinese quoting English), and a Chinese part of the length a
    translation of it would have."""
    if english[:1] in "\"“‘'" or len(latin_words(english)) < 4:
        return False
    return 0.15 <= text_chars(chinese) / max(1, text_chars(english)) <= 1.0


def text_chars(text: str) -> int:
    return len("".join(text.split()))


def is_gloss(prose: str) -> bool:
    """A vocabulary gloss: a part-of-speech tag or IPA before a sense (``endow v. 捐赠``,
    ``toddler：美 [ˈtɑːdlər] 幼儿``), or a short Latin term, ``:`` or ``=``, and a short
    definition in Chinese or a synonym (``make sense: 讲得通，有道理``, ``aim to do =
    intend to do``). Not a sentence that happens to hold a colon, nor a capitalised field
    or speaker label (``Note: …``, ``Speaker: …``)."""
    if _LATIN_LETTER.match(prose) and _POS_GLOSS.search(" " + prose):
        return True
    m = _TERM_DEF.match(prose)
    if not m:
        return False
    term, definition = m.group("term"), m.group("def")
    if _HARD_STOP.search(term) or len(latin_words(term)) > 6 or not _LATIN_LETTER.search(term):
        return False
    if _IPA.search(definition):
        return True
    if not term[:1].islower():
        return False  # "Note: …", "Author: …", "Speaker: …": a field or speaker label
    if m.group("sep") == "=":
        # "aim to do = intend to do", "beyond A and B = in addition to ..."
        return len(latin_words(definition)) <= 6 and not _SENTENCE_END.search(definition.rstrip(". "))
    # a Chinese definition: short, and not a run of sentences
    head = definition[:4]
    return (
        (han_count(head) > 0 or _POS_GLOSS.match(" " + definition) is not None)
        and len(definition) <= 30
        and len(_HARD_STOP.findall(definition)) <= 1
    )


def classify_line(line: str) -> str:
    """'en', 'zh', 'inline', 'gloss', 'other' or 'markup' for one non-blank line."""
    return _classify(line)[0]


def _classify(line: str) -> tuple[str, str]:
    """The line's kind, and for a short label ("原文：", "**English**", "Foot notes")
    ``label``: text that a subtitle-like document may use as a line of its own."""
    kind = _kind(line)
    if kind == _LABEL:
        return "other", "label"
    return kind, ""


_LABEL = "label"


def is_label_word(line: str) -> bool:
    """The line is only one of the labels learners' notes use ("原文：", "**Notes**")."""
    return prose_of(line).rstrip(":： ").lower() in _LABEL_WORDS


def label_lang(line: str) -> str:
    """The language of a line read as a label (``_classify`` gave ``label``)."""
    lang = _word_lang(prose_of(line))
    return lang if lang in ("en", "zh") else "other"


def _kind(line: str) -> str:
    links = _has_link_or_url(line)  # else no link, image or URL pattern can match
    if links and _link_only(line):
        return "other"
    if _SITE_MARKUP.match(line) or ("<" in line and _RAW_OPEN.search(line)):
        return "other"  # ::: tip, {% raw %}, <audio …>fallback</audio>
    prose = whole_prose = _prose(line, links)
    if not _PROSE_CHAR.search(prose):
        return "markup"  # rules, separators, markup only
    first = prose[:1]
    if first in _NOTE_FRAME_FIRST and _NOTE_FRAME.match(prose):
        return "zh"  # "【注：出自歌词 “…”】": a translator's note, whatever English it quotes
    if first in "(（" and prose[-1:] in ")）":
        prose = prose[1:-1].strip()  # a credit in parentheses: judge what it says
    if len(prose) <= 20 and prose.rstrip(":： ").lower() in _LABEL_WORDS:
        return _LABEL  # "## 译文", "Translation", "**Notes**"
    if (
        "|" in line
        and (cells := table_cells(line)) is not None
        and all(is_label_word(line[a:b]) or not line[a:b].strip() for a, b in cells)
    ):
        return _LABEL  # a table's head: "| English | 中文 |"
    if (":" in prose or "：" in prose) and (label := _LEADING_LABEL.match(prose)):
        name = label.group("label").lower()
        if name in TRANSLATION_LABELS:
            return _kind(label.group("rest"))  # "原文：The train was late." is English
        if name in ANALYSIS_LABELS:
            return "gloss"  # "分析：…", "Note: …": the learner's notes
    han = han_count(prose)
    # Whether there are Latin words (a single Latin letter is one), and below, only as
    # much about them as a test needs.
    has_words = _LATIN_LETTER.search(prose) is not None
    if han and has_words and split_inline(line) is not None:
        return "inline"
    heading = _HEADING.match(line) is not None
    # the prose without link texts (the same as whole_prose when there are no links)
    bare = prose_of(_URL.sub(" ", _LINK.sub(" ", line))) if links else whole_prose
    if bare.endswith((":", "：")) and len(bare) <= 12:
        return _LABEL  # a label such as "原文：", or "来源：" + link
    if has_words and (han or "=" in prose) and not heading and is_gloss(whole_prose):
        return "gloss"  # "endow v. 捐赠", "make sense: 讲得通"
    if ":" in prose or "：" in prose:
        if not heading:
            if _BILINGUAL_KEY.match(prose):
                return "other"  # "keywords/关键词: …": a bilingual template's label
            hk = han and _HAN_KEY.match(prose)
            if (
                hk
                and len(hk.group("value")) <= 120
                and not _HARD_STOP.search(hk.group("value"))
                and not _SENTENCE_END.search(hk.group("value"))
            ):
                return "other"  # "题目: …", "专有名词: …": a labelled field
        kv = not heading and _KEY_VALUE.match(prose)  # ("## Brexit: MPs back the deal" is a headline)
        if kv and len(kv.group("value")) <= 40 and not _SENTENCE_PUNCT.search(kv.group("value")):
            return "other"  # byline, metadata or glossary entry
    if not heading and _is_bold_label(line, prose, han, has_words):
        return _LABEL  # "**原文**", "**English**"
    if not heading and _bold_field(line):
        return "other"  # "**Hints**: William Easterly, Kenya", "**Source**: …"
    if han and has_words:
        # Latin text with its Chinese rendering in parentheses: a bilingual heading
        # ("Item 60: …（…）", "**Article 1**（**第一条**）") or, not set as a heading, a
        # gloss ("be blessed with(享有…)", "- An example. （一个例子。）").
        glossed = (
            not heading
            and not whole_prose.startswith(("(", "（"))
            and not _BLOCK_MARKERS.sub("", line.lstrip(_BLANK_CHARS)).startswith(("**", "__"))
            and _trailing_paren_han(prose)
        )
        outside = _PAREN_ZH.sub("", prose)
        if han_count(outside) == 0 and _LATIN_LETTER.search(outside):
            return "gloss" if glossed else "other"
        if glossed:
            return "gloss"
    if han >= 2 and (not has_words or han * 5 >= sum(map(len, latin_words(prose))) or _names_only(prose)):
        return "zh"  # Chinese, possibly with Latin names inside
    if has_words:
        if (
            not prose.endswith(_TERMINAL)
            and not _DIGIT.search(prose)
            and len(list(islice(_LATIN_WORD.finditer(prose), 3))) <= 2
        ):
            return _LABEL  # a one- or two-word label ("Foot notes")
        return "en"
    return "zh" if han else "other"


def _trailing_paren_han(prose: str) -> bool:
    """Latin text ending in a parenthesised Chinese rendering: ``be blessed with(享有…)``,
    ``An example. （一个例子）``: the head has Latin letters and no Han, the parentheses
    (the last pair, closing the line) hold Han."""
    body = prose.rstrip(" \t.。")
    if not body.endswith((")", "）")):
        return False
    opening = max(body.rfind("("), body.rfind("（"))
    if opening <= 0:
        return False
    inside, head = body[opening + 1 : -1], body[:opening]
    if "(" in inside or "（" in inside or ")" in inside or "）" in inside:
        return False
    return (
        han_count(inside) > 0
        and han_count(head) == 0
        and "(" not in head
        and "（" not in head
        and _LATIN_LETTER.search(head) is not None
    )


_BOLD_KEY = re.compile(
    r"^\s*(?:[>*+-]\s+)*(?:!\[[^\]]*\](?:\[[^\]]*\]|\([^)]*\))\s*)?"
    r"(?:\*\*|__)[^*_]{1,24}(?:\*\*|__)\s*[:：]\s*(?P<value>.*)$"
)


def _bold_field(line: str) -> bool:
    """A field with a bold key (``**Hints**: Kenya, malaria``, ``**Source**: [link]``): a
    value of up to 80 characters that does not end a sentence. (``**Speaker**: So I
    think … .`` is the speaker's text.)"""
    m = _BOLD_KEY.match(line)
    if not m:
        return False
    value = prose_of(m.group("value"))
    return len(value) <= 80 and not _SENTENCE_END.search(value)


def _names_only(prose: str) -> bool:
    """Latin words that are names, not English: most are capitalised and none is an
    English function word (``我沉迷于 Nietzsche, Schopenhauer 和 Camus``)."""
    words = latin_words(prose)
    capitalised = sum(1 for w in words if w[:1].isupper())
    return capitalised * 4 >= len(words) * 3 and not any(w.lower() in FUNCTION_WORDS for w in words)


def _is_emphasised(line: str) -> bool:
    """The line is wrapped in strong emphasis (``**…**``, ``__…__``), markers aside."""
    core = strip_block_markers(line.strip(_BLANK_CHARS))
    return core.startswith(("**", "__")) and core.rstrip(":：").endswith(("**", "__"))


def _is_bold_label(line: str, prose: str, han: int, has_words: bool) -> bool:
    """A short line that is all emphasis: ``**原文**``, ``**English Commentary**``."""
    if not _is_emphasised(line):
        return False
    if _SENTENCE_END.search(prose) or _DIGIT.search(prose):
        return False
    return han <= 6 and len(latin_words(prose)) <= 3 and bool(han or has_words)


def is_parenthesised(line: str) -> bool:
    """The whole readable line is in parentheses: ``（一个例子。）``, a translation given as
    a gloss rather than as text."""
    if "&" not in line and not (("(" in line or "（" in line) and (")" in line or "）" in line)):
        # prose_of only drops and replaces characters (an entity such as &#40; aside):
        # without both parentheses in the line, its prose cannot start and end with them
        return False
    prose = prose_of(line)
    return len(prose) > 2 and prose[:1] in "(（" and prose[-1:] in ")）"


def heading_level(line: str) -> int:
    """1–6 for a Markdown ATX heading (``## Title``, also inside a blockquote), else 0."""
    if "#" not in line:
        return 0  # (most lines: no need to run the pattern)
    m = _HEADING.match(line)
    return len(m.group(1)) if m else 0


def is_list_item(line: str) -> bool:
    return _LIST_MARKER.match(line) is not None


@dataclass
class LineInfo:
    number: int
    kind: str  # "blank", "en", "zh", "inline", "gloss", "other", "markup"
    text: str
    why: str = field(default="", compare=False)  # for "other" lines: what made them so


def classify_lines(text: str, first_line: int = 1) -> list[LineInfo]:
    """Classify every line, handling front matter, fenced code, raw HTML elements
    (``<script>``, ``<style>``, media fallbacks) and multi-line HTML comments as other."""
    lines = text.split("\n")
    out: list[LineInfo] = []
    in_fence = False
    fence = ""
    raw_until: re.Pattern | None = None  # the closing tag of an open raw HTML element
    front_end = -1
    if lines and lines[0].strip() == "---":
        for k in range(1, min(len(lines), 200)):
            if lines[k].strip() in ("---", "..."):
                front_end = k
                break
    for k, line in enumerate(lines):
        number = first_line + k
        if k <= front_end:
            out.append(LineInfo(number, "blank" if is_blank(line) else "other", line, "front matter"))
            continue
        m = _FENCE.match(line)
        if in_fence:
            if m and m.group(1) == fence:
                in_fence = False
            out.append(LineInfo(number, "other", line, "code"))
            continue
        if raw_until is not None:
            if raw_until.search(line):
                raw_until = None
            out.append(LineInfo(number, "blank" if is_blank(line) else "other", line, "html"))
            continue
        if m:
            in_fence, fence = True, m.group(1)
            out.append(LineInfo(number, "other", line, "code"))
            continue
        if is_blank(line):
            out.append(LineInfo(number, "blank", line))
            continue
        if len(line) <= _RENDERS_BLANK_LENGTH and _RENDERS_BLANK.match(line):
            # (a spacer the writer typed: lines around it are not hard-wrapped prose)
            out.append(LineInfo(number, "blank", line, "spacer"))
            continue
        if "<" in line:
            raw_until = _raw_element_left_open(line)
            if raw_until is not None:
                out.append(LineInfo(number, "other", line, "html"))
                continue
        if "|" in line and k + 1 < len(lines) and _TABLE_RULE.match(lines[k + 1]) and table_cells(line):
            out.append(LineInfo(number, "other", line, "table head"))  # the row above |---|---|
            continue
        kind, why = _classify(line)
        out.append(LineInfo(number, kind, line, why))
    return out


_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)+\|?\s*$")  # GFM: one dash is enough
# Lines that render as a blank line: a blockquote's empty line (``>``, ``> >``) and a line of
# only ``<br>`` tags (stanzas of ``<br>``-prefixed lines are separated by a bare ``<br>``).
_RENDERS_BLANK = re.compile(r"^[ \t\u00a0\u3000\r\ufeff>]*$|^\s*(?:<br\s*/?>\s*)+$", re.IGNORECASE)
_RENDERS_BLANK_LENGTH = 32  # (longer lines are not tried)


def _raw_element_left_open(line: str) -> re.Pattern | None:
    """The closing pattern of a raw element (script, style, media, comment) that opens
    on ``line`` and does not close there, else None."""
    at = line.find("<!--")
    if at >= 0 and line.find("-->", at + 4) < 0:
        return re.compile("-->")
    for m in _RAW_OPEN.finditer(line):
        name = m.group(1).lower()
        closing = re.compile(rf"</{name}\s*>", re.IGNORECASE)
        tag_end = line.find(">", m.end())
        if tag_end >= 0 and line[tag_end - 1] == "/":
            continue  # <video … />
        if not closing.search(line, m.end()):
            return closing
    return None
