"""Which figures make a sentence a claim worth reading.

A claim states a figure someone could check, or names its source. Not every number in a
sentence states something:

* ordinals (``the first time``, ``第二天``) rank, they do not measure; from the tenth on
  they count (``the 20th year in a row``, ``75周年``);
* small counts in narration (``two companies``, ``三个故事``, ``兩家``): an integer below
  10, or a number word up to twelve, with no unit;
* vague quantities without a precise unit (``hundreds of nouns``, ``几十年``);
* labels: a number after ``location``, ``page``, ``chapter``, ``step`` … (``location: 4312``),
  a date stamp of a note tool (``Updated on 2022-08-25``, ``Date:: March 25th, 2021``);
* footnote and list markers: ``[3]``, ``\\[4\\]``, a number glued to the word or quote before
  it (``concentration15``, ``listening.”39``), ``3.`` opening or making up a sentence;
* anything in a line of code (``test $(( a - 2 )) -ne 0``).

A sentence also needs some words (two words of any alphabet, or three Chinese characters,
beyond its figures): ``3.`` or ``= 0 ]`` is not a statement; and a question does not
state anything.
"""

from __future__ import annotations

import re

__all__ = ["states_figure", "stating_figures", "has_words"]

# A number that only labels something ("Speaker 1", "Chapter 3", "location: 4312").
LABEL_BEFORE = re.compile(
    r"(?:speaker|chapter|item|section|part|steps?|episode|figure|fig\.|table|page|pages|pp?\.|"
    r"vol\.?|volume|no\.|number|article|question|lesson|unit|level|round|location|loc\.?|"
    r"footnote|note|notes|line|lines|verse|rule|exercise|stage|phase|tip|version|v\.|ref|"
    r"updated on|updated at|created on|created at|added on|added at|synced on|modified on|"
    r"published on|date)"
    r"\s*:{0,2}\s*#?\s*$", re.IGNORECASE)
# "Date:: March 25th, 2021": a tool's date field, the year after its month and day.
_DATE_FIELD = re.compile(r"\b(?:date|updated|created|added|synced)\b[^.;]{0,6}:?\s*[A-Za-z]+\.?\s+\d{1,2}"
                         r"(?:st|nd|rd|th)?,?\s*$", re.IGNORECASE)
_VAGUE = re.compile(r"hundreds|thousands|millions|billions|dozens|several|a few|few|几|幾|数|數|来|來|多",
                    re.IGNORECASE)
_PRECISE_KINDS = frozenset({"USD", "CNY", "EUR", "GBP", "JPY", "HKD", "TWD", "percent"})
_SMALL_WORDS = frozenset("""one two three four five six seven eight nine ten eleven twelve dozen
a an 一 二 两 兩 三 四 五 六 七 八 九 十 十一 十二 几 幾""".split())
# Words of any alphabet (Latin, Hangul, Cyrillic …), Han characters aside.
_WORD = re.compile(r"[^\W\d_\u3400-\u9fff\uf900-\ufaff]{2,}")
_QUESTION = re.compile(r"[?？][\"'”’」』)）]*\s*$")
_HAN = re.compile("[\u3400-\u9fff]")
_CODE_CHARS = re.compile(r"[=;{}<>$&|\\`]|\(\(|\)\)|//|->|=>|\+\+")
_LIST_MARKER = re.compile(r"^\s*\(?\d{1,3}[.)]\s")


def has_words(text: str, figures=()) -> bool:
    """Two words (of any alphabet) or three Chinese characters that are not part of a
    figure."""
    rest = text
    for f in figures:
        rest = rest.replace(f.raw, " ", 1)
    if len(_WORD.findall(rest)) >= 2:
        return True
    return len(_HAN.findall(rest)) >= 3


def looks_like_code(text: str) -> bool:
    """Shell, JavaScript, formulas: a sentence with several code operators."""
    return len(_CODE_CHARS.findall(text)) >= 2


def stating_figures(text: str, figures) -> list:
    """The figures of ``text`` that state something (see the module's list)."""
    if not figures or looks_like_code(text):
        return []
    out = []
    pos = 0
    for f in figures:
        at = text.find(f.raw, pos)
        if at < 0:
            at = text.find(f.raw)
        else:
            pos = at + len(f.raw)
        if _states(text, f, at):
            out.append(f)
    return out


def states_figure(text: str, figures) -> bool:
    """Whether a sentence states a checkable figure: some figure in it states
    something, the sentence has words beyond its figures and it is not a question."""
    if is_question(text):
        return False
    stating = stating_figures(text, figures)
    return bool(stating) and has_words(text, figures)


def is_question(text: str) -> bool:
    """A question asks; it does not state (``Can 2 people share a desk?``). A statement
    that ends on a question it quotes (``… asked myself: “Would I …?”``) is not one."""
    if _QUESTION.search(text) is None:
        return False
    return not any(q in text for q in _OPENING_QUOTES)


_OPENING_QUOTES = ("“", "「", "『", "‘", ' "', ': "', '："')


def _states(text: str, f, at: int) -> bool:
    unit = f.unit or "number"
    raw = f.raw
    if unit == "ordinal":
        return f.value >= 10                          # "the 20th year in a row", "75周年"
    if at >= 0:
        before = text[:at]
        if LABEL_BEFORE.search(before) or _DATE_FIELD.search(before):
            return False                              # "location: 4312", "Date:: March 25th, 2021"
        if _footnote(text, at, at + len(raw)):
            return False
        if at == len(before) - len(before.lstrip()) and _LIST_MARKER.match(text[at:] + " ") \
                and unit in ("number", "count"):
            return False                              # "3. …" opening a sentence: a list number
    if unit == "times" and _small_word(raw.split()[0] if raw.split() else raw):
        return False                                  # "three times", "两倍" in passing
    if unit in ("number", "count"):
        if _VAGUE.search(raw):
            return False                              # "hundreds of", "几十"
        if f.value == int(f.value) and f.value < 10 and (raw[:1].isdigit() or _small_word(raw)):
            return False                              # "two companies", "3 options", "兩家"
        if _small_word(raw):
            return False                              # "eleven", "十二个", "a dozen"
    elif unit not in _PRECISE_KINDS and _VAGUE.search(raw) and not any(c.isdigit() for c in raw):
        return False                                  # "几十年", "thousands of years"
    return True


def _small_word(raw: str) -> bool:
    """A count or number written with one small number word (``two``, ``三个``, ``兩家``)."""
    word = raw.lower()
    for approx in ("about ", "around ", "some ", "nearly ", "almost ", "over "):
        if word.startswith(approx):
            word = word[len(approx):]
    word = word.strip()
    if word in _SMALL_WORDS:
        return True
    # Chinese: the numeral before its measure word
    core = word.rstrip("个個名位家人台颗顆粒枚棵块塊件次届屆条條款项項只隻头頭本部辆輛座所户戶张張篇首份架艘场場间間种種批笔筆")
    return core in _SMALL_WORDS


def _footnote(text: str, start: int, end: int) -> bool:
    """A footnote or reference marker: ``[3]``, ``\\[4\\]``, or digits glued to the word,
    full stop or quote before them (``concentration15``, ``listening.”39``)."""
    before = text[max(0, start - 2):start]
    after = text[end:end + 2]
    if before.endswith(("[", "\\[")) and after.startswith(("]", "\\]")):
        return True
    if start > 0 and text[start].isdigit():
        prev = text[start - 1]
        if prev.isalpha() and prev.isascii() or prev in ".”\"’)":
            return True
    return False
