"""Traditional or Simplified: decided with OpenCC by which conversion changes the text."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4)
def converter(config: str):
    import opencc

    return opencc.OpenCC(config if config.endswith(".json") else config)


def zh_script(text: str) -> str | None:
    """"hant" when converting to Simplified changes more characters than converting to
    Traditional does, "hans" otherwise; None for text without Chinese characters."""
    han = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    if not han:
        return None
    sample = "".join(han[:4000])
    to_simplified = converter("t2s").convert(sample)
    to_traditional = converter("s2t").convert(sample)
    changed_by_t2s = sum(1 for a, b in zip(sample, to_simplified) if a != b)
    changed_by_s2t = sum(1 for a, b in zip(sample, to_traditional) if a != b)
    return "hant" if changed_by_t2s > changed_by_s2t else "hans"
