"""Sentence splitting for English and Chinese (and text that mixes them).

A sentence ends at 。！？ (Chinese, optionally followed by a closing quote or bracket),
or at . ! ? followed by a closing quote/bracket, whitespace and a capital letter, digit,
opening quote or Han character — except after common abbreviations (``U.S.``, ``Mr.``,
``e.g.``) and inside decimals (``9.7``). Each sentence keeps its offset in the text so a
claim can report the line it is on.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from hlkb.lang import HAN_CLASS

_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sr",
    "jr",
    "st",
    "mt",
    "no",
    "nos",
    "vs",
    "etc",
    "inc",
    "ltd",
    "co",
    "corp",
    "dept",
    "gov",
    "gen",
    "sen",
    "rep",
    "fig",
    "vol",
    "pp",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "approx",
    "est",
    "e.g",
    "i.e",
    "u.s",
    "u.k",
    "u.n",
    "a.m",
    "p.m",
    "d.c",
    "ph.d",
}

# Both patterns begin with one character class, so re skips straight to the
# punctuation instead of trying them at every character. 。！？!? with closing quotes
# or brackets, or ；; at the very end:
_ZH_END = re.compile(r"[。！？!?；;](?:(?<=[；;])(?=\s*$)|(?<=[。！？!?])[”」』\"')）]*)")
# . ! ? (any run of them) before whitespace and what may begin a sentence.
_EN_END = re.compile(rf"[.!?][.!?]*[\"'”’)\]]*(?=\s+[\"“‘(\[]?[A-Z0-9$€£{HAN_CLASS}])")
_LETTERS_AND_DOT = string.ascii_letters + "."
_INITIALS = re.compile(r"(?:[a-z]\.)+[a-z]")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # offset of the first character in the source text
    end: int


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of ``text``, stripped, with their offsets; blank text gives none."""
    return [Sentence(sentence, start, start + len(sentence)) for sentence, start in sentence_spans(text)]


def sentence_spans(text: str) -> list[tuple[str, int]]:
    """``(sentence, offset)`` for each sentence of ``text``: ``split_sentences`` without
    building objects, for the indexing hot path."""
    cuts = [m.end() for m in _ZH_END.finditer(text)]
    for m in _EN_END.finditer(text):
        if text[m.start()] == "." and _after_abbreviation(text, m.start()):
            continue
        cuts.append(m.end())
    # Paragraph-internal line breaks that end with no punctuation (a title line) also end one.
    cuts.sort()
    cuts.append(len(text))
    out: list[tuple[str, int]] = []
    pos = 0
    for cut in cuts:
        if cut <= pos:
            continue
        chunk = text[pos:cut]
        stripped = chunk.strip()
        if stripped:
            out.append((stripped, pos + len(chunk) - len(chunk.lstrip())))
        pos = cut
    return out


def _after_abbreviation(text: str, dot: int) -> bool:
    """Does the full stop at ``dot`` end an abbreviation ("U.S. users", "Mr. Smith") or a
    single initial ("J. Smith") rather than a sentence?"""
    # The letters and dots right before it (within 12 characters), from the first letter:
    # what ([A-Za-z][A-Za-z.]*)\.$ would find, without a regex search.
    head = text[max(0, dot - 12) : dot]
    word = head[len(head.rstrip(_LETTERS_AND_DOT)) :].lstrip(".")
    if not word:
        return False
    w = word.lower()
    return w in _ABBREVIATIONS or len(w) == 1 or _INITIALS.fullmatch(w) is not None
