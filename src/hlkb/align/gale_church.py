"""Gale–Church length model, with the English→Chinese length ratio taken from the document.

Gale & Church (1993): for an English segment of length l1 and a candidate translation of
length l2, delta = (l2 - c*l1) / sqrt(l1 * s2) is roughly standard normal, where c is the
expected number of target characters per source character and s2 its variance per
character. Chinese is far denser than English (about 0.3 Chinese characters per English
character, varying with the translator and with Latin names kept in the Chinese), so c and
s2 are estimated from the document's own likely pairs rather than fixed.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

# Gale & Church's prior probabilities of each match type (-log is the move's cost).
MATCH_PRIOR = {(1, 1): 0.89, (1, 0): 0.0099 / 2, (0, 1): 0.0099 / 2, (2, 1): 0.089 / 2, (1, 2): 0.089 / 2}
DEFAULT_RATIO = 0.33
DEFAULT_VARIANCE = 0.35
_MAX_COST = 60.0


_MARKUP_CHARS = "*_`#>"


def text_length(text: str) -> int:
    """Characters that carry content: whitespace and Markdown emphasis do not count.

    That is len(text) minus the matches of ``[\\s*_`#>]``, counted with str methods:
    ``str.split()`` drops exactly the characters ``\\s`` matches (both are
    Py_UNICODE_ISSPACE), several times faster than a regex pass."""
    n = len("".join(text.split()))
    for ch in _MARKUP_CHARS:
        if ch in text:
            n -= text.count(ch)
    return n


_SQRT2 = math.sqrt(2.0)


def _norm_sf2(z: float) -> float:
    """Two-sided tail probability of a standard normal: P(|Z| >= z)."""
    return math.erfc(abs(z) / math.sqrt(2.0))


@dataclass
class LengthModel:
    ratio: float = DEFAULT_RATIO  # Chinese chars per English char
    variance: float = DEFAULT_VARIANCE  # s2, per English char

    def delta(self, en_len: int, zh_len: int) -> float:
        l1 = max(en_len, 1)
        return (zh_len - self.ratio * l1) / math.sqrt(l1 * self.variance)

    def cost(self, en_len: int, zh_len: int) -> float:
        """-log P(|delta| this large): 0 for a perfect fit, growing quadratically."""
        # delta() and _norm_sf2() inlined (the DP asks this thousands of times a document)
        l1 = max(en_len, 1)
        p = math.erfc(abs((zh_len - self.ratio * l1) / math.sqrt(l1 * self.variance)) / _SQRT2)
        if p <= 1e-26:
            return _MAX_COST
        return min(-math.log(p), _MAX_COST)

    @classmethod
    def estimate(cls, pairs: list[tuple[int, int]]) -> LengthModel:
        """Fit c and s2 to (en_len, zh_len) pairs believed to be translations.

        The median ratio resists the odd wrong pair; s2 is the median squared residual per
        English character, floored so that a tidy document does not make the model brittle."""
        usable = [(a, b) for a, b in pairs if a > 0 and b > 0]
        if len(usable) < 3:
            return cls()
        ratio = statistics.median(b / a for a, b in usable)
        ratio = min(max(ratio, 0.08), 3.0)
        residuals = [((b - ratio * a) ** 2) / a for a, b in usable]
        variance = statistics.median(residuals) * 2.2  # median of chi-square(1) ~ 0.455
        # Never tighter than Gale & Church's own spread (s2 = 6.8 at c = 1) scaled to this
        # ratio and halved: a tidy document must not make one long paragraph look wrong.
        # Nor looser than their spread itself: a few wrong first-pass pairs must not make
        # every length look plausible.
        variance = min(max(variance, 3.4 * ratio * ratio, 0.02), 6.8 * ratio * ratio)
        return cls(ratio, variance)
