"""The quick tests that let claims_for_note skip text: they may say "perhaps" too often,
never "no" for a text with a claim in one of its sentences."""

from __future__ import annotations

from pathlib import Path

import pytest

from hlkb.claims.attribution import find_attribution, may_attribute
from hlkb.claims.figures import extract_figures, may_have_figures
from hlkb.claims.gate import may_hold_claim
from hlkb.claims.sentences import split_sentences

ROOT = Path(__file__).parent.parent
SAMPLES = [
    "Nothing to count here. Nor here!",
    "He said so. Then he left.",
    "The unsaid thing. Often, someone wrote nothing down.",
    "“Fine,” added Smith.",
    "“Fine,” added Smith, unsaid.",
    "Freight volumes doubled, the ministry said.",
    "SEVEN ships; Eleventh hour. A dollar? a cent.",
    "It grew 4.5% in May. Mr. Ode estimated twenty-five.",
    "_two ſix \u212aen sevens",
    "湖面今年結冰兩次。港務局表示，吞吐量下降。",
    "他们一起去了。The report says 3 things.",
]


def _texts():
    yield from SAMPLES
    for path in sorted((ROOT / "tests" / "data" / "claims").glob("*.md")) + sorted((ROOT / "notes").glob("*.md")):
        yield from path.read_text(encoding="utf-8").split("\n\n")


@pytest.mark.parametrize("text", list(_texts()))
def test_no_means_no_claim_in_any_sentence(text):
    sentences = [s.text for s in split_sentences(text)]
    has_figures = any(extract_figures(s, lang) for s in sentences for lang in (None, "en", "zh"))
    attributes = any(find_attribution(s) for s in sentences)
    if has_figures:
        assert may_have_figures(text)
    if attributes:
        assert may_attribute(text)
    if has_figures or attributes:
        assert may_hold_claim(text)


def test_what_the_gates_let_through():
    assert not may_hold_claim("Nothing to count here. Nor here!")
    assert not may_hold_claim("The unsaid thing, often.")
    assert may_hold_claim("He said so.") and may_hold_claim("SEVEN ships") and may_hold_claim("It cost 5.")
    assert may_hold_claim("港務局表示，吞吐量下降。")
    assert find_attribution("“Fine,” added Smith, unsaid.") == "Smith"
    assert may_attribute("“Fine,” added Smith, unsaid.")
