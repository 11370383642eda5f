"""Text folding for the full-text index: CJK bigrams, Traditional->Simplified, case/diacritics.

SQLite's unicode61 tokenizer keeps a run of Han characters as ONE token, so a word inside
a Chinese sentence could never be found. We rewrite every CJK run, before it reaches
FTS5, into overlapping bigrams followed by the run's last character as a unigram
(``亚马逊`` -> ``亚马 马逊 逊``), the way Elasticsearch's cjk_bigram does. Then

- a query of two or more CJK characters is the phrase of its bigrams (``"亚马 马逊"``),
  which matches wherever those characters stand next to each other;
- a one-character query ``X`` is the prefix query ``X*``: every occurrence of X in a run
  either starts a bigram or is the run's final unigram, so none is missed.

Both sides are folded Traditional->Simplified with OpenCC ``t2s`` first, so ``亞馬遜`` and
``亚马逊`` index and query the same. Case and diacritics of Latin text are folded by the
FTS5 tokenizer itself (``unicode61 remove_diacritics 2``); no stemming.

``fold_same_length`` is the folding used to find matches in the ORIGINAL text for
snippets: it keeps every character at its offset.
"""

from __future__ import annotations

import operator
import re
import sys
import unicodedata
from array import array

from hlkb.lang import UNSPACED_CJK_CLASS, opencc_converter

# Bump when fold_for_index changes what a text folds to (the index is then rebuilt).
# 2: 〇 is Han (one run with the numerals around it: 二〇二四 is 二〇 〇二 二四 四).
FOLD_VERSION = 2

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


# A long run's bigrams are laid out as code points in one array (three slice copies)
# instead of one string object per bigram: 5x faster on a 90-character run, slower on a
# short one (measured: even at about 10 characters).
_LONG_RUN = 12
_UTF32 = "utf-32-le" if sys.byteorder == "little" else "utf-32-be"
_CODE_POINT = "I" if array("I").itemsize == 4 else "L"  # 4 bytes: one UTF-32 code unit
_SPACES = array(_CODE_POINT, [ord(" ")])


def _bigram_run(m: re.Match) -> str:
    run = m.group(0)
    n = len(run)
    if n == 1:
        return f" {run} "
    if n < _LONG_RUN:
        # the bigrams as map(add, run, run[1:]): a quarter faster than slicing in a loop
        return " " + " ".join(map(operator.add, run, run[1:])) + " " + run[-1] + " "
    # " " a0 a1 " " a1 a2 " " ... a(n-2) a(n-1) " " a(n-1) " ": 3n code points
    chars = array(_CODE_POINT, run.encode(_UTF32))
    out = _SPACES * (3 * n)
    out[1 : 3 * n - 3 : 3] = chars[:-1]
    out[2 : 3 * n - 3 : 3] = chars[1:]
    out[3 * n - 2] = chars[-1]
    return out.tobytes().decode(_UTF32)


def fold_for_index(text: str | None) -> str:
    """The text FTS5 indexes: Simplified, every CJK run as bigrams plus a final unigram."""
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
        return text[:cut] + CJK_RUN.sub(_bigram_run, _t2s().convert(text[cut:]))
    return CJK_RUN.sub(_bigram_run, _t2s().convert(text))


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
    run inside the phrase keeps its final unigram (the document's run ends there too); a
    run at the very end drops it, because in the document the run may go on (``亚马逊`` must
    find ``亚马逊的``); a one-character run at the end becomes a prefix query.
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
        last = at_end and i == len(runs) - 1 and not text[m.end() :].strip()
        if len(run) == 1:
            parts.append(run)
            if last:
                prefix = True
        else:
            parts.extend(run[j : j + 2] for j in range(len(run) - 1))
            if not last:
                parts.append(run[-1])
        pos = m.end()
    rest = text[pos:]
    if rest.strip():
        parts.append(rest.strip())
    return parts, prefix


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
