"""Text folding for the full-text index: CJK characters as tokens, Traditional->Simplified,
case/diacritics.

SQLite's unicode61 tokenizer keeps a run of Han characters as ONE token, so a word inside
a Chinese sentence could never be found. We rewrite every CJK run, before it reaches
FTS5, into one token per character, the run's last one marked with RUN_END (a private-use
character, which unicode61 keeps inside a token): ``亚马逊`` -> ``亚 马 逊\ue000``. Then

- a query of two or more CJK characters is the phrase of its characters, its last one a
  prefix (``"亚 马 逊" *``): it matches wherever those characters stand next to each other
  inside one run, the last one either ending the run or not (``亚马逊`` finds ``亚马逊的``);
  it never matches across punctuation or a space, because there the first run's last
  character is the marked token;
- inside a longer phrase a CJK run is followed by something else, so its last character
  is the marked one (``"亚 马 逊\ue000 prime"``);
- a one-character query ``X`` is the prefix query ``X*``: ``X`` and ``X\ue000``.

This matches exactly what overlapping bigrams with a final unigram (``亚马 马逊 逊``, the
way Elasticsearch's cjk_bigram does, and hlkb did until FOLD_VERSION 3) match, with the
same number of tokens per run, so bm25 ranks alike; but FTS5 keeps a few thousand
distinct terms instead of one per distinct pair of characters, which halves its insert
work (10k bench notes: see docs/performance.md).

Both sides are folded Traditional->Simplified with OpenCC ``t2s`` first, so ``亞馬遜`` and
``亚马逊`` index and query the same. Case and diacritics of Latin text are folded by the
FTS5 tokenizer itself (``unicode61 remove_diacritics 2``); no stemming.

``fold_same_length`` is the folding used to find matches in the ORIGINAL text for
snippets: it keeps every character at its offset.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from array import array

from hlkb.lang import UNSPACED_CJK_CLASS, opencc_converter

# Bump when fold_for_index changes what a text folds to (the index is then rebuilt).
# 2: 〇 is Han (one run with the numerals around it: 二〇二四 is 二〇 〇二 二四 四).
# 3: one token per character, the run's last one marked (bigrams before).
FOLD_VERSION = 3

# Marks the last character of a CJK run (see above). unicode61 counts the private-use
# category (Co) as token characters by default, so ``逊\ue000`` is one token.
RUN_END = "\ue000"

# Han, kana and the iteration mark: the scripts written without spaces between words
# (hlkb.lang); Hangul is space-separated and left to the tokenizer.
CJK_RUN = re.compile(f"[{UNSPACED_CJK_CLASS}]+")
_HAS_CJK = re.compile(f"[{UNSPACED_CJK_CLASS}]")


def _t2s():
    return opencc_converter("t2s")


def to_simplified(text: str) -> str:
    if not text or not _HAS_CJK.search(text):
        return text
    return _t2s().convert(text)


# A long run is laid out as code points in one array (one slice copy) instead of one
# string object per character: a quarter faster on the bench's 60-110-character runs.
_LONG_RUN = 8
_UTF32 = "utf-32-le" if sys.byteorder == "little" else "utf-32-be"
_CODE_POINT = "I" if array("I").itemsize == 4 else "L"  # 4 bytes: one UTF-32 code unit
_SPACE = array(_CODE_POINT, [ord(" ")])


def _fold_run(m: re.Match) -> str:
    run = m.group(0)
    n = len(run)
    if n < _LONG_RUN:
        return " " + " ".join(run) + RUN_END + " "
    # " " c1 " " c2 ... " " cn RUN_END " ": 2n + 2 code points
    out = _SPACE * (2 * n + 2)
    out[1 : 2 * n : 2] = array(_CODE_POINT, run.encode(_UTF32))
    out[2 * n] = ord(RUN_END)
    return out.tobytes().decode(_UTF32)


def fold_for_index(text: str | None) -> str:
    """The text FTS5 indexes: Simplified, every CJK run one token per character, its last
    one marked with RUN_END."""
    if not text:
        return ""
    if text.isascii():  # O(1) in CPython
        return text
    first = _HAS_CJK.search(text)
    if not first:
        return text
    # The lines before the first CJK character are left as they are (a pair's English
    # before its Chinese): OpenCC's t2s dictionaries hold no key without a CJK character
    # and none with a newline, so it changes nothing there and its matching starts afresh
    # after the newline. (Unless that text has a lone surrogate, which OpenCC rejects.)
    cut = text.rfind("\n", 0, first.start()) + 1
    if cut and not _SURROGATE.search(text, 0, cut):
        return text[:cut] + CJK_RUN.sub(_fold_run, _t2s().convert(text[cut:]))
    return CJK_RUN.sub(_fold_run, _t2s().convert(text))


# (built with chr: mypyc compiles no surrogate in a string literal)
_SURROGATE = re.compile("[" + chr(0xD800) + "-" + chr(0xDFFF) + "]")


# Particles that end a Chinese word group without changing what is searched for:
# a query word ``亞馬遜的`` ("Amazon's") looks for ``亚马逊``. Only stripped from the end of a
# bare word of three or more characters, never inside a "quoted phrase".
TRAILING_PARTICLES = "的了吗呢吧啊着"


def strip_particles(text: str) -> str:
    m = CJK_RUN.search(text)
    if m and m.end() == len(text.rstrip()) and len(m.group(0)) >= 3:
        stripped = text.rstrip()
        while len(stripped) > 2 and stripped[-1] in TRAILING_PARTICLES and CJK_RUN.fullmatch(stripped[-3:]):
            stripped = stripped[:-1]
        return stripped
    return text


def query_tokens(text: str, at_end: bool = True) -> tuple[list[str], bool]:
    """FTS5 tokens for one query word or phrase, and whether its last token is a prefix.

    Latin parts are left to the tokenizer (returned as they are, between CJK runs). A CJK
    run is one token per character. Inside the phrase a run's last character is the
    marked one (the document's run ends there too); a run at the very end leaves its last
    character unmarked and makes it a prefix, because in the document the run may go on
    (``亚马逊`` must find ``亚马逊的``) or end there.
    """
    text = to_simplified(text)
    parts: list[str] = []
    prefix = False
    pos = 0
    runs = list(CJK_RUN.finditer(text))
    for i, m in enumerate(runs):
        before = text[pos : m.start()]
        if before.strip():
            parts.append(before.strip())
        run = m.group(0)
        parts.extend(run)
        if at_end and i == len(runs) - 1 and not text[m.end() :].strip():
            prefix = True
        else:
            parts[-1] += RUN_END
        pos = m.end()
    rest = text[pos:]
    if rest.strip():
        parts.append(rest.strip())
    return parts, prefix


def ends_with_one_character_run(text: str) -> bool:
    """Is the last CJK run of ``text`` one character long (a one-character word, which
    matches every token starting with it)?"""
    runs = CJK_RUN.findall(to_simplified(text))
    return bool(runs) and len(runs[-1]) == 1


# Latin letters with diacritics -> base letter, built once (str.translate is fast).
def _build_latin_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0xC0, 0x250):
        ch = chr(code)
        base = unicodedata.normalize("NFD", ch)[0]
        if base != ch and len(base) == 1:
            table[code] = base
    return table


_LATIN_TABLE = _build_latin_table()


def fold_same_length(text: str) -> str:
    """Simplified, lower-case, diacritics stripped, with every character at its offset.

    Used to locate query terms in the original text (snippets show the original)."""
    simplified = to_simplified(text)
    if len(simplified) != len(text):  # OpenCC never changes length for t2s, but be safe
        simplified = "".join(c if len(s := to_simplified(c)) != 1 else s for c in text)
    lowered = simplified.lower()
    if len(lowered) != len(simplified):
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in simplified)
    return lowered.translate(_LATIN_TABLE)


def has_cjk(text: str) -> bool:
    return bool(_HAS_CJK.search(text))
