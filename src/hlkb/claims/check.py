"""Cross-language figure check: does every figure of an aligned English/Chinese pair
have a counterpart of equal value on the other side?

Per pair, the figures of all English sentences are matched against those of all
Chinese sentences in three passes:

1. equal value with compatible units (``compatible_units``), nearest position first;
2. approximately equal value where either side is vague (``a dozen`` / ``十几``);
3. what is left may be a mistranslation: a leftover English figure and a leftover
   Chinese figure of the *same* kind are reported as a ``mismatch`` when they are the
   only leftovers of that kind on both sides, or when they look like a typo of each
   other (same digits but one, or a power of ten apart).

A figure repeated on one side (``37万`` twice against ``370,000`` once) is ``ok`` when
an equal figure on the other side was matched. Everything else is ``unverified``:
no counterpart, or a counterpart in a unit of a different kind (100 miles / 160 公里).
"""

from __future__ import annotations

import re
from decimal import Decimal
from dataclasses import dataclass, field

from hlkb.figures import compatible_units, extract_figures, may_have_figures
from hlkb.model import Figure, Pair

from hlkb.claims.gate import may_hold_claim
from hlkb.claims.sentences import sentence_spans

_VAGUE = re.compile(r"几|幾|数|數|dozen|few|several|hundreds|thousands|millions|billions|來|来", re.IGNORECASE)


@dataclass
class PlacedFigure:
    """A figure with where it is: language, line, sentence and order in the pair."""
    figure: Figure
    lang: str
    line: int
    sentence: int          # index into the side's sentence list
    order: float           # relative position in its side, 0..1
    status: str = "unverified"
    counterpart: "PlacedFigure | None" = None


@dataclass
class PlacedSentence:
    text: str
    lang: str
    line: int
    figures: list[PlacedFigure] = field(default_factory=list)


@dataclass
class Mismatch:
    en: PlacedFigure
    zh: PlacedFigure

    def describe(self, path: str) -> str:
        return (f'{path}:{self.en.line}: mismatch: EN "{self.en.figure.raw}" (line {self.en.line}) '
                f'vs ZH "{self.zh.figure.raw}" (line {self.zh.line})')


@dataclass
class PairCheck:
    pair: Pair
    en: list[PlacedSentence]
    zh: list[PlacedSentence]
    mismatches: list[Mismatch]


def sentences_of(paragraphs: list[str], lines: list[int], lang: str,
                 claims_only: bool = False) -> list[PlacedSentence]:
    """Split paragraphs into sentences with the line each starts on, with their figures.
    ``claims_only`` leaves out the paragraphs none of whose sentences can be a claim
    (no figure, no source named)."""
    out: list[PlacedSentence] = []
    for k, para in enumerate(paragraphs):
        first = lines[k] if k < len(lines) else (lines[-1] if lines else 1)
        if claims_only and not may_hold_claim(para):
            continue
        # One look at the paragraph instead of one per sentence: without a digit or a
        # number word in it, none of its sentences has a figure.
        may_have = may_have_figures(para)
        for text, start in sentence_spans(para):
            line = first + para.count("\n", 0, start)
            ps = PlacedSentence(text, lang, line)
            if may_have:
                ps.figures = [PlacedFigure(fig, lang, line, 0, 0.0) for fig in extract_figures(text, lang)]
            out.append(ps)
    return out


def check_pair(pair: Pair, claims_only: bool = False) -> PairCheck:
    """Check one aligned pair; statuses are written into the placed figures.

    ``claims_only`` (for claims_for_note) lists only the sentences of paragraphs that
    may hold a claim: the figures, and so the check, are the same, but a figure's
    ``sentence`` then counts only the sentences listed."""
    en = sentences_of(pair.en, pair.en_lines, "en", claims_only)
    zh = sentences_of(pair.zh, pair.zh_lines, "zh", claims_only)
    mismatches = match_figures(_flatten(en), _flatten(zh))
    return PairCheck(pair, en, zh, mismatches)


def _flatten(sentences: list[PlacedSentence]) -> list[PlacedFigure]:
    figs = [f for s in sentences for f in s.figures]
    for i, s in enumerate(sentences):
        for f in s.figures:
            f.sentence = i
    n = max(1, len(figs) - 1)
    for i, f in enumerate(figs):
        f.order = i / n
    return figs


def _vague(f: Figure) -> bool:
    return bool(_VAGUE.search(f.raw))


def _equal(a: Figure, b: Figure) -> bool:
    return a.value == b.value


def _close(a: Figure, b: Figure) -> bool:
    if not (_vague(a) or _vague(b)):
        return False
    hi = max(abs(a.value), abs(b.value))
    return hi > 0 and abs(a.value - b.value) <= 0.25 * hi


def _link(e: PlacedFigure, z: PlacedFigure, status: str) -> None:
    e.status = z.status = status
    e.counterpart, z.counterpart = z, e


def _pass(en: list[PlacedFigure], zh: list[PlacedFigure], same) -> None:
    for e in en:
        if e.counterpart is not None:
            continue
        best = None
        for z in zh:
            if z.counterpart is not None or not compatible_units(e.figure.unit, z.figure.unit):
                continue
            if same(e.figure, z.figure):
                # Prefer the same unit, then the nearest relative position.
                key = (e.figure.unit != z.figure.unit, abs(e.order - z.order))
                if best is None or key < best[0]:
                    best = (key, z)
        if best is not None:
            _link(e, best[1], "ok")


def _kind(f: Figure) -> str:
    u = f.unit or "number"
    return "count" if u in ("count", "number", "ordinal") else u


def _looks_like_typo(a: Figure, b: Figure) -> bool:
    """Same digits but one, or one digit more or fewer (``1,500`` / ``1,5000``)."""
    if a.value == b.value:
        return False
    da, db = _digits(a.value), _digits(b.value)
    if len(da) == len(db):
        return sum(x != y for x, y in zip(da, db)) == 1
    if abs(len(da) - len(db)) == 1:
        longer, shorter = (da, db) if len(da) > len(db) else (db, da)
        return any(longer[:i] + longer[i + 1:] == shorter for i in range(len(longer)))
    return False


def _digits(v: float) -> str:
    """The significant digits of ``v`` in place (90 -> "90", 0.42 -> "42")."""
    s = format(Decimal(repr(float(v))).normalize(), "f")
    return s.replace("-", "").replace(".", "").lstrip("0") or "0"


def match_figures(en: list[PlacedFigure], zh: list[PlacedFigure]) -> list[Mismatch]:
    """Match the figures of the two sides; returns the mismatches found."""
    if not en or not zh:
        return []   # nothing to match against: every figure stays unverified
    _pass(en, zh, _equal)
    _pass(en, zh, _close)
    mismatches: list[Mismatch] = []
    left_en = [f for f in en if f.status == "unverified"]
    left_zh = [f for f in zh if f.status == "unverified"]
    # The only leftovers of one precise unit on both sides: a changed figure.
    for unit in sorted({f.figure.unit for f in left_en if _precise(f.figure)}):
        ke = [f for f in left_en if f.figure.unit == unit]
        kz = [f for f in left_zh if f.figure.unit == unit]
        if len(ke) == 1 and len(kz) == 1 and _precise(kz[0].figure):
            mismatches.append(_mismatch(ke[0], kz[0]))
    # Leftovers that look like a typo of each other.
    for e in left_en:
        if e.counterpart is not None:
            continue
        typos = [z for z in left_zh if z.counterpart is None and _comparable(e.figure, z.figure)
                 and _looks_like_typo(e.figure, z.figure)]
        if typos:
            # The nearest in reading order: translations keep the order of figures.
            mismatches.append(_mismatch(e, min(typos, key=lambda z: abs(z.order - e.order))))
    # A figure repeated on one side whose value was matched: ok (37万 twice, 370,000 once).
    for side, other in ((en, zh), (zh, en)):
        matched = [f for f in other if f.counterpart is not None and f.status == "ok"]
        for f in side:
            if f.counterpart is None:
                twin = next((o for o in matched if compatible_units(f.figure.unit, o.figure.unit)
                             and _equal(f.figure, o.figure)), None)
                if twin is not None:
                    f.status = "ok"
                    f.counterpart = twin
    # A leftover in a precise unit that looks like a typo of a figure the other side has
    # (and already matched): "$26 … $26" translated "26美元 … 16美元".
    for side, other in ((en, zh), (zh, en)):
        for f in side:
            if f.counterpart is not None or not (_precise(f.figure) or _in_digits(f.figure)):
                continue
            if len(_digits(f.figure.value)) < 2:
                continue   # one-digit values are too common to call one a typo of another
            twin = next((o for o in other if o.status == "ok" and _comparable(o.figure, f.figure)
                         and _looks_like_typo(o.figure, f.figure)), None)
            if twin is not None:
                f.status = "mismatch"
                f.counterpart = twin
                mismatches.append(Mismatch(f, twin) if f.lang == "en" else Mismatch(twin, f))
    mismatches.sort(key=lambda m: (m.en.line, m.zh.line))
    return mismatches


def _precise(f: Figure) -> bool:
    """A figure in a unit precise enough to contradict another (money, percent, ages,
    years, durations …), not a bare number, count or vague quantity."""
    return (f.unit or "number") not in ("number", "count", "ordinal", "times") and not _vague(f)


def _comparable(a: Figure, b: Figure) -> bool:
    """May a leftover pair be called a mismatch? Same unit; or a number written in digits
    against a count in digits or any precise unit ("Kayla, 20," / "20歲"). Number words
    and small counts are too loose a signal ("first" / "两次")."""
    if _vague(a) or _vague(b):
        return False
    ua, ub = a.unit or "number", b.unit or "number"
    if ua == ub:
        return True
    if "number" in (ua, ub):
        num, other = (a, b) if ua == "number" else (b, a)
        if not _in_digits(num):
            return False
        return _precise(other) or (other.unit in ("count", "ordinal") and _in_digits(other))
    return {ua, ub} <= {"count", "ordinal"} and _in_digits(a) and _in_digits(b)


_DIGIT_WRITTEN = re.compile(r"[0-9]|[〇○零一二三四五六七八九]{3,}")


def _in_digits(f: Figure) -> bool:
    """Written in digits (2024, 二〇二四), not as a word (ten, 两)."""
    return bool(_DIGIT_WRITTEN.search(f.raw))


def _strict_same_kind(a: Figure, b: Figure) -> bool:
    """Kinds that can be compared for a mismatch: a bare number only with a bare number
    or a count; vague quantities never (they are not precise enough to contradict)."""
    if _vague(a) or _vague(b):
        return False
    ua, ub = a.unit or "number", b.unit or "number"
    if ua == ub:
        return True
    return {ua, ub} <= {"count", "number"}


def _mismatch(e: PlacedFigure, z: PlacedFigure) -> Mismatch:
    _link(e, z, "mismatch")
    return Mismatch(e, z)
