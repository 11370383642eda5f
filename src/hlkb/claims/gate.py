"""Which texts may hold a claim: the quick test that lets claims_for_note skip most
highlights and paragraphs without splitting them into sentences.

A sentence is a claim when it states a figure or names a source. A figure needs a digit,
a Chinese numeral or an English number word; a source, a reporting word ("said",
"according", ``_INVERTED``'s "added") standing as a whole word, or a Chinese keyword
(hlkb.claims.attribution). None of them is cut by a sentence break, so a text without
any has no claim in any of its sentences.
"""

from __future__ import annotations

import re

from hlkb.claims.attribution import EN_REPORTING_WORDS, may_attribute
from hlkb.claims.figures import EN_NUMBER_WORDS, may_have_figures
from hlkb.claims.wordtrie import trie_pattern

__all__ = ["may_hold_claim"]

# In lowercased ASCII text every number word and every reporting word is one of these
# between non-letters (reporting words are case-sensitive, so lowercasing only adds
# false alarms): one scan instead of two. A digit, or a word right after a non-letter:
# the pattern starts by taking that non-letter, a character class re can skip to;
# the very start of the text is looked at on its own.
_SIGNAL_WORDS = trie_pattern(set(EN_NUMBER_WORDS) | {w.lower() for w in EN_REPORTING_WORDS} | {"added"})
_SIGNAL_AFTER_NON_LETTER = re.compile(rf"[^a-z](?:(?<=[0-9])|(?:{_SIGNAL_WORDS})(?![a-z]))")
_SIGNAL_AT_START = re.compile(rf"[0-9]|(?:{_SIGNAL_WORDS})(?![a-z])")


def may_hold_claim(text: str) -> bool:
    """False when no sentence of ``text`` can state a figure or name a source; True
    says "perhaps"."""
    if text.isascii():
        lowered = text.lower()
        return _SIGNAL_AT_START.match(lowered) is not None or _SIGNAL_AFTER_NON_LETTER.search(lowered) is not None
    return may_have_figures(text) or may_attribute(text)
