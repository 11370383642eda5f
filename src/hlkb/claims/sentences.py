"""Sentence splitting for English and Chinese (and text that mixes them).

A sentence ends at 。！？ (Chinese, optionally followed by a closing quote or bracket),
or at . ! ? followed by a closing quote/bracket, whitespace and a capital letter, digit,
opening quote or Han character — except after common abbreviations (``U.S.``, ``Mr.``,
``e.g.``) and inside decimals (``9.7``). Each sentence keeps its offset in the text so a
claim can report the line it is on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "no", "nos", "vs", "etc", "inc",
    "ltd", "co", "corp", "dept", "gov", "gen", "sen", "rep", "fig", "vol", "pp", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "approx", "est",
    "e.g", "i.e", "u.s", "u.k", "u.n", "a.m", "p.m", "d.c", "ph.d",
}

_ZH_END = re.compile(r"[。！？!?][”」』\"')）]*|[；;](?=\s*$)")
_EN_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"“‘(\[]?[A-Z0-9$€£\u3400-\u9fff])")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int      # offset of the first character in the source text
    end: int


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of ``text``, stripped, with their offsets; blank text gives none."""
    cuts: list[int] = []
    for m in _ZH_END.finditer(text):
        cuts.append(m.end())
    for m in _EN_END.finditer(text):
        if text[m.start()] == ".":
            word = _WORD_BEFORE.search(text[max(0, m.start() - 12):m.start() + 1])
            if word:
                w = word.group(1).lower()
                # "U.S. users", "Mr. Smith", single initials "J. Smith".
                if w in _ABBREVIATIONS or len(w) == 1 or re.fullmatch(r"(?:[a-z]\.)+[a-z]", w):
                    continue
        cuts.append(m.end())
    # Paragraph-internal line breaks that end with no punctuation (a title line) also end one.
    cuts.sort()
    out: list[Sentence] = []
    pos = 0
    for cut in cuts + [len(text)]:
        if cut <= pos:
            continue
        _add(text, pos, cut, out)
        pos = cut
    return out


def _add(text: str, start: int, end: int, out: list[Sentence]) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if not stripped:
        return
    lead = len(chunk) - len(chunk.lstrip())
    s = start + lead
    out.append(Sentence(stripped, s, s + len(stripped)))
