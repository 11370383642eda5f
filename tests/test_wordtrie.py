"""trie_pattern: a trie-shaped regex matching exactly the given words."""

import random
import re

import pytest

from hlkb.claims.wordtrie import trie_pattern


def test_trie_pattern_shape():
    assert trie_pattern(["said", "says", "say"]) == "sa(?:id|y(?:s)?)"
    assert trie_pattern(["$", "a.b"]) == r"(?:\$|a\.b)"


def test_trie_pattern_matches_exactly_the_words():
    rng = random.Random(7)
    alphabet = "ab.$-]^\\"
    for _ in range(500):
        words = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 8))]
        whole = re.compile(f"(?:{trie_pattern(words)})\\Z")
        candidates = set(words) | {"".join(rng.choice(alphabet) for _ in range(rng.randint(0, 5))) for _ in range(20)}
        for c in candidates:
            assert bool(whole.match(c)) == (c in words), (words, c)


def test_trie_pattern_needs_words():
    with pytest.raises(ValueError):
        trie_pattern([])
    with pytest.raises(ValueError):
        trie_pattern(["a", ""])
