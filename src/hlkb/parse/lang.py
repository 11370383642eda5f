"""Language of a piece of note text: ``en``, ``zh``, ``mixed`` or ``other``.

Counting is by weight, not by character: one Chinese character carries about as much as
a short English word, so Latin letters count a quarter each. Anything else (Hangul, kana,
Cyrillic, emoji-only text) is ``other`` when it dominates.
"""

from __future__ import annotations

# A share at or above this makes the text that language; below it on both sides is "mixed".
_DOMINANT = 0.8
_LATIN_WEIGHT = 0.25


def _is_cjk(code: int) -> bool:
    return (0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF
            or 0x20000 <= code <= 0x2FA1F)


def detect_lang(text: str) -> str:
    cjk = latin = other = 0
    for ch in text:
        code = ord(ch)
        if code < 128:
            if ch.isalpha():
                latin += 1
        elif _is_cjk(code):
            cjk += 1
        elif ch.isalpha():
            if code <= 0x024F:   # Latin-1 supplement and Latin Extended (café, naïve)
                latin += 1
            else:
                other += 1
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
