"""Figures (numbers with their units) in English and Chinese text.

``extract_figures(text, lang)`` finds money, percentages, counts, ages, calendar years,
durations, distances, ratios and ordinals, and normalises each to a value and a unit
from one small vocabulary shared by both languages, so that ``$67 billion`` and
``670億美元`` compare equal (value 67e9, unit ``USD``).

Unit vocabulary: ``USD CNY EUR GBP JPY HKD TWD`` (money, value in whole units),
``percent``, ``year`` (a calendar year), ``age``, ``years month week day hour minute
second`` (durations), ``mile km`` (distances), ``times`` (ratios), ``ordinal``,
``count`` (a number of things) and ``number`` (a bare number).

Values are computed with Decimal and then turned into floats, so that ``6.03億`` is
exactly 603000000 and equal figures compare equal with ``==``.

It runs on every paragraph during indexing: patterns are compiled once, texts with no
digit, Chinese numeral or English number word are skipped by one regex search, and
Chinese numerals are converted through a small cache (hlkb.claims.zh_numerals).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from decimal import Decimal, InvalidOperation
from typing import Any

from hlkb.claims.wordtrie import trie_pattern
from hlkb.claims.zh_numerals import DIGIT_CHARS as _ZH_DIGIT_CHARS
from hlkb.claims.zh_numerals import NUMERAL_CHARS as _ZH_NUMERAL_CHARS
from hlkb.claims.zh_numerals import _positional_value, chinese_numeral_value  # noqa: F401 (tests import both from here)
from hlkb.lang import has_han as _has_han
from hlkb.model import Figure

__all__ = ["extract_figures", "may_have_figures", "UNIT_KINDS", "compatible_units", "values_match"]

# Units that compare with anything (a bare number) or with each other.
UNIT_KINDS = {
    "USD": "money",
    "CNY": "money",
    "EUR": "money",
    "GBP": "money",
    "JPY": "money",
    "HKD": "money",
    "TWD": "money",
    "percent": "percent",
    "year": "year",
    "age": "age",
    "years": "duration",
    "month": "duration",
    "week": "duration",
    "day": "duration",
    "hour": "duration",
    "minute": "duration",
    "second": "duration",
    "mile": "distance",
    "km": "distance",
    "times": "times",
    "ordinal": "ordinal",
    "count": "count",
    "number": "number",
}


def compatible_units(a: str | None, b: str | None) -> bool:
    """Can a figure in unit ``a`` be the translation of one in unit ``b``?

    Equal units always; a bare number with anything (translators drop or add units);
    so ``Article 146`` / ``第146条`` compare, and a count with an age (``at 30`` /
    ``三十岁``), but a count never with an ordinal (``second`` / ``两人``). Different kinds (miles and
    kilometres, dollars and yuan) are not comparable: such figures stay unverified.
    """
    a = a or "number"
    b = b or "number"
    return a == b or a == "number" or b == "number" or {a, b} == {"count", "age"}


def values_match(a: Figure, b: Figure) -> bool:
    """Equal values; when either side is approximate, within 25%."""
    if a.value == b.value:
        return True
    if a.approx or b.approx:
        hi = max(abs(a.value), abs(b.value))
        return hi > 0 and abs(a.value - b.value) <= 0.25 * hi
    return False


# --------------------------------------------------------------------------- English

_EN_SMALL = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "dozen": 12,
}
_EN_SCALE = {
    "hundred": 10**2,
    "thousand": 10**3,
    "million": 10**6,
    "billion": 10**9,
    "trillion": 10**12,
    "bn": 10**9,
    "m": 10**6,
    "k": 10**3,
    "mn": 10**6,
}
_EN_ORDINAL_WORDS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
}
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|"
    "december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)

_WORD = "(?:" + "|".join(sorted((w for w in _EN_SMALL), key=len, reverse=True)) + ")"
_WORDNUM = rf"{_WORD}(?:[- ]{_WORD})*(?:\s+(?:hundred|thousand|million|billion|trillion)(?:\s+(?:and\s+)?{_WORD}(?:[- ]{_WORD})*)?)*"
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"

_EN_APPROX = (
    r"more than|over|about|around|nearly|almost|roughly|approximately|at least|"
    r"less than|fewer than|under|up to|close to|some|an estimated|no more than|"
    r"at most|upwards of|a few|several"
)

_EN_UNIT = {
    "%": "percent",
    "percent": "percent",
    "per cent": "percent",
    "pct": "percent",
    "percentage points": "percent",
    "dollars": "USD",
    "dollar": "USD",
    "yuan": "CNY",
    "renminbi": "CNY",
    "rmb": "CNY",
    "euros": "EUR",
    "euro": "EUR",
    "year-old": "age",
    "years old": "age",
    "year old": "age",
    "years-old": "age",
    "years": "years",
    "year": "years",
    "months": "month",
    "month": "month",
    "weeks": "week",
    "week": "week",
    "days": "day",
    "day": "day",
    "hours": "hour",
    "hour": "hour",
    "hrs": "hour",
    "minutes": "minute",
    "minute": "minute",
    "mins": "minute",
    "seconds": "second",
    "second": "second",
    "secs": "second",
    "miles": "mile",
    "mile": "mile",
    "km": "km",
    "kilometers": "km",
    "kilometres": "km",
    "kilometer": "km",
    "kilometre": "km",
    "times": "times",
    "fold": "times",
    "cents": "cent",
    "cent": "cent",
    "¢": "cent",
}
_EN_UNIT_RE = "|".join(re.escape(u) for u in sorted(_EN_UNIT, key=len, reverse=True))
_EN_CURRENCY = {"$": "USD", "us$": "USD", "hk$": "HKD", "nt$": "TWD", "€": "EUR", "£": "GBP", "¥": "CNY", "rmb": "CNY"}

_EN_FIGURE = re.compile(
    rf"(?<![\w.$:])(?:(?P<approx>{_EN_APPROX})\s+)?"
    rf"(?:(?P<cur>US\$|HK\$|NT\$|\$|€|£|¥|RMB\s?)\s?)?"
    rf"(?:(?P<a>an?)\s+(?=(?:hundred|thousand|million|billion|trillion|dozen)\b))?"
    rf"(?P<num>{_DIGITS}|{_WORDNUM}|(?:(?<=a )|(?<=few )|(?<=several ))(?:hundred|thousand|million|billion|trillion)|(?:hundreds|thousands|millions|billions)(?=\s+of\b))"
    rf"(?P<ord>st|nd|rd|th)?"
    rf"(?:\s?(?P<scale>thousand|million|billion|trillion|bn|mn|m|k)\b)?"
    rf"(?P<plus>\+)?"
    rf"(?:(?P<usep>[\s-]?|\s+more\s+)(?P<unit>{_EN_UNIT_RE})(?![a-z]))?"
    rf"(?P<of>\s+of\b(?:\s+(?P<ofunit>{_EN_UNIT_RE})(?![a-z]))?)?",
    re.IGNORECASE,
)
_EN_ORDINAL = re.compile(
    rf"\b(?:the|a|its|his|her|their|our|my|this|for the)\s+(?P<w>{'|'.join(_EN_ORDINAL_WORDS)})\b",
    re.IGNORECASE,
)
_EN_A_MONEY = re.compile(r"\ban? (dollar|cent|penny)\b(?!-)", re.IGNORECASE)
_MONTH_BEFORE = re.compile(rf"\b(?:{_MONTHS})\.?\s*$", re.IGNORECASE)
_MONTH_AFTER = re.compile(rf"^\s*(?:of\s+)?(?:{_MONTHS})\b", re.IGNORECASE)
_NOUN_AFTER = re.compile(
    r"^\s+(?!(?:and|or|to|of|in|on|at|by|for|the|a|an|is|was|are|were|from|with|as|than)\b)[A-Za-z]"
)
_WORD_SEPARATOR = re.compile(r"[\s-]+")
_CLAUSE_END = re.compile(r"^\s*(?:[,.;)]|$)")  # "a second." is a time, not an ordinal
_LATIN_OR_SIGN = re.compile(r"[0-9A-Za-z$€£¥¢]")
_CLOCK_OR_CODE = re.compile(r"^[:/]\d|^[A-Za-z_]\w*\(|^\.\d")
_ISO_DATE_PART = re.compile(r"\d{4}-(?:\d{1,2}-)?$")
_EN_DECADE = re.compile(r"(?<![\w$])(?:(?:early|mid|late)[- ])?(?P<y>1[0-9]\d0|20\d0)'?s\b", re.IGNORECASE)
_AGE_BEFORE = re.compile(r"\b(?:age of|aged|ages of)\s+$", re.IGNORECASE)


def _en_words_value(words: str) -> Decimal | None:
    """'twenty-five' -> 25, 'three hundred' -> 300, 'two million' -> 2000000."""
    total = Decimal(0)
    current = Decimal(0)
    seen = False
    for tok in _WORD_SEPARATOR.split(words.lower()):
        if not tok or tok == "and":
            continue
        if tok in _EN_SMALL:
            current += _EN_SMALL[tok]
            seen = True
        elif tok in _EN_SCALE and tok not in ("m", "k", "bn", "mn"):
            scale = _EN_SCALE[tok]
            current = (current or Decimal(1)) * scale
            if scale >= 1000:
                total += current
                current = Decimal(0)
            seen = True
        else:
            return None
    return total + current if seen else None


def _digits_value(num: str) -> Decimal | None:
    try:
        return Decimal(num.replace(",", ""))
    except InvalidOperation:
        return None


def _footnote_marker(text: str, start: int, end: int) -> bool:
    """The digits at ``start:end`` are a note marker in brackets: ``[3]``, ``\\[3\\]``."""
    return text[max(0, start - 2) : start].endswith(("[", "\\[")) and text[end : end + 2].startswith(("]", "\\]"))


def _extract_en(text: str) -> list[tuple[int, Figure]]:
    found: list[tuple[int, Figure]] = []
    if not _LATIN_OR_SIGN.search(text):
        return found  # every pattern below needs a digit, a sign or a Latin letter
    decade_spans = []
    if "0s" in text or "0's" in text:
        for m in _EN_DECADE.finditer(text):
            # "the 1990s", "mid-2000s", "late 1960's": a decade, a year that stands for ten
            found.append(
                (m.start(), Figure(raw=m.group(0), value=float(m.group("y")), unit="year", approx=True, lang="en"))
            )
            decade_spans.append(m.span())
    for m in _anchored_matches(text, _EN_FIGURE, _en_starts(text)):
        num = m.group("num")
        if not num:
            continue
        start, end = m.start(), m.end()
        is_digits = num[0].isdigit() or num[0] == "."
        core_end = m.start("of") if m.group("of") else end
        before, after = text[max(0, start - 12) : start], text[core_end : core_end + 12]
        if is_digits:
            value = _digits_value(num)
            # Clock times, version numbers, identifiers: not figures.
            if _CLOCK_OR_CODE.match(text[m.end("num") : m.end("num") + 3]) and not m.group("unit"):
                continue
            if (
                start > 0
                and text[start - 1] in "#@/-_"
                and not m.group("cur")
                and not (
                    text[start - 1] in "-–"
                    and start > 1
                    and text[start - 2].isdigit()
                    and not _ISO_DATE_PART.search(text, 0, start)
                )
            ):
                continue  # (but "10-15%" is a range: its second end counts; not 2024-10-17)
            if any(a <= start < b for a, b in decade_spans):
                continue
            if len(num) > 1 and num[0] == "0" and num[1] != "." and not m.group("unit") and not m.group("cur"):
                continue  # "01", "007": numbering and codes
            # "(1)", "(2)" list numbering: not a figure.
            if start > 0 and text[start - 1] == "(" and text[m.end("num") : m.end("num") + 1] == ")" and len(num) <= 2:
                continue
            if _footnote_marker(text, start, m.end("num")):
                continue  # "[3]", "\[3\]": a note's number
        elif num.lower().endswith("s") and num.lower()[:-1] in _EN_SCALE:
            value = Decimal(_EN_SCALE[num.lower()[:-1]])  # "millions of": that order, roughly
        else:
            value = _en_words_value(num)
        if value is None:
            continue
        unit: str | None = None
        approx = bool(m.group("approx")) or bool(m.group("plus"))
        if m.group("ord"):
            if not is_digits:
                continue
            # "July 22nd" is a date, "the 75th anniversary" an ordinal.
            if _MONTH_BEFORE.search(before) or _MONTH_AFTER.match(after):
                continue
            unit = "ordinal"
        scale = m.group("scale")
        if scale:
            value *= _EN_SCALE[scale.lower()]
        elif not is_digits and num.lower().endswith("s"):
            approx = True
        cur = m.group("cur")
        unit_word = (m.group("unit") or "").lower()
        if not unit_word and m.group("ofunit") and not is_digits:
            unit_word = m.group("ofunit").lower()  # "thousands of miles", "hundreds of years"
        if unit_word and unit is None:
            unit = _EN_UNIT[unit_word]
            if unit == "cent":
                value = value / 100
                unit = "USD"
        if cur:
            unit = _EN_CURRENCY.get(cur.strip().lower(), "USD")
        if unit is None and _AGE_BEFORE.search(before):
            unit = "age"  # "at the age of six", "aged 30"
        if unit is None:
            if (
                is_digits
                and not scale
                and "," not in num
                and "." not in num
                and len(num) == 4
                and 1000 <= value <= 2100
                and not m.group("approx")
            ):
                unit = "year"
            elif is_digits and not scale and (_MONTH_BEFORE.search(before) or _MONTH_AFTER.match(after)):
                continue  # the day of a date ("30 August", "August 30")
            elif _NOUN_AFTER.match(after) or scale or (m.group("of") and not is_digits):
                unit = "count"
            else:
                unit = "number"
        if not is_digits:
            words = num.lower()
            if words in ("one", "zero") and unit in ("number", "count"):
                continue  # "one of the", "no one": too common to be a figure
        raw = text[start:end]
        if m.group("of"):
            raw = raw[: m.start("of") - start]
        if m.group("approx") and m.group("approx").lower() in ("a few", "several"):
            approx = True
        found.append((start, Figure(raw=raw.strip(), value=float(value), unit=unit, approx=approx, lang="en")))
    for m in _EN_A_MONEY.finditer(text):
        dollars = 1.0 if m.group(1).lower() == "dollar" else 0.01
        found.append((m.start(), Figure(raw=m.group(0), value=dollars, unit="USD", lang="en")))
    for m in _EN_ORDINAL.finditer(text):
        after = text[m.end() : m.end() + 12]
        if m.group("w").lower() == "second" and _CLAUSE_END.match(after):
            continue
        found.append(
            (
                m.start("w"),
                Figure(
                    raw=m.group("w"), value=float(_EN_ORDINAL_WORDS[m.group("w").lower()]), unit="ordinal", lang="en"
                ),
            )
        )
    return found


# --------------------------------------------------------------------------- Chinese

_ZH_SCALE = {"十": 10, "百": 10**2, "千": 10**3, "万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8, "兆": 10**12}

# Units after a number; longest first. Values: (unit, multiplier).
_ZH_UNIT: dict[str, tuple[str, Any]] = {
    "美元": ("USD", 1),
    "美金": ("USD", 1),
    "美分": ("USD", Decimal("0.01")),
    "港元": ("HKD", 1),
    "港币": ("HKD", 1),
    "港幣": ("HKD", 1),
    "欧元": ("EUR", 1),
    "歐元": ("EUR", 1),
    "英镑": ("GBP", 1),
    "英鎊": ("GBP", 1),
    "日元": ("JPY", 1),
    "日圓": ("JPY", 1),
    "日圆": ("JPY", 1),
    "新台币": ("TWD", 1),
    "新台幣": ("TWD", 1),
    "台币": ("TWD", 1),
    "台幣": ("TWD", 1),
    "人民币": ("CNY", 1),
    "人民幣": ("CNY", 1),
    "块钱": ("CNY", 1),
    "塊錢": ("CNY", 1),
    "元": ("CNY", 1),
    "%": ("percent", 1),
    "％": ("percent", 1),
    "个百分点": ("percent", 1),
    "個百分點": ("percent", 1),
    "岁": ("age", 1),
    "歲": ("age", 1),
    "周岁": ("age", 1),
    "週歲": ("age", 1),
    "年": ("years", 1),
    "个月": ("month", 1),
    "個月": ("month", 1),
    "周年": ("ordinal", 1),
    "週年": ("ordinal", 1),
    "周": ("week", 1),
    "週": ("week", 1),
    "个星期": ("week", 1),
    "個星期": ("week", 1),
    "星期": ("week", 1),
    "天": ("day", 1),
    "个小时": ("hour", 1),
    "個小時": ("hour", 1),
    "小时": ("hour", 1),
    "小時": ("hour", 1),
    "个钟头": ("hour", 1),
    "個鐘頭": ("hour", 1),
    "钟头": ("hour", 1),
    "鐘頭": ("hour", 1),
    "分钟": ("minute", 1),
    "分鐘": ("minute", 1),
    "秒钟": ("second", 1),
    "秒鐘": ("second", 1),
    "秒": ("second", 1),
    "英里": ("mile", 1),
    "公里": ("km", 1),
    "千米": ("km", 1),
    "倍": ("times", 1),
}
# Measure words: a count of things.
_ZH_MEASURE = "个個名位家人台颗顆粒枚棵块塊件次届屆条條款项項只隻头頭本部辆輛座所户戶张張篇首份架艘场場间間种種批笔筆"
# The unit words as a trie (wordtrie): one branch per first character instead of 58
# alternatives tried one by one at each numeral. It matches the same word: everything
# after the unit is optional, so nothing backtracks into it, and both forms take the
# longest word there (longest first in the list; in the trie each optional rest is greedy).
_ZH_UNIT_RE = trie_pattern(_ZH_UNIT)

_ZH_APPROX_PRE = r"大约|大約|(?<![条條契公合节節预預制盟])约|(?<![条條契公合节節预預制盟])約|逾|超过|超過|将近|將近|接近|近|不到|不足|不超过|不超過|至少|多达|多達|高达|高達|数|數|几|幾|大概|不过|不過"
# The same words as a trie, 约/約 with their look-behind apart: no word is a prefix of
# another, so at any position at most one of them matches, whichever the order.
_ZH_APPROX_PRE_RE = (
    trie_pattern(w for w in _ZH_APPROX_PRE.split("|") if not w.startswith("(?"))
    + "|(?<![条條契公合节節预預制盟])[约約]"
)
_ZH_FIGURE = re.compile(
    rf"(?P<pre>{_ZH_APPROX_PRE_RE})?"
    rf"(?P<di>第)?"
    rf"(?P<pct>百分之)?"
    rf"(?:(?P<arabic>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)\s?(?P<ascale>(?:[十百千万萬亿億兆]|万亿|萬億)(?![十百千万萬亿億兆]*[{_ZH_DIGIT_CHARS}]))?"
    rf"|(?P<cn>[{_ZH_NUMERAL_CHARS}]+))"
    rf"(?P<post>多|余|餘|几|幾|来|來)?"
    rf"\s?(?P<unit>{_ZH_UNIT_RE}|[{_ZH_MEASURE}])?"
    rf"(?P<post2>左右|以上|上下)?"
)
_ZH_NOT_ONE_BEFORE = frozenset("有这這那某每同当當哪另任的")
_ZH_TIME_WORDS = frozenset("天 年 日 夜 晚 周 週 星期 个星期 個星期 个月 個月 小时 小時 刻 次 回".split())
_ZH_YUAN_WORD_NEXT = frozenset("化素旦首老气氣件宵月朝代帅帥音")

# Idioms and set phrases whose numerals are not figures (万家灯火, 一带一路, 千载 …).
_ZH_IDIOM = re.compile(
    r"万家|萬家|千载|千載|九曲|一带一路|一帶一路|一些|一起|一直|一样|一樣|一般|一定|一切|一致|一同|一旦|一再|"
    r"一度|一方面|一边|一邊|一下|一点|一點|一时|一時|一向|一律|统一|統一|唯一|之一|万一|萬一|十分(?![钟鐘])|千万|千萬|"
    r"一一|三三两两|四季|五湖四海|一步|一路|一道|一体|一體|一心|一流|一线|一線|一生|一口|一面|一种|一種|一次性"
)


def _extract_zh(text: str) -> list[tuple[int, Figure]]:
    found: list[tuple[int, Figure]] = []
    for m in _zh_matches(text):
        arabic, cn, unit_word, pre, post = m.group("arabic", "cn", "unit", "pre", "post")
        pre = pre or ""
        post = post or ""
        start, end = m.span()
        next_char = text[end : end + 1]
        if arabic:
            if _footnote_marker(text, start, m.end("arabic")):
                continue  # "[3]", "\[3\]": a note's number
            before = text[max(0, start - 1) : start]
            # Inside a Latin token (C919, 0x1F, v2): not a figure.
            if before and (before.isascii() and (before.isalnum() or before in "._-/#")):
                continue
            if next_char.isascii() and next_char.isalpha() and not m.group("ascale") and not unit_word:
                continue
            if len(arabic) > 1 and arabic[0] == "0" and arabic[1] != "." and not unit_word:
                continue  # "01", "02": section numbering, not a figure
            value = _digits_value(arabic)
            if value is None:
                continue
            ascale = m.group("ascale")
            if ascale:
                for ch in ascale:
                    value *= _ZH_SCALE[ch]
        else:
            # A Chinese numeral is a figure only with a unit, a measure word, 第, 百分之,
            # or a scale; a bare "一" only with money or time. Most numerals in running
            # text are none of these (一 in 一些, 十 in 十分), so this is checked first.
            di = m.group("di")
            digit_run = len(cn) >= 3 and all(c in "〇○零一二三四五六七八九" for c in cn)
            if not (
                unit_word
                or di
                or m.group("pct")
                or next_char in ("至", "到")
                or digit_run
                or (len(cn) >= 2 and any(c in "百千万萬亿億" for c in cn))
            ):
                continue
            if (
                cn in ("一", "壹")
                and not di
                and not (unit_word in _ZH_UNIT and _ZH_UNIT[unit_word][0] not in ("count",))
            ):
                continue
            if (
                cn == "一"
                and not di
                and start > 0
                and text[start - 1] in _ZH_NOT_ONE_BEFORE
                and unit_word in _ZH_TIME_WORDS
            ):
                continue  # 有一天, 这一年, 每一天: "one day", "this year", not a duration
            if (
                pre in ("数", "數", "几", "幾")
                and cn in _ZH_SCALE
                or (pre and cn and cn[0] in "十百千万萬亿億" and pre in ("数", "數", "几", "幾"))
            ):
                value = chinese_numeral_value("一" + cn) if cn[0] in "十百千万萬亿億" else chinese_numeral_value(cn)
            else:
                if cn in ("十", "百", "千", "万", "萬", "亿", "億") and not (unit_word or post):
                    continue  # 百姓, 千年 … a lone scale character is a word, not a figure
                value = chinese_numeral_value("一" + cn if cn[0] in "百千万萬亿億" else cn)
            if value is None:
                continue
            window = text[max(0, start - 2) : end + 3]
            idiom = None if digit_run and unit_word == "年" else _ZH_IDIOM.search(window)  # 一一四五年 is a year
            if idiom:
                # Drop only when the idiom overlaps this numeral.
                i0 = max(0, start - 2) + idiom.start()
                i1 = max(0, start - 2) + idiom.end()
                if i0 < m.end("cn") and i1 > m.start("cn"):
                    continue
        approx = not m.group("di") and (bool(pre) or bool(post) or bool(m.group("post2")))
        unit: str | None = None
        if m.group("pct"):
            unit = "percent"
        elif m.group("di"):
            unit = "ordinal"
        elif unit_word:
            if unit_word == "元" and next_char in _ZH_YUAN_WORD_NEXT:
                continue  # 一元化, 元素, 元旦: a word, not money
            if unit_word in _ZH_UNIT:
                unit, mult = _ZH_UNIT[unit_word]
                if mult != 1:
                    value *= mult
                if unit == "years":
                    digits_only = arabic and "," not in arabic and "." not in arabic and not m.group("ascale")
                    if (digits_only and len(arabic) == 4) or (
                        cn and len(cn) == 4 and "十" not in cn and "百" not in cn
                    ):
                        unit = "year"
                        if next_char == "代":  # 一九八○年代: a decade
                            approx = True
                    elif next_char == "代" and value < 100:  # 九○年代: the nineties
                        unit, approx = "year", True
                        value += 1900
            else:
                unit = "count"
        else:
            if arabic and not m.group("ascale") and next_char in ("月", "日", "号", "號", ":", "："):
                continue  # a date's month or day, or a clock time
            unit = "count" if m.group("ascale") else "number"
        if pre in ("数", "數", "几", "幾"):
            approx = True
        raw = text[start:end]
        found.append((start, Figure(raw=raw.strip(), value=float(value), unit=unit, approx=approx, lang="zh")))
    return found


# ---------------------------------------------------------------- anchored matching
# The figure patterns begin with optional approximation words, so re would try them at
# every position of every paragraph. Instead they are tried only just before an anchor
# (a digit, a currency sign, a number word, a Chinese numeral): a few tries per figure.

EN_NUMBER_WORDS = frozenset(
    list(_EN_SMALL)
    + list(_EN_ORDINAL_WORDS)
    + [
        "hundred",
        "thousand",
        "million",
        "billion",
        "trillion",
        "hundreds",
        "thousands",
        "millions",
        "billions",
        "dollar",
        "cent",
        "penny",
    ]
)
# A number word that is a whole Latin word ("Seven", "seven-year", not "sevens"), any
# case: re.ASCII keeps case folding to A-Z, as the lookarounds' [A-Za-z] mean. (The
# (?=[A-Za-z]) only makes re give up sooner on Chinese text.)
_EN_NUMBER_WORD = rf"(?<![A-Za-z])(?=[A-Za-z])(?:{trie_pattern(EN_NUMBER_WORDS)})(?![A-Za-z])"
_EN_ANCHOR = re.compile(rf"[0-9$€£¥¢]|{_EN_NUMBER_WORD}", re.IGNORECASE | re.ASCII)
_EN_NUMBER_WORD_ANY_CASE = re.compile(_EN_NUMBER_WORD, re.IGNORECASE | re.ASCII)
# The same words in lowercased ASCII text, case-sensitive, which re searches faster: at
# the very start, or after a non-letter the pattern takes first (a class re skips to).
_EN_NUMBER_WORD_LOWER = rf"(?:{trie_pattern(EN_NUMBER_WORDS)})(?![a-z])"
_NUMBER_WORD_AT_START = re.compile(_EN_NUMBER_WORD_LOWER)
_NUMBER_WORD_AFTER_NON_LETTER = re.compile("[^a-z]" + _EN_NUMBER_WORD_LOWER)
_WORD_START = re.compile(r"(?<![A-Za-z])[A-Za-z]")
_ZH_ANCHOR_CHARS = frozenset("0123456789" + _ZH_NUMERAL_CHARS)
_ZH_PRE_MAX = 4  # the longest approximation word before a Chinese figure (不超過)
# The characters a match of _ZH_FIGURE can begin with: the first of an approximation
# word (its look-behind consumes nothing), 第, 百(分之), a numeral or a digit (\d).
_ZH_FIGURE_FIRST = "".join(
    sorted(
        {re.sub(r"^\(\?<!\[[^]]*\]\)", "", word)[0] for word in _ZH_APPROX_PRE.split("|")}
        | set("第百")
        | set(_ZH_NUMERAL_CHARS)
    )
)
_ZH_FIGURE_BEGIN = re.compile(rf"[\d{_ZH_FIGURE_FIRST}]")
_ZH_NUMERAL_SET = frozenset(_ZH_NUMERAL_CHARS)
# What may follow a Chinese numeral in a match of _ZH_FIGURE (more numerals, 多/余/来 …,
# a space, a unit word, a measure word, 左右/以上/上下) or make a lone numeral a figure in
# _extract_zh (至, 到: a range). After any other character a numeral's match ends there.
_ZH_AFTER_NUMERAL = frozenset(
    _ZH_NUMERAL_CHARS + "多余餘几幾来來" + "".join(u[0] for u in _ZH_UNIT) + _ZH_MEASURE + "左以上" + "至到"
)


def _en_starts(text: str):
    """Anchor positions and where a match around each may start (up to three words back)."""
    for m in _EN_ANCHOR.finditer(text):
        a = m.start()
        window_start = max(0, a - 24)
        starts = [w.start() + window_start for w in _WORD_START.finditer(text[window_start:a])][-3:]
        if a > 0 and text[a - 1] in "$€£¥":
            starts.append(a - 1)
        starts.append(a)
        yield a, starts


def _zh_matches(text: str):
    """``_anchored_matches`` for _ZH_FIGURE: around each anchor (a digit or numeral) the
    pattern is tried from the anchor or up to five characters before it, but only where
    it can begin (an approximation word, 第 …; from elsewhere it would only fail). Every
    anchor is such a character, so one scan finds both. A lone numeral that _extract_zh
    would drop is passed over without trying the pattern (see below)."""
    begins = [m.start() for m in _ZH_FIGURE_BEGIN.finditer(text)]
    last_end = 0
    n = len(text)
    for i, a in enumerate(begins):
        if a < last_end or text[a] not in _ZH_ANCHOR_CHARS:
            continue
        lo = bisect_left(begins, max(last_end, a - _ZH_PRE_MAX - 1), 0, i)
        if (
            lo == i
            and text[a] in _ZH_NUMERAL_SET
            and (a + 1 == n or (text[a + 1] not in _ZH_AFTER_NUMERAL and not text[a + 1].isspace()))
        ):
            # The only place a match can start is the numeral itself, and the character
            # after it can neither extend the match nor make it a figure: the match would
            # be this one numeral, which _extract_zh drops. Not tried (most numerals in
            # running text are such: 一 in 一些, 十 in 十分); the next match starts after it.
            last_end = a + 1
            continue
        for s in begins[lo : i + 1]:
            m = _ZH_FIGURE.match(text, s)
            if m and m.end() > a:
                yield m
                last_end = m.end()
                break


def _anchored_matches(text: str, pattern: re.Pattern, anchors):
    """Non-overlapping matches of ``pattern`` that cover an anchor, earliest start first
    (what finditer would give, without trying every position)."""
    last_end = 0
    for a, starts in anchors:
        if a < last_end:
            continue
        for s in starts:
            if s < last_end:
                continue
            m = pattern.match(text, s)
            if m and m.end() > a:
                yield m
                last_end = m.end()
                break


def extract_figures(text: str, lang: str | None = None) -> list[Figure]:
    """Figures in ``text``, in order. ``lang`` "en" or "zh" chooses the reader; None
    reads both (English figures in a Chinese paragraph, such as ``$7 million``, count)."""
    if not text or not _has_numeric(text):
        return []
    found: list[tuple[int, Figure]] = []
    has_han = lang is None and _has_han(text)  # only None asks
    if lang == "zh" or has_han:
        found.extend(_extract_zh(text))
        # Latin-script figures inside Chinese text ($7 million, 60%) when not already read.
        taken = {pos for pos, _ in found}
        for pos, fig in _extract_en(text):
            if not any(abs(pos - t) <= 2 for t in taken) and _is_latin_figure(fig):
                fig.lang = "zh"
                found.append((pos, fig))
    if lang == "en" or (lang is None and not has_han) or (lang not in ("en", "zh", None)):
        found.extend(_extract_en(text))
    if not found:
        return []
    found.sort(key=lambda pf: pf[0])
    figures = _dedupe(found)
    if len(figures) > 1:
        _spread_range_units(text, figures)
    return figures


_RANGE_JOIN = re.compile(r"^\s*(?:to|-|–|—|or|至|到|~|～|或)\s*$")


def _spread_range_units(text: str, figures: list[Figure]) -> None:
    """'three to four years', '三至四年': the unit written once belongs to both ends."""
    pos = 0
    spans = []
    for fig in figures:
        i = text.find(fig.raw, pos)
        spans.append((i, i + len(fig.raw)))
        pos = max(pos, i + 1) if i >= 0 else pos
    for k in range(len(figures) - 1):
        a, b = figures[k], figures[k + 1]
        if (
            a.unit in ("number", "count")
            and b.unit not in ("number", "count", "ordinal")
            and spans[k][0] >= 0
            and spans[k + 1][0] >= 0
            and _RANGE_JOIN.match(text[spans[k][1] : spans[k + 1][0]])
        ):
            a.unit = b.unit


_DIGITISH = re.compile(rf"[0-9{_ZH_NUMERAL_CHARS}]")


def _has_numeric(text: str) -> bool:
    """A digit, a Chinese numeral or an English number word somewhere in ``text``: what
    every figure needs, so ``extract_figures`` finds none in a text without one."""
    if _DIGITISH.search(text):
        return True
    if text.isascii():
        # ASCII text lowercases letter for letter, so the case-sensitive pattern applies.
        lowered = text.lower()
        return (
            _NUMBER_WORD_AT_START.match(lowered) is not None
            or _NUMBER_WORD_AFTER_NON_LETTER.search(lowered) is not None
        )
    return _EN_NUMBER_WORD_ANY_CASE.search(text) is not None


def may_have_figures(text: str) -> bool:
    """False when ``extract_figures`` finds no figure in ``text`` nor in any part of it
    that does not cut a word in two (a sentence of it, say); True says "perhaps"."""
    return bool(text) and _has_numeric(text)


_SIGN_OR_LATIN = re.compile(r"[$€£¢]|[A-Za-z]")


def _is_latin_figure(fig: Figure) -> bool:
    return bool(_SIGN_OR_LATIN.search(fig.raw)) and any(c.isdigit() for c in fig.raw)


def _dedupe(found: list[tuple[int, Figure]]) -> list[Figure]:
    out: list[Figure] = []
    last_end = -1
    for pos, fig in found:
        if pos < last_end:
            continue
        out.append(fig)
        last_end = pos + len(fig.raw)
    return out
