"""Lexical anchors that survive translation: numbers, years, and Latin-script words.

A number the English writes in digits (``2002``, ``45%``) is one a translation keeps: its
absence from the Chinese counts against a pair (``Anchors.written``).

Numbers come from the claims feature's ``hlkb.claims.figures.extract_figures`` (which knows
Chinese units: ``670億`` = 67 billion, ``2萬`` = 20,000). While that module is absent the
fallback reads Arabic-digit numbers with the Chinese myriad units 萬/万 and 億/亿 and the
English scale words; it is deliberately not a full Chinese-numeral parser.
Years written digit by digit in Chinese numerals (二〇一五年) are read here because they
are a spelling of digits, not a number phrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hlkb.align.segment import latin_words
from hlkb.claims.figures import extract_figures  # the claims feature's figure reader

_DIGITS = "〇○零一二三四五六七八九"
_CN_YEAR = re.compile(f"([{_DIGITS}]{{4}})年")
_NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*(萬|万|億|亿|million|billion|trillion|thousand)?", re.IGNORECASE
)
_SCALE = {"萬": 1e4, "万": 1e4, "億": 1e8, "亿": 1e8, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
# Words that start English sentences or are too common to say anything about a pair.
_STOP = frozenset(
    """the a an and or of in on at to for is are was were be it its this that i we you he she they
mr ms mrs dr""".split()
)
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")  # the one-letter words
# bytes.translate table: ASCII letters stay, every other byte becomes a space
_LETTERS_ONLY = bytes(b if chr(b).isascii() and chr(b).isalpha() else 0x20 for b in range(256))


@dataclass
class Anchors:
    numbers: set[float] = field(default_factory=set)
    words: set[str] = field(default_factory=set)  # case-folded Latin words
    # numbers written with two digits or more (2002, 45%): a translation keeps them
    written: set[float] = field(default_factory=set)

    def __or__(self, other: Anchors) -> Anchors:
        return Anchors(self.numbers | other.numbers, self.words | other.words, self.written | other.written)


def _figures(text: str, lang: str) -> list[tuple[float, str]]:
    return [(float(f.value), f.raw) for f in extract_figures(text, lang)]


_TWO_DIGITS = re.compile(r"\d\d")


def _fallback_numbers(text: str) -> list[float]:
    values = []
    for m in _NUMBER.finditer(text):
        whole = float(m.group(1).replace(",", ""))
        if m.group(2):
            whole += float("0." + m.group(2))
        unit = (m.group(3) or "").lower()
        values.append(whole * _SCALE.get(unit, 1.0))
    return values


def _chinese_years(text: str) -> list[float]:
    table = {ch: str(i if i < 10 else 0) for i, ch in enumerate(_DIGITS)}
    table.update({"〇": "0", "○": "0", "零": "0"})
    years = []
    for m in _CN_YEAR.finditer(text):
        digits = "".join(table.get(ch, "") for ch in m.group(1))
        if len(digits) == 4:
            years.append(float(digits))
    return years


def number_anchors(text: str, lang: str) -> tuple[set[float], set[float]]:
    """``Anchors.numbers`` and ``Anchors.written`` of ``text`` (no words: what a pair's
    cost needs of the English when the Chinese names no Latin word)."""
    found = _figures(text, lang)
    if found is None:
        found = [(v, "") for v in _fallback_numbers(text) + (_chinese_years(text) if lang == "zh" else [])]
    nums = {round(v, 6) for v, _ in found if v == v}
    written = {round(v, 6) for v, raw in found if v == v and _TWO_DIGITS.search(raw)}
    return nums, written


def anchors_of(text: str, lang: str) -> Anchors:
    nums, written = number_anchors(text, lang)
    if text.isascii() and "'" not in text and "-" not in text:
        # Here Latin words are just the runs of ASCII letters, and casefold is lower():
        # blank out everything else and split (several times faster than the regex).
        words = set(text.encode().translate(_LETTERS_ONLY).lower().decode().split())
        words -= _ASCII_LETTERS
    else:
        # each distinct word folded once (set() first: prose repeats its words)
        words = {w.casefold() for w in set(latin_words(text)) if len(w) >= 2}
    words -= _STOP
    return Anchors(nums, words, written)
