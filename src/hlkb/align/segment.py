"""Line-level language segmentation: every line is English, Chinese or other.

A paragraph is a maximal run of non-blank lines in one language (DESIGN.md). Lines that
carry no translatable prose are "other": front matter, fenced code, link-only and
navigation lines, markup-only rules, "label：value" metadata and glossary lines, and
short bilingual headings such as ``**Article 1**（**第一条**）``. A sentence-level line
holding both languages (``English text / 中文译文``) is split into an English and a
Chinese paragraph that share the line number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice

# A line is blank when it holds only spaces, tabs, U+00A0 or U+3000 (DESIGN.md).
_BLANK_CHARS = " \t\u00a0\u3000\r\ufeff"

_HAN = re.compile("[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HAN_RUN = re.compile("[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+(?:['’\-][A-Za-z\u00c0-\u024f]+)*")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")

_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"(?:https?://|www\.)\S+")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
# Leading Markdown structure: quotes, headings, list bullets, ordered-list numbers.
_LEAD_MARKUP = re.compile(r"^(?:\s*(?:>|#{1,6}(?=\s)|[-*+](?=\s)|\d{1,3}[.)](?=\s)))+\s*")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
# "key：value" metadata / glossary lines: a short Latin or Chinese key, then a colon.
_KEY_VALUE = re.compile(r"^(?:[A-Za-z][A-Za-z_ \-]{0,24}|[\u4e00-\u9fff]{1,4})\s*[:：]\s*(?P<value>.*)$")
_SENTENCE_PUNCT = re.compile(r"[。！？，,!?]|\.(?:\s|$)")
# An EN heading followed by its Chinese rendering in full-width parentheses.
_PAREN_ZH = re.compile(r"（[^（）]*）")
_INLINE_SEPARATORS = (" / ", " | ")
_PROSE_CHAR = re.compile(r"[A-Za-z0-9\u00c0-\u024f\u3007\u3400-\u9fff]")
_WORD_CHAR = re.compile(r"[A-Za-z\u3400-\u9fff]")
_DIGIT = re.compile(r"\d")
_TERMINAL = tuple(".!?。！？…:;；：\"”’)）」』")


def is_blank(line: str) -> bool:
    return not line.strip(_BLANK_CHARS)


def han_count(text: str) -> int:
    if text.isascii():                  # O(1) in CPython, and Han characters are not ASCII
        return 0
    # Runs, not single characters: a Chinese line is a few runs but a hundred characters.
    # (_HAN.search first: it skips Latin text faster than the run pattern does.)
    return sum(map(len, _HAN_RUN.findall(text))) if _HAN.search(text) else 0


def latin_words(text: str) -> list[str]:
    return _LATIN_WORD.findall(text)


def _has_link_or_url(text: str) -> bool:
    """False when none of _IMAGE, _LINK, _URL can match (each needs one of these
    substrings): most lines of prose, which then skip those regex passes."""
    return "](" in text or "://" in text or "www." in text


def prose_of(line: str) -> str:
    """The readable text of a line: images and URLs dropped, links reduced to their
    text, Markdown quote/heading/list markers and emphasis removed."""
    return _prose(line, _has_link_or_url(line))


def _prose(line: str, has_link_or_url: bool) -> str:
    text = line
    if has_link_or_url:
        text = _IMAGE.sub(" ", text)
        text = _LINK.sub(lambda m: m.group(1), text)
        text = _URL.sub(" ", text)
    text = _LEAD_MARKUP.sub("", text)
    if "*" in text or "`" in text or "__" in text:
        text = _EMPHASIS.sub("", text)
    return text.strip(_BLANK_CHARS)


def _link_only(line: str) -> bool:
    """Nothing but links, images and URLs (navigation, sources, footnote targets)."""
    if not (_LINK.search(line) or _URL.search(line) or _IMAGE.search(line)):
        return False
    rest = _URL.sub(" ", _LINK.sub(" ", _IMAGE.sub(" ", line)))
    rest = _LEAD_MARKUP.sub("", rest)
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
    """For ``English / 中文`` (or the reverse) return the (start, end) spans of the English
    and the Chinese half, else None. Each half must be a whole sentence-sized phrase in
    one language; the separator is `` / `` or `` | ``."""
    for sep in _INLINE_SEPARATORS:
        start = 0
        while True:
            k = line.find(sep, start)
            if k < 0:
                break
            left, right = line[:k], line[k + len(sep):]
            lw, rw = _word_lang(prose_of(left)), _word_lang(prose_of(right))
            if {lw, rw} == {"en", "zh"} and han_count(left if lw == "en" else right) == 0:
                lo = len(left) - len(left.lstrip(_BLANK_CHARS))
                end_r = len(line.rstrip(_BLANK_CHARS))
                left_span = (lo, len(left.rstrip(_BLANK_CHARS)))
                right_span = (k + len(sep), end_r)
                return (left_span, right_span) if lw == "en" else (right_span, left_span)
            start = k + 1
    return None


def classify_line(line: str) -> str:
    """'en', 'zh', 'inline' (both languages, splittable) or 'other' for one non-blank line."""
    links = _has_link_or_url(line)         # else no link, image or URL pattern can match
    if links and _link_only(line):
        return "other"
    prose = whole_prose = _prose(line, links)
    if not _PROSE_CHAR.search(prose):
        return "other"                      # rules, separators, markup only
    if prose[:1] in "(（" and prose[-1:] in ")）":
        prose = prose[1:-1].strip()          # a credit in parentheses: judge what it says
    han = han_count(prose)
    # Whether there are Latin words (a single Latin letter is one), and below, only as
    # much about them as a test needs.
    has_words = _LATIN_LETTER.search(prose) is not None
    if split_inline(line) is not None:
        return "inline"
    # the prose without link texts (the same as whole_prose when there are no links)
    bare = prose_of(_URL.sub(" ", _LINK.sub(" ", line))) if links else whole_prose
    if bare.endswith((":", "：")) and len(bare) <= 12:
        return "other"                      # a label such as "原文：", or "来源：" + link
    kv = (":" in prose or "：" in prose) and _KEY_VALUE.match(prose)    # the colon is required
    if kv and len(kv.group("value")) <= 40 and not _SENTENCE_PUNCT.search(kv.group("value")):
        return "other"                      # byline, metadata or glossary entry
    if han and has_words:
        outside = _PAREN_ZH.sub("", prose)
        if han_count(outside) == 0 and _LATIN_LETTER.search(outside):
            return "other"                  # bilingual heading: "Item 60: …（…）"
    if han >= 2 and (not has_words or han * 5 >= sum(map(len, latin_words(prose)))):
        return "zh"                         # Chinese, possibly with Latin names inside
    if has_words:
        if (not prose.endswith(_TERMINAL) and not _DIGIT.search(prose)
                and len(list(islice(_LATIN_WORD.finditer(prose), 3))) <= 2):
            return "other"                  # a one- or two-word label ("Foot notes")
        return "en"
    return "zh" if han else "other"


@dataclass
class Paragraph:
    lang: str           # "en" or "zh"
    start: int          # first line (1-based, file lines)
    end: int            # last line
    text: str           # lines joined with "\n" (for an inline half: that half)
    block: int = 0      # index of the blank-line-separated block it sits in
    inline: bool = False
    order: int = 0      # position among all paragraphs, in reading order


@dataclass
class LineInfo:
    number: int
    kind: str           # "blank", "en", "zh", "inline", "other"
    text: str


def classify_lines(text: str, first_line: int = 1) -> list[LineInfo]:
    """Classify every line, handling front matter and fenced code as other."""
    lines = text.split("\n")
    out: list[LineInfo] = []
    in_fence = False
    fence = ""
    front_end = -1
    if lines and lines[0].strip() == "---":
        for k in range(1, min(len(lines), 200)):
            if lines[k].strip() in ("---", "..."):
                front_end = k
                break
    for k, line in enumerate(lines):
        number = first_line + k
        if k <= front_end:
            out.append(LineInfo(number, "blank" if is_blank(line) else "other", line))
            continue
        m = _FENCE.match(line)
        if in_fence:
            if m and m.group(1) == fence:
                in_fence = False
            out.append(LineInfo(number, "other", line))
            continue
        if m:
            in_fence, fence = True, m.group(1)
            out.append(LineInfo(number, "other", line))
            continue
        if is_blank(line):
            out.append(LineInfo(number, "blank", line))
            continue
        out.append(LineInfo(number, classify_line(line), line))
    return out


def paragraphs_from_lines(infos: list[LineInfo]) -> list[Paragraph]:
    paras: list[Paragraph] = []
    block = 0
    current: Paragraph | None = None
    prev_blank = True
    for info in infos:
        if info.kind == "blank":
            if not prev_blank:
                block += 1
            prev_blank = True
            current = None
            continue
        prev_blank = False
        stripped = info.text.strip(_BLANK_CHARS)
        if info.kind in ("en", "zh"):
            if current is not None and current.lang == info.kind and current.end == info.number - 1:
                current.end = info.number
                current.text += "\n" + stripped
            else:
                current = Paragraph(info.kind, info.number, info.number, stripped, block)
                paras.append(current)
            continue
        current = None
        if info.kind == "inline":
            en_span, zh_span = split_inline(info.text)
            halves = sorted([("en", en_span), ("zh", zh_span)], key=lambda h: h[1][0])
            for lang, (a, b) in halves:
                paras.append(Paragraph(lang, info.number, info.number, info.text[a:b].strip(_BLANK_CHARS),
                                       block, inline=True))
    for i, p in enumerate(paras):
        p.order = i
    return paras


def segment(text: str, first_line: int = 1) -> tuple[list[LineInfo], list[Paragraph]]:
    infos = classify_lines(text, first_line)
    return infos, paragraphs_from_lines(infos)


def ends_mid_sentence(text: str) -> bool:
    return not text.rstrip(_BLANK_CHARS + "*_").endswith(_TERMINAL + ("■",))


_FUNCTION_WORDS = frozenset("""a an the of in on at to for from by with as and or but nor that which who whom
whose than then is are was were be been being have has had may might can could will would shall should
must their its his her our your my all you we they he she it also into onto about over under between
among such this these those not no very more most less far""".split())


def continues(prev: Paragraph, nxt: Paragraph) -> bool:
    """Hard-wrapped English (PDF copy): ``prev`` stops mid-sentence and ``nxt`` carries on.

    Only between neighbouring one-line English paragraphs of plain prose (no heading
    marker): the first does not end a sentence, and either the next starts in lower case or
    the first ends on a comma or a function word that cannot end a sentence."""
    if prev.lang != "en" or nxt.lang != "en" or prev.inline or nxt.inline:
        return False
    if prev.start != prev.end or nxt.start != nxt.end:
        return False
    if prev.text.lstrip().startswith("#") or nxt.text.lstrip().startswith("#"):
        return False
    if not ends_mid_sentence(prev.text):
        return False
    first = prose_of(nxt.text)[:1]
    if first.islower():
        return True
    tail = prev.text.rstrip(_BLANK_CHARS + "*_")
    if tail.endswith(","):
        return True
    words = latin_words(tail)
    return bool(words) and words[-1].lower() in _FUNCTION_WORDS
