"""Language of a piece of note text: ``en``, ``zh``, ``mixed`` or ``other``.

Counting is by weight, not by character: one Chinese character carries about as much as
a short English word, so Latin letters count a quarter each. Anything else (Hangul, kana,
Cyrillic, emoji-only text) is ``other`` when it dominates.
"""

from __future__ import annotations

import re

# A share at or above this makes the text that language; below it on both sides is "mixed".
_DOMINANT = 0.8
_LATIN_WEIGHT = 0.25


_CJK_RANGES = "\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\U00020000-\U0002fa1f"
_LATIN_RANGES = "a-zA-Z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
_CJK = re.compile(f"[{_CJK_RANGES}]")
_LATIN = re.compile(f"[{_LATIN_RANGES}]")
# Letters of any other script (Hangul, kana, Cyrillic, …): word characters minus digits,
# underscore, CJK and Latin.
_OTHER = re.compile(f"[^\\W\\d_{_CJK_RANGES}{_LATIN_RANGES}]")


def detect_lang(text: str) -> str:
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    other = len(_OTHER.findall(text))
    zh_w, en_w, other_w = float(cjk), latin * _LATIN_WEIGHT, other * 0.5
    total = zh_w + en_w + other_w
    if total == 0:
        return "other"
    if zh_w / total >= _DOMINANT:
        return "zh"
    if en_w / total >= _DOMINANT:
        return "en"
    if other_w / total >= 0.5:
        return "other"
    if zh_w and en_w:
        return "mixed"
    return "zh" if zh_w > en_w else "en"
