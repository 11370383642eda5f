"""Values of Chinese numerals (一百萬, 兩千五百, 二〇二四, 叁拾), Traditional or Simplified.

Everyday positional numerals are read here; the rest go through cn2an (after OpenCC's
Traditional-to-Simplified conversion), both imported only when a numeral needs them.
"""

from __future__ import annotations

import warnings
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from hlkb.lang import to_simplified

__all__ = ["chinese_numeral_value", "DIGIT_CHARS", "NUMERAL_CHARS"]

DIGIT_CHARS = "〇○零一二两兩三四五六七八九"
NUMERAL_CHARS = DIGIT_CHARS + "十拾百佰千仟万萬亿億壹贰貳叁參肆伍陆陸柒捌玖"
_DIGIT = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "兩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


@lru_cache(maxsize=4096)
def chinese_numeral_value(numeral: str) -> Decimal | None:
    """Value of a run of Chinese numerals (Traditional or Simplified), or None.

    Digit-by-digit years (二〇二四, 一九九六, 二○○○ with U+25CB as zero) are read digit
    by digit; positional numerals (十五, 一百萬, 兩千) go through cn2an after OpenCC's
    Traditional-to-Simplified conversion. cn2an raises (and may warn) on odd input;
    both are contained here and the numeral is simply not a figure.
    """
    s = numeral.replace("○", "〇")
    if len(s) >= 2 and all(c in "〇零一二三四五六七八九" for c in s) and not s.startswith("零"):
        return Decimal("".join(str(_DIGIT[c]) for c in s))
    simplified = _to_simplified(s)
    fast = _positional_value(simplified)
    if fast is not None:
        return Decimal(fast)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import cn2an  # imported here: it costs ~0.3 s and most texts never need it

            value = cn2an.cn2an(simplified, "normal")
    except Exception:
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


# the digits of a positional numeral once simplified: 兩 is 两 and ○ is 〇 by then
_POSITIONAL_DIGITS = {c: v for c, v in _DIGIT.items() if c not in "兩○"}
_POSITIONAL_UNITS = {"十": 10, "百": 100, "千": 1000}


def _positional_value(s: str) -> int | None:
    """Everyday positional numerals (十五, 三百零二, 一百万, 两千五百亿) without cn2an, whose
    import and regex compilation cost ~0.3 s per process; None for anything else (cn2an
    then decides: financial forms, 幺, odd spellings)."""
    total = wan = section = 0
    number: int | None = None
    for c in s:
        if c in _POSITIONAL_DIGITS:
            if number is not None and number != 0 and _POSITIONAL_DIGITS[c] != 0:
                return None  # "一二": digits side by side are not positional
            number = _POSITIONAL_DIGITS[c]
        elif c in _POSITIONAL_UNITS:
            if number is None:
                if c != "十" or section or wan or total:
                    return None  # only a leading 十 may stand alone (十五 = 15)
                number = 1
            if number == 0:
                return None
            section += number * _POSITIONAL_UNITS[c]
            number = None
        elif c == "万":
            part = section + (number or 0)
            if not part:
                return None
            wan, section, number = part * 10_000, 0, None
        elif c == "亿":
            part = wan + section + (number or 0)
            if not part:
                return None
            total, wan, section, number = (total + part) * 100_000_000, 0, 0, None
        else:
            return None
    value = total + wan + section + (number or 0)
    return value if value or s in ("零", "〇") else None


_T2S_NUMERAL = str.maketrans({"萬": "万", "億": "亿", "兩": "两", "貳": "贰", "參": "叁", "陸": "陆"})


def _to_simplified(s: str) -> str:
    quick = s.translate(_T2S_NUMERAL)
    if all(c in NUMERAL_CHARS for c in quick) and not any(c in "拾佰仟" for c in quick):
        return quick  # every character is already known to cn2an; skip OpenCC
    return to_simplified(s)
