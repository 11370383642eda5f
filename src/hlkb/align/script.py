"""Traditional or Simplified: decided with OpenCC by which conversion changes the text."""

from __future__ import annotations

import operator
import re
from functools import lru_cache

_NOT_HAN = re.compile("[^\u4e00-\u9fff]+")


@lru_cache(maxsize=4)
def converter(config: str):
    import opencc

    return opencc.OpenCC(config if config.endswith(".json") else config)


def zh_script(text: str) -> str | None:
    """"hant" when converting to Simplified changes more characters than converting to
    Traditional does, "hans" otherwise; None for text without Chinese characters."""
    sample = _NOT_HAN.sub("", text)[:4000]
    if not sample:
        return None
    changed_by_t2s = _changed(sample, converter("t2s").convert(sample))
    if not changed_by_t2s:
        return "hans"              # 0 > changed_by_s2t never holds: no need to convert
    changed_by_s2t = _changed(sample, converter("s2t").convert(sample))
    return "hant" if changed_by_t2s > changed_by_s2t else "hans"


def _changed(text: str, converted: str) -> int:
    """Positions where the two differ (up to the shorter one's length)."""
    return sum(map(operator.ne, text, converted))
