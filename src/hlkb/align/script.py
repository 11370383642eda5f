"""Traditional or Simplified: decided with OpenCC by which conversion changes the text."""

from __future__ import annotations

import re

from hlkb.lang import HAN_COMMON_CLASS, opencc_converter

# The sample is the Unified block's characters: the ones OpenCC's Traditional/Simplified
# tables are made of (extensions and compatibility ideographs would only dilute the count).
_NOT_HAN = re.compile(f"[^{HAN_COMMON_CLASS}]+")


def zh_script(text: str) -> str | None:
    """ "hant" when converting to Simplified changes more characters than converting to
    Traditional does, "hans" otherwise; None for text without Chinese characters."""
    sample = _NOT_HAN.sub("", text)[:4000]
    if not sample:
        return None
    changed_by_t2s = _changed(sample, opencc_converter("t2s").convert(sample))
    if not changed_by_t2s:
        return "hans"  # 0 > changed_by_s2t never holds: no need to convert
    changed_by_s2t = _changed(sample, opencc_converter("s2t").convert(sample))
    return "hant" if changed_by_t2s > changed_by_s2t else "hans"


def _changed(text: str, converted: str) -> int:
    """Positions where the two differ, up to the shorter one's length: what
    ``sum(a != b for a, b in zip(text, converted))`` counts, without making a string
    object per Chinese character (it is most of zh_script's own time otherwise).

    Both are encoded as UTF-32 (4 bytes a character) and read as one integer each; in
    their XOR a character that differs is a non-zero 32-bit lane. Folding each lane's
    bits down to its lowest bit and counting those bits counts the lanes."""
    n = min(len(text), len(converted))
    diff = int.from_bytes(text[:n].encode("utf-32-le"), "little") ^ int.from_bytes(
        converted[:n].encode("utf-32-le"), "little"
    )
    if not diff:
        return 0
    for shift in (16, 8, 4, 2, 1):
        diff |= diff >> shift  # bit 32k becomes the OR of bits 32k .. 32k+31
    lowest_bits = int.from_bytes(b"\x01\x00\x00\x00" * n, "little")
    return (diff & lowest_bits).bit_count()
