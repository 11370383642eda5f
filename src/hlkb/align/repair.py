"""Repairs of known copy artifacts in the Chinese text; every repair is reported.

1. Pinyin copy artifacts: a character followed by its own reading in ASCII parentheses
   (``規(guī)模`` -> ``規模``), left over from ruby annotations. The annotation is removed only
   when pypinyin confirms it is a reading of that character, so a genuine note such as
   ``中文(zhōngwén)`` or ``行(xyz)`` survives.
2. GBK lead-byte mojibake: a GBK byte stream that lost one lead byte decodes shifted by a
   byte; the lost byte shows as ``?`` and the following characters are wrong pairs until a
   trail byte happens to be an ASCII letter (``應對?!盠evine`` for ``應對。”Levine``). It is
   undone by re-pairing the bytes with each possible lead byte; it is repaired only when
   exactly one lead byte yields Chinese punctuation, and otherwise flagged (kind "flag").
"""

from __future__ import annotations

import re
import unicodedata

from hlkb.lang import HAN_CLASS, to_simplified
from hlkb.model import Repair

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
_PINYIN_NOTE = re.compile(f"([{HAN_CLASS}])\\(([a-z{_TONED}]{{1,7}})\\)")
# '?' standing for a lost lead byte, then shifted pairs, the last one ending in an ASCII
# letter that is really the first letter of the next (Latin) word.
_MOJIBAKE = re.compile(f"\\?([^\\sA-Za-z0-9{HAN_CLASS}]{{0,4}}[{HAN_CLASS}\ue000-\uf8ff]{{1,4}}?)(?=[a-z])")
# Punctuation that commonly follows Chinese text: what a lost A1-row lead byte hides.
_CJK_PUNCT = set("。，、；：？！…—「」『』“”‘’（）《》〈〉·")

_pinyin_cache: dict[str, set[str]] = {}


def _strip_tone(s: str) -> str:
    s = unicodedata.normalize("NFD", s.replace("ü", "v"))
    return "".join(ch for ch in s if not unicodedata.combining(ch)).replace("u\u0308", "v")


def readings(char: str) -> set[str]:
    """All toned readings of a character (and of its Simplified form), per pypinyin."""
    if char not in _pinyin_cache:
        from pypinyin import Style, pinyin

        forms = {char}
        simplified = to_simplified(char)
        forms.add(simplified)
        out: set[str] = set()
        for form in forms:
            for group in pinyin(form, style=Style.TONE, heteronym=True, errors="ignore"):
                out.update(group)
        _pinyin_cache[char] = out
    return _pinyin_cache[char]


def is_reading(char: str, note: str) -> bool:
    found = readings(char)
    if note in found:
        return True
    plain = _strip_tone(note)
    # An annotation without tone marks still names the syllable exactly.
    return note == plain and plain in {_strip_tone(r) for r in found}


def _repair_pinyin(text: str, line: int, repairs: list[Repair]) -> str:
    def fix(m: re.Match) -> str:
        if is_reading(m.group(1), m.group(2)):
            repairs.append(Repair(line, m.group(0), m.group(1), "pinyin"))
            return m.group(1)
        return m.group(0)

    if "(" not in text:
        return text
    return _PINYIN_NOTE.sub(fix, text)


def _fullwidth(ch: str) -> str:
    """ASCII punctuation back to the full-width form it was normalised from."""
    return chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch


def undo_lead_byte_loss(shifted: str) -> list[str] | None:
    """Every reading of ``shifted`` with one lost lead byte restored that yields only
    Chinese punctuation, followed by the ASCII letter the last trail byte was.
    None when ``shifted`` does not even have the signature of a lost lead byte."""
    try:
        raw = "".join(_fullwidth(ch) for ch in shifted).encode("gbk")
    except UnicodeEncodeError:
        return None
    if len(raw) % 2 or not (0x41 <= raw[-1] <= 0x7A and chr(raw[-1]).isalpha()):
        return None
    results = []
    for lead in range(0x81, 0xFF):
        try:
            decoded = (bytes([lead]) + raw).decode("gbk")
        except UnicodeDecodeError:
            continue
        body, last = decoded[:-1], decoded[-1]
        if body and all(ch in _CJK_PUNCT for ch in body) and last.isascii() and last.isalpha():
            results.append(decoded)
    return results


def _repair_mojibake(text: str, line: int, repairs: list[Repair]) -> str:
    def fix(m: re.Match) -> str:
        options = undo_lead_byte_loss(m.group(1))
        if options is None:
            return m.group(0)
        if len(options) == 1:
            repairs.append(Repair(line, m.group(0), options[0], "mojibake"))
            return options[0]
        repairs.append(Repair(line, m.group(0), m.group(0), "flag"))
        return m.group(0)

    if "?" not in text:
        return text
    return _MOJIBAKE.sub(fix, text)


def repair_text(text: str, first_line: int) -> tuple[str, list[Repair]]:
    """Repair a Chinese paragraph line by line; returns the text and its repairs."""
    repairs: list[Repair] = []
    out = []
    for k, line in enumerate(text.split("\n")):
        line = _repair_mojibake(line, first_line + k, repairs)
        line = _repair_pinyin(line, first_line + k, repairs)
        out.append(line)
    return "\n".join(out), repairs
