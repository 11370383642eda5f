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
from dataclasses import dataclass, field
from decimal import Decimal

from hlkb.claims.figures import compatible_units, extract_figures, may_have_figures
from hlkb.claims.gate import may_hold_claim
from hlkb.claims.sentences import sentence_spans
from hlkb.model import Figure, Pair

_VAGUE = re.compile(r"几|幾|数|數|dozens|few|several|hundreds|thousands|millions|billions|來|来", re.IGNORECASE)


@dataclass
class PlacedFigure:
    """A figure with where it is: language, line, sentence and order in the pair."""

    figure: Figure
    lang: str
    line: int
    sentence: int  # index into the side's sentence list
    order: float  # relative position among its side's figures, 0..1
    status: str = "unverified"
    at: float = 0.0  # relative position in its side's text, 0..1 (by characters)
    counterpart: PlacedFigure | None = None
    side_length: int = 0  # characters of its side's text


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
        return (
            f'{path}:{self.en.line}: mismatch: EN "{self.en.figure.raw}" (line {self.en.line}) '
            f'vs ZH "{self.zh.figure.raw}" (line {self.zh.line})'
        )


@dataclass
class PairCheck:
    pair: Pair
    en: list[PlacedSentence]
    zh: list[PlacedSentence]
    mismatches: list[Mismatch]


def sentences_of(paragraphs: list[str], lines: list[int], lang: str, claims_only: bool = False) -> list[PlacedSentence]:
    """Split paragraphs into sentences with the line each starts on, with their figures.
    ``claims_only`` leaves out the paragraphs none of whose sentences can be a claim
    (no figure, no source named)."""
    out: list[PlacedSentence] = []
    total = max(1, sum(len(p) for p in paragraphs))
    offset = 0
    for k, para in enumerate(paragraphs):
        first = lines[k] if k < len(lines) else (lines[-1] if lines else 1)
        if claims_only and not may_hold_claim(para):
            offset += len(para)
            continue
        # One look at the paragraph instead of one per sentence: without a digit or a
        # number word in it, none of its sentences has a figure.
        may_have = may_have_figures(para)
        for text, start in sentence_spans(para):
            line = first + para.count("\n", 0, start)
            ps = PlacedSentence(text, lang, line)
            if may_have:
                ps.figures = []
                pos = 0
                for fig in extract_figures(text, lang):
                    found = text.find(fig.raw, pos)
                    if found >= 0:
                        pos = found + len(fig.raw)
                    at = (offset + start + max(found, 0)) / total
                    ps.figures.append(PlacedFigure(fig, lang, line, 0, 0.0, at=at, side_length=total))
            out.append(ps)
        offset += len(para)
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
    """Approximately equal: within 25% where either side is vague (``a dozen`` /
    ``十几``), or one is the other rounded (``rounded``)."""
    if _vague(a) or _vague(b):
        hi = max(abs(a.value), abs(b.value))
        return hi > 0 and abs(a.value - b.value) <= 0.25 * hi
    return rounded(a, b) or rounded(b, a)


# Units whose figures a translator may round; a year, an age or a rank is never rounded.
_ROUNDABLE = frozenset(
    {
        "USD",
        "CNY",
        "EUR",
        "GBP",
        "JPY",
        "HKD",
        "TWD",
        "percent",
        "count",
        "number",
        "times",
        "years",
        "month",
        "week",
        "day",
        "hour",
        "minute",
        "second",
        "mile",
        "km",
    }
)


def rounded(precise: Figure, rough: Figure) -> bool:
    """Is ``rough`` ``precise`` rounded to ``rough``'s last significant digit
    (``$3.37 billion`` / ``约34亿美元``, ``7.6%`` / ``近8%``, ``1.41 billion`` / ``约14亿``)?

    Only where ``rough`` is written with fewer significant digits and says it is
    approximate (约, about, 近) while ``precise`` does not, and ``precise`` is a decimal
    (``3.37``, ``7.6``): ``4,000`` against
    ``4,100``, ``about 1000`` against ``1007`` or ``about 40%`` against ``约42%`` is a
    changed figure."""
    if (precise.unit or "number") not in _ROUNDABLE or (rough.unit or "number") not in _ROUNDABLE:
        return False
    if precise.value == rough.value or precise.value == 0 or rough.value == 0:
        return False
    p_digits, r_digits = _significant(precise), _significant(rough)
    if r_digits >= p_digits:
        return False
    place = _last_place(rough.value)
    if place is None:
        return False
    if round(Decimal(repr(float(precise.value))) / place) * place != Decimal(repr(float(rough.value))):
        return False
    # Only a figure that says it is approximate may be another rounded (约34亿 for
    # $3.37 billion, 近8% for 7.6%); two approximate ones, or two exact ones, must agree.
    return rough.approx and not precise.approx and p_digits >= 2 and "." in precise.raw


_NUMERAL_IN_DIGITS = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _significant(f: Figure) -> int:
    """How many significant digits ``f`` is written with (``$3.37 billion``: 3, ``4,000``:
    1, ``7.6%``: 2, ``0.1999999999999999998``: 19): from its text, since a float keeps
    only 17; trailing zeros of a whole number do not count."""
    m = _NUMERAL_IN_DIGITS.search(f.raw)
    if m is None:
        return len(Decimal(repr(float(f.value))).normalize().as_tuple().digits)
    written = m.group(0).replace(",", "")
    whole, _, fraction = written.partition(".")
    digits = (whole + fraction).lstrip("0")
    if not fraction:
        digits = digits.rstrip("0")
    return max(1, len(digits))


def _last_place(v: float) -> Decimal | None:
    """The place value of ``v``'s last significant digit (3.4e9 -> 1e8, 7.5 -> 0.1)."""
    d = Decimal(repr(float(v))).normalize()
    sign, digits, exponent = d.as_tuple()
    if not isinstance(exponent, int):
        return None
    return Decimal(1).scaleb(exponent)


def _link(e: PlacedFigure, z: PlacedFigure, status: str) -> None:
    e.status = z.status = status
    e.counterpart, z.counterpart = z, e


def _pass(en: list[PlacedFigure], zh: list[PlacedFigure], same) -> None:
    """Link figures of equal value (``same``) and compatible units, closest first (the
    smallest distance in the texts, a different unit counting as ``UNIT_DISTANCE``
    more), so that the figure at the same place in the translation is the one linked."""
    candidates = []
    for e in en:
        if e.counterpart is not None:
            continue
        for z in zh:
            if z.counterpart is not None or not compatible_units(e.figure.unit, z.figure.unit):
                continue
            if same(e.figure, z.figure):
                # distance in the texts; a different unit counts as a tenth of the text more
                distance = abs(e.at - z.at) + (UNIT_DISTANCE if e.figure.unit != z.figure.unit else 0.0)
                candidates.append((distance, abs(e.order - z.order), id(e), id(z), e, z))
    candidates.sort(key=lambda c: c[:2])
    for *_, e, z in candidates:
        if e.counterpart is None and z.counterpart is None:
            _link(e, z, "ok")


def _kind(f: Figure) -> str:
    u = f.unit or "number"
    return "count" if u in ("count", "number", "ordinal") else u


def _looks_like_typo(a: Figure, b: Figure) -> bool:
    """Same digits but one, or one digit more or fewer (``1,500`` / ``1,5000``), as
    written (``0.6100000000000001`` keeps its 16 digits). Not for a decade
    (``2000 年代``): it stands for ten years."""
    if a.value == b.value or _decade(a) or _decade(b):
        return False
    da, db = _written_digits(a), _written_digits(b)
    if len(da) == len(db):
        return sum(x != y for x, y in zip(da, db)) == 1
    if abs(len(da) - len(db)) == 1:
        longer, shorter = (da, db) if len(da) > len(db) else (db, da)
        return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))
    return False


def _digits(v: float) -> str:
    """The significant digits of ``v`` in place (90 -> "90", 0.42 -> "42")."""
    s = format(Decimal(repr(float(v))).normalize(), "f")
    return s.replace("-", "").replace(".", "").lstrip("0") or "0"


_SCALE_WORD = re.compile(r"[十百千万萬亿億兆]|thousand|million|billion|trillion|\d\s?[mkb]n?\b", re.IGNORECASE)


def _written_digits(f: Figure) -> str:
    """The digits of ``f`` as its text writes them when it is a plain Arabic number
    (a float keeps only 17 digits), else those of its value."""
    m = _NUMERAL_IN_DIGITS.search(f.raw)
    if m is None or _SCALE_WORD.search(f.raw):
        return _digits(f.value)
    return m.group(0).replace(",", "").replace(".", "").lstrip("0") or "0"


def _near(e: PlacedFigure, z: PlacedFigure, en: list[PlacedFigure], zh: list[PlacedFigure]) -> bool:
    """Do the two stand at the same place in their texts? Translations keep the order
    of what they say, so a one-digit rank or count is only a typo of the one between
    the same matched figures (the figure just before each, or just after each, are
    each other's counterparts) or at about the same relative position."""
    e_prev, e_next = _linked_neighbours(e, en)
    z_prev, z_next = _linked_neighbours(z, zh)
    if e_prev is not None and e_prev.counterpart is z_prev or e_next is not None and e_next.counterpart is z_next:
        return True
    # (in a short text a few characters are a large share of it)
    tolerance = max(NEAR, NEAR_CHARS / max(1, min(e.side_length, z.side_length)))
    return abs(e.at - z.at) <= tolerance


def _linked_neighbours(f: PlacedFigure, side: list[PlacedFigure]):
    """The nearest figures before and after ``f`` in ``side`` that are linked as ok."""
    i = next(k for k, g in enumerate(side) if g is f)
    before = next((g for g in reversed(side[:i]) if g.status == "ok" and g.counterpart is not None), None)
    after = next((g for g in side[i + 1 :] if g.status == "ok" and g.counterpart is not None), None)
    return before, after


NEAR = 0.15  # in the text, by characters
NEAR_CHARS = 12  # ... or this many characters of the shorter text
UNIT_DISTANCE = 0.1


def _one_digit(a: Figure, b: Figure) -> bool:
    return abs(a.value) < 10 and abs(b.value) < 10


def match_figures(en: list[PlacedFigure], zh: list[PlacedFigure]) -> list[Mismatch]:
    """Match the figures of the two sides; returns the mismatches found."""
    if not en or not zh:
        return []  # nothing to match against: every figure stays unverified
    _pass(en, zh, _equal)
    _pass(en, zh, _close)
    mismatches: list[Mismatch] = []
    left_en = [f for f in en if f.status == "unverified"]
    left_zh = [f for f in zh if f.status == "unverified"]
    # The only leftovers of one precise unit on both sides: a changed figure. Where one
    # side has none in that unit, its only bare number of the same order of magnitude
    # counts ("$2 billion" / "超过八十亿").
    for unit in sorted({f.figure.unit for f in left_en + left_zh if _precise(f.figure)}):  # type: ignore[type-var]
        ke = [f for f in left_en if f.figure.unit == unit and f.counterpart is None]
        kz = [f for f in left_zh if f.figure.unit == unit and f.counterpart is None]
        if len(ke) == 1 and not kz:
            kz = _bare_numbers_like(ke[0], left_zh)
        elif len(kz) == 1 and not ke:
            ke = _bare_numbers_like(kz[0], left_en)
        if len(ke) == 1 and len(kz) == 1 and not (_vague(ke[0].figure) or _vague(kz[0].figure)):
            mismatches.append(_mismatch(ke[0], kz[0]))
    # Leftovers that look like a typo of each other.
    for e in left_en:
        if e.counterpart is not None:
            continue
        typos = [
            z
            for z in left_zh
            if z.counterpart is None
            and _comparable(e.figure, z.figure)
            and _looks_like_typo(e.figure, z.figure)
            and (not _one_digit(e.figure, z.figure) or _near(e, z, en, zh))
        ]
        if typos:
            # The nearest in reading order: translations keep the order of figures.
            mismatches.append(_mismatch(e, min(typos, key=lambda z: abs(z.at - e.at))))
    # A figure repeated on one side whose value was matched: ok (37万 twice, 370,000 once).
    for side, other in ((en, zh), (zh, en)):
        matched = [f for f in other if f.counterpart is not None and f.status == "ok"]
        for f in side:
            if f.counterpart is None:
                twin = next(
                    (
                        o
                        for o in matched
                        if compatible_units(f.figure.unit, o.figure.unit) and _equal(f.figure, o.figure)
                    ),
                    None,
                )
                if twin is not None:
                    f.status = "ok"
                    f.counterpart = twin
    # A leftover in a precise unit that looks like a typo of a figure the other side has
    # (and already matched): "$26 … $26" translated "26美元 … 16美元".
    for side, other in ((en, zh), (zh, en)):
        for f in side:
            if f.counterpart is not None or not (_precise(f.figure) or _in_digits(f.figure)):
                continue
            if len(_written_digits(f.figure)) < 2:
                continue  # one-digit values are too common to call one a typo of another
            twin = next(
                (
                    o
                    for o in other
                    if o.status == "ok" and _comparable(o.figure, f.figure) and _looks_like_typo(o.figure, f.figure)
                ),
                None,
            )
            if twin is not None:
                f.status = "mismatch"
                f.counterpart = twin
                mismatches.append(Mismatch(f, twin) if f.lang == "en" else Mismatch(twin, f))
    mismatches.sort(key=lambda m: (m.en.line, m.zh.line))
    return mismatches


def _bare_numbers_like(f: PlacedFigure, side: list[PlacedFigure]) -> list[PlacedFigure]:
    """The leftover bare numbers of ``side`` within a factor of ten of ``f``."""
    return [
        g
        for g in side
        if g.counterpart is None
        and (g.figure.unit or "number") == "number"
        and not _vague(g.figure)
        and g.figure.value
        and f.figure.value
        and 0.1 <= abs(g.figure.value / f.figure.value) <= 10
    ]


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
            # a small number word against a small count ("trading on eight" / "八个"):
            # the typo test then asks that they stand at the same place
            return other.unit == "count" and abs(num.value) < 10 and abs(other.value) < 10
        return _precise(other) or (other.unit in ("count", "ordinal") and _in_digits(other))
    return {ua, ub} <= {"count", "ordinal"} and _in_digits(a) and _in_digits(b)


_DIGIT_WRITTEN = re.compile(r"[0-9]|[〇○零一二三四五六七八九]{3,}")
_ARABIC = re.compile(r"[0-9]")


def _arabic(f: Figure) -> bool:
    return bool(_ARABIC.search(f.raw))


def _decade(f: Figure) -> bool:
    """``the 1990s``, ``九十年代``, ``2000 年代``: a year that stands for ten."""
    return (
        f.unit == "year"
        and f.approx
        and (f.raw.rstrip("'").endswith("s") or "年代" in f.raw or f.value % 10 == 0 and f.approx)
    )


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
