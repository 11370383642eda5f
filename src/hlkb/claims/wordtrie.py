"""Regular expressions for "one of these many literal words", written as a trie.

``re`` tries the branches of ``said|says|stated|…`` one after another at every
position of the text, so a search for one of sixty words costs sixty attempts per
character. The same words as a trie (``s(?:a(?:id|ys)|tated)``) leave one branch per
distinct first character, and ``re`` then skips positions whose character starts no
word at all. The pattern matches exactly the same strings; only branch order differs,
so use it where what matters is whether a word occurs (or where the first one
starts), not which of two words sharing a start an alternation would have preferred.
"""

from __future__ import annotations

import re

__all__ = ["trie_pattern"]


def trie_pattern(words) -> str:
    """A regex without groups that matches exactly the literal strings ``words``."""
    unique = sorted(set(words))
    if not unique or "" in unique:
        raise ValueError("trie_pattern needs non-empty words")
    return _trie(unique)


def _trie(words: list[str]) -> str:
    """``words`` sorted and unique; "" among them makes the whole group optional."""
    if words == [""]:
        return ""
    optional = "" in words
    by_first: dict[str, list[str]] = {}
    for w in words:
        if w:
            by_first.setdefault(w[0], []).append(w[1:])
    # Every branch starts with a literal character (never a [class]): that is what lets
    # re build the set of possible first characters and skip the other positions.
    branches = [re.escape(c) + _trie(rests) for c, rests in by_first.items()]
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if optional else body
