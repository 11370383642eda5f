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
* anything in a line of code (``test $(( a - 2 )) -ne 0``);
* a reference to a part of a text or a name (``第23条``, ``the Eleventh Edition``, ``the 228
  incident``), list numbers in a sentence (``1) … 2) …``), a moment of a story (``one day``).

A sentence also needs some words (two words of any alphabet, or three Chinese characters,
beyond its figures, month and day names aside): ``3.``, ``= 0 ]`` or a dateline is not a
statement; a question does not state anything, nor does a made-up example (``Suppose
you have $1.03``, ``假设你口袋里有一美元``).
"""

from __future__ import annotations

import re

from hlkb.lang import HAN, HAN_CLASS

__all__ = ["states_figure", "stating_figures", "has_words"]

# A number that only labels something ("Speaker 1", "Chapter 3", "location: 4312").
LABEL_BEFORE = re.compile(
    r"(?:speaker|chapter|item|section|part|steps?|episode|figure|fig\.|table|page|pages|pp?\.|"
    r"vol\.?|volume|no\.|number|article|question|lesson|unit|level|round|location|loc\.?|"
    r"footnote|note|notes|line|lines|verse|rule|exercise|stage|phase|tip|version|v\.|ref|"
    r"updated on|updated at|created on|created at|added on|added at|synced on|modified on|"
    r"published on|date)"
    r"\s*:{0,2}\s*#?\s*(?:\d+\s*[-–]\s*)?$",
    re.IGNORECASE,
)
# After the number: a name ("the 228 incident", "二二八事件") or the part of a text an
# ordinal names ("the Eleventh Edition").
_NAME_AFTER = re.compile(
    r"^\s*(?:incident|事件|事變|事变|运动|運動|起义|起義|edition|chapter|section|article|volume|"
    r"grade|floor)\b",
    re.IGNORECASE,
)
# "Date:: March 25th, 2021": a tool's date field, the year after its month and day.
_DATE_FIELD = re.compile(
    r"\b(?:date|updated|created|added|synced)\b[^.;]{0,6}:?\s*[A-Za-z]+\.?\s+\d{1,2}"
    r"(?:st|nd|rd|th)?,?\s*$",
    re.IGNORECASE,
)
_VAGUE = re.compile(
    r"hundreds|thousands|millions|billions|dozens|several|a few|few|几|幾|数|數|来|來|多", re.IGNORECASE
)
_PRECISE_KINDS = frozenset({"USD", "CNY", "EUR", "GBP", "JPY", "HKD", "TWD", "percent"})
_SMALL_WORDS = frozenset(
    """one two three four five six seven eight nine ten eleven twelve dozen
a an 一 二 两 兩 三 四 五 六 七 八 九 十 十一 十二 几 幾""".split()
)
# Words of any alphabet (Latin, Hangul, Cyrillic …), Han characters aside.
_WORD = re.compile(f"[^\\W\\d_{HAN_CLASS}]{{2,}}")
_QUESTION = re.compile(r"[?？][\"'”’」』)）]*\s*$")
_CODE_CHARS = re.compile(r"[=;{}<>$&|\\`]|\(\(|\)\)|//|->|=>|\+\+")
_LIST_MARKER = re.compile(r"^\s*\(?\d{1,3}[.)]\s")
_HYPOTHETICAL = re.compile(
    r"(?:^|[,;:，；：]\s*|\b(?:example|instance)\b,?\s*)(?:suppose|supposing|imagine|let's say|let us say|say you)\b"
    r"|(?:^|[，,：:]|例如|比如)\s*(?:假设|假如|设想|設想|想象一下|想像一下|就像你|就好像你)",
    re.IGNORECASE,
)
# A reference to a part of a text, not a quantity: 第23条, 第2款, 第3章, Article 146.
_PART_LABEL = re.compile(r"[条條款章節节篇項项段句]$")
# "one day I saw …": a moment of a story, not a duration, unless "in/for/within … one day".
_ONE_MOMENT = re.compile(r"^(?:one|a)\s+(?:day|night|morning|evening|afternoon)$", re.IGNORECASE)
_DURATION_BEFORE = re.compile(
    r"\b(?:in|for|within|after|only|just|per|took|take|takes|spent|spend|lasted|last|"
    r"every|each|than|about|over|nearly|almost)\s+$",
    re.IGNORECASE,
)
_MONTHS = frozenset(
    """january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday
st nd rd th""".split()
)


def has_words(text: str, figures=()) -> bool:
    """Two words (of any alphabet) or three Chinese characters that are not part of a
    figure."""
    rest = text
    for f in figures:
        rest = rest.replace(f.raw, " ", 1)
    if sum(1 for w in _WORD.findall(rest) if w.lower() not in _MONTHS) >= 2:
        return True  # ("July 22nd, 2015" is a dateline)
    return len(HAN.findall(rest)) >= 3


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
    something, the sentence has words beyond its figures, and it is neither a question
    nor a hypothetical (``Suppose you have $1.03``, ``假设你有一美元``)."""
    if is_question(text) or is_hypothetical(text):
        return False
    stating = stating_figures(text, figures)
    return bool(stating) and has_words(text, figures)


def is_hypothetical(text: str) -> bool:
    """An example made up to explain something: ``Suppose…``, ``Imagine…``, ``If you…``,
    ``假设…``, ``如果你…``; its figures are not facts."""
    return _HYPOTHETICAL.search(text[:60]) is not None


def is_question(text: str) -> bool:
    """A question asks; it does not state (``Can 2 people share a desk?``, a quoted
    ``“Has it ever occurred to you …?”``). A statement that ends on a question it
    quotes (``… asked myself: “Would I …?”``) is not one."""
    if _QUESTION.search(text) is None:
        return False
    if text.lstrip()[:1] in "“「『‘\"'":
        return True
    return not any(q in text for q in _OPENING_QUOTES)


_OPENING_QUOTES = ("“", "「", "『", "‘", ' "', ': "', '："')


def _states(text: str, f, at: int) -> bool:
    unit = f.unit or "number"
    raw = f.raw
    if unit == "ordinal":
        # "the 20th year in a row", "75周年" count; "第23条" names a part of a text
        return (
            f.value >= 10 and not _PART_LABEL.search(raw) and not (at >= 0 and _NAME_AFTER.match(text[at + len(raw) :]))
        )
    if _ONE_MOMENT.match(raw) and (at < 0 or not _DURATION_BEFORE.search(text[max(0, at - 20) : at])):
        return False  # "until one day I saw …"
    if at >= 0:
        before = text[max(0, at - 40) : at]  # (the patterns look back at most this far)
        if LABEL_BEFORE.search(before) or _DATE_FIELD.search(before):
            return False  # "location: 4312", "Date:: March 25th, 2021"
        after = text[at + len(raw) :]
        if _NAME_AFTER.match(after):
            return False  # "the 228 incident", "the Eleventh Edition"
        if (
            unit in ("number", "count")
            and raw.isdigit()
            and len(raw) <= 2
            and after[:1] == ")"
            and (before[-1:] in " (" or not at)
        ):
            return False  # "over 1) investments and 2) blind spots"
        if _footnote(text, at, at + len(raw)):
            return False
        if not text[:at].strip() and _LIST_MARKER.match(text[at:] + " ") and unit in ("number", "count"):
            return False  # "3. …" opening a sentence: a list number
    if unit == "times" and _small_word(raw.split()[0] if raw.split() else raw):
        return False  # "three times", "两倍" in passing
    if unit in ("number", "count"):
        if _VAGUE.search(raw):
            return False  # "hundreds of", "几十"
        if f.value == int(f.value) and f.value < 10 and (raw[:1].isdigit() or _small_word(raw)):
            return False  # "two companies", "3 options", "兩家"
        if _small_word(raw):
            return False  # "eleven", "十二个", "a dozen"
    elif unit not in _PRECISE_KINDS and _VAGUE.search(raw) and not any(c.isdigit() for c in raw):
        return False  # "几十年", "thousands of years"
    return True


def _small_word(raw: str) -> bool:
    """A count or number written with one small number word (``two``, ``三个``, ``兩家``)."""
    if len(raw) > 16:
        return False
    word = _APPROX_WORDS.sub("", raw.lower()).strip()
    if word in _SMALL_WORDS:
        return True
    # Chinese: the numeral before its measure word
    return word.rstrip(_MEASURE_WORDS) in _SMALL_WORDS


_APPROX_WORDS = re.compile(r"^(?:about|around|some|nearly|almost|over)\s+")
_MEASURE_WORDS = (
    "个個名位家人台颗顆粒枚棵块塊件次届屆条條款项項只隻头頭本部辆輛座所户戶张張篇首份架艘场場间間种種批笔筆"
)


def _footnote(text: str, start: int, end: int) -> bool:
    """A footnote or reference marker: ``[3]``, ``\\[4\\]``, or digits glued to the word,
    full stop or quote before them (``concentration15``, ``listening.”39``)."""
    before = text[max(0, start - 2) : start]
    after = text[end : end + 2]
    if before.endswith(("[", "\\[")) and after.startswith(("]", "\\]")):
        return True
    if start > 0 and text[start].isdigit():
        prev = text[start - 1]
        if prev.isalpha() and prev.isascii() or prev in '.”"’)':
            return True
    return False
