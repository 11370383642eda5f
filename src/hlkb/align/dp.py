"""Dynamic-programming alignment of the English and Chinese paragraph sequences.

Moves: 1:1, 2:1, 1:2 (pairs) and 1:0, 0:1 (a paragraph left untranslated). A pair's cost
adds up the Gale–Church length cost, the match-type prior, lexical anchors (shared
numbers, years, Latin words), and the interleaving prior: a paragraph and its translation
normally sit next to each other, in the order the document uses (English first or Chinese
first), so every paragraph between the two sides costs extra — a prior, not a rule.
A paragraph left unpaired costs a flat ``skip`` price; a pair's 0–1 score is how much
cheaper it is than leaving its members unpaired.

The search is banded: only paragraphs within ``window`` positions of each other in the
document can pair, which keeps the work linear in the document's length.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from typing import Any

from hlkb.align.anchors import Anchors, anchors_of, number_anchors
from hlkb.align.blocks import HEADING_LENGTH, Paragraph, continues, ends_mid_sentence
from hlkb.align.gale_church import MATCH_PRIOR, LengthModel, text_length
from hlkb.align.local import align_local

_BASE_PRIOR = -math.log(MATCH_PRIOR[(1, 1)])


@dataclass
class Unit:
    """One or more paragraphs of one language that translate as a whole (a paragraph,
    or a hard-wrapped paragraph that was copied as several blocks)."""

    lang: str
    paras: list[Paragraph]
    pos: int = 0  # index in the document's unit sequence
    length: int = 0
    line_lengths: list[int] = field(default_factory=list)
    heading: bool = False
    marked_heading: bool = False  # a Markdown "#" heading (is_marked_heading)
    prose: bool = False  # not a heading, and longer than a heading's translation can be
    line_level: bool = False  # a line of a line-by-line block
    digits: bool = False  # has two digits in a row (a number it writes in digits)
    run: int = 0  # which run of units of one language it is in
    run_index: int = 0  # its place in that run
    run_len: int = 1
    apart_block: int | None = None  # the block whose other language it may not pair with
    _anchors: Anchors | None = field(default=None, repr=False, compare=False)
    _numbers: tuple[set, set] | None = field(default=None, repr=False, compare=False)

    @property
    def anchors(self) -> Anchors:
        """The unit's lexical anchors, found on first use: the DP rules out most
        candidate pairs before their anchors matter, and it reads an English unit's
        anchors only against a Chinese unit that has some."""
        if self._anchors is None:
            self._anchors = anchors_of("\n".join(p.text for p in self.paras), self.lang)
        return self._anchors

    @anchors.setter
    def anchors(self, value: Anchors) -> None:
        self._anchors = value

    @property
    def number_anchors(self) -> tuple[set, set]:
        """(``anchors.numbers``, ``anchors.written``), without reading the unit's words
        when its anchors are not known yet."""
        if self._anchors is not None:
            return self._anchors.numbers, self._anchors.written
        if self._numbers is None:
            self._numbers = number_anchors("\n".join(p.text for p in self.paras), self.lang)
        return self._numbers


@dataclass
class Config:
    anchors: bool = True
    order: bool = True
    partial: bool = True  # a long multi-line paragraph may be only partly translated
    skip: float = 5.5  # price of one unpaired unit
    window: int | None = 8  # how far apart (in units) two sides of a pair may be;
    # None: a band around the diagonal of the two sequences
    order_gap: float = 7.0  # per unit sitting between the two sides of a pair
    orientation: str | None = None  # "en" / "zh": the language that usually comes first
    orientation_cost: float = 4.0
    anchor_bonus: float = 1.2
    anchor_miss: float = 1.0
    partial_penalty: float = 3.0
    merge: float = 3.0  # extra price per merged unit of a k:1 / 1:k pair over G&C's prior
    max_merge: int = 2  # most units of one language one unit of the other may translate
    gale_church_skips: bool = False  # baseline: skips priced by the length model, as in G&C
    local_first: bool = True  # try the exact local solution first (hlkb.align.local); False: the DP only


@dataclass
class AlignedPair:
    en: list[Unit]
    zh: list[Unit]
    cost: float
    score: float


def build_units(paras: list[Paragraph], nonblank_lines: set[int], merge_wrapped: bool = True) -> list[Unit]:
    """Paragraphs to units, in reading order, joining hard-wrapped English runs."""
    units: list[Unit] = []
    for p in paras:
        if units and merge_wrapped:
            last = units[-1]
            prev = last.paras[-1]
            between = range(prev.end + 1, p.start)
            if continues(prev, p) and not any(n in nonblank_lines for n in between):
                last.paras.append(p)
                continue
        units.append(Unit(p.lang, [p]))
    if merge_wrapped:
        units = _join_full_width_lines(units, nonblank_lines)
    for i, u in enumerate(units):
        u.pos = i
        u.line_lengths = [text_length(_without_notes(line)) for p in u.paras for line in p.text.split("\n")]
        u.length = sum(u.line_lengths)  # = text_length of the unit's text: newlines do not count
        u.heading = is_heading(u)
        u.marked_heading = u.heading and is_marked_heading(u)
        u.prose = not u.heading and u.length > 2 * HEADING_LENGTH[u.lang]
        u.apart_block = u.paras[0].block if u.paras[0].apart else None
        u.line_level = any(p.line_level for p in u.paras)
        u.digits = u.lang == "en" and any(_TWO_DIGITS.search(p.text) for p in u.paras)
    _unmark_verse_lines(units)
    _mark_runs(units)
    return units


# A translator's or editor's note inside the Chinese: "（译注：…）", "（胡子注：…）", "(编者注: …)".
_TRANSLATORS_NOTE = re.compile(r"[（(][^（）()\n]{0,8}?注[:：][^（）()\n]*[）)]")


def _without_notes(line: str) -> str:
    """The line less its translator's notes, which translate nothing on the other side:
    they do not count in its length."""
    return _TRANSLATORS_NOTE.sub("", line) if "注" in line else line


# Short one-line units of one language in a row, this many or more, are verse or a list.
VERSE_RUN = 4


def _unmark_verse_lines(units: list[Unit]) -> None:
    """A heading heads something: VERSE_RUN or more short one-line units of one language in
    a row (a poem's lines, one per paragraph, ending in a comma or nothing) are lines of
    text, not headings (a Markdown heading stays one)."""
    start = 0
    for k in range(1, len(units) + 1):
        if k < len(units) and _short_line(units[k]) and units[k].lang == units[start].lang:
            continue
        if k - start >= VERSE_RUN and _short_line(units[start]):
            for u in units[start:k]:
                if u.heading and not u.marked_heading:
                    u.heading = False
        start = k


def _short_line(u: Unit) -> bool:
    first = u.paras[0]
    return (
        len(u.paras) == 1
        and first.start == first.end
        and not first.text.lstrip().startswith("#")
        and u.length <= 2 * HEADING_LENGTH[u.lang]  # (a line of verse, not a paragraph)
    )


def _mark_runs(units: list[Unit]) -> None:
    """Number the runs of neighbouring units of one language, and each unit's place in its
    run. A heading is a run of its own: the paragraphs under a Chinese heading line up with
    the English paragraphs that follow them, whether or not the English repeats it."""
    run, start = 0, 0
    for k in range(1, len(units) + 1):
        if k == len(units) or units[k].lang != units[start].lang or units[k].heading or units[k - 1].heading:
            for idx, u in enumerate(units[start:k]):
                u.run, u.run_index, u.run_len = run, idx, k - start
            run, start = run + 1, k


# A run this long next to a run of two or more of the other language is a grouped layout;
# two English paragraphs and two Chinese ones are more often an untranslated paragraph and
# a translator's note.
GROUPED_RUN = 3


def run_gap(e: Unit, z: Unit) -> int | None:
    """The distance between two units of neighbouring runs of two units or more, one of
    them ``GROUPED_RUN`` or more (a quote's two paragraphs, then their translation and a comment),
    counted as places in their runs (the longer run's place scaled to the shorter's, or
    not scaled when that is nearer: a run of translations followed by commentary in one
    language): in a layout of a few Chinese paragraphs then their English originals, the
    first of each run are translations, then the second … None for other units."""
    if abs(e.run - z.run) != 1 or min(e.run_len, z.run_len) < 2 or max(e.run_len, z.run_len) < GROUPED_RUN:
        return None
    long_, short = (e, z) if e.run_len >= z.run_len else (z, e)
    scaled = int(round(abs(long_.run_index * short.run_len / long_.run_len - short.run_index)))
    return min(scaled, abs(e.run_index - z.run_index))


def is_heading(u: Unit) -> bool:
    """A Markdown heading, or a short single line that does not end a sentence."""
    first = u.paras[0]
    text = first.text.strip()
    if text.startswith("#"):
        return not is_sentence_heading(u)
    return (
        len(u.paras) == 1
        and first.start == first.end
        and ends_mid_sentence(text)
        and text_length(text) <= HEADING_LENGTH[u.lang]
    )


# The longest a "#" line can be and still read as a heading: news digests' headlines run
# to about 60 English and 40 Chinese characters (text_length).
_PROSE_HEADING_LENGTH = {"zh": 48, "en": 80}


def is_marked_heading(u: Unit) -> bool:
    """A Markdown heading (``## …``) that reads as a heading, not a sentence set large."""
    return u.paras[0].text.lstrip().startswith("#") and not is_sentence_heading(u)


def is_sentence_heading(u: Unit) -> bool:
    """A ``#`` line that is prose ("#### We need to establish nature reserves …."): some
    writers set every English line as a heading; a line longer than headlines run is text."""
    first = u.paras[0]
    text = first.text.strip()
    return text_length(text) > _PROSE_HEADING_LENGTH[u.lang]


def _width(p: Paragraph) -> int:
    return len(p.text.rstrip())


def _join_full_width_lines(units: list[Unit], nonblank_lines: set[int]) -> list[Unit]:
    """A hard-wrapped run (found by ``continues``) also owns a neighbouring one-line block
    that is as wide as the run's lines: the PDF broke there after a sentence by chance."""

    def wrapped(u: Unit) -> bool:
        return u.lang == "en" and len(u.paras) >= 2

    def joinable(a: Paragraph, b: Paragraph, width: int) -> bool:
        return (
            a.lang == b.lang == "en"
            and not a.inline
            and not b.inline
            and a.start == a.end
            and b.start == b.end
            and not a.text.startswith("#")
            and not b.text.startswith("#")
            and _width(a) >= 0.85 * width
            and width >= 40
            and not any(n in nonblank_lines for n in range(a.end + 1, b.start))
        )

    out: list[Unit] = []
    for u in units:
        if out:
            prev = out[-1]
            if wrapped(u) or wrapped(prev):
                run = u if wrapped(u) else prev
                width = max(_width(p) for p in run.paras)
                if joinable(prev.paras[-1], u.paras[0], width):
                    prev.paras.extend(u.paras)
                    continue
        out.append(u)
    return out


# Candidate moves of the DP, in the order they are tried: on equal totals the earlier
# move wins (as ``min`` over the candidate list did). Merges of more than two units
# (k:1, 1:k) come after 1:2, in order of k.
_EN_SKIP, _ZH_SKIP, _ONE_ONE, _TWO_ONE, _ONE_TWO = (1, 0), (0, 1), (1, 1), (2, 1), (1, 2)
_INF = math.inf
_NONE: AbstractSet[Any] = frozenset()
_TWO_DIGITS = re.compile(r"\d\d")


def _log_prior(a: int, b: int) -> float:
    """log P(a:b): Gale & Church's priors, and for a k:1 (1:k) merge with k > 2 half
    the probability of the (k-1):1 merge."""
    if (a, b) in MATCH_PRIOR:
        return math.log(MATCH_PRIOR[a, b])
    k = max(a, b)
    return math.log(MATCH_PRIOR[2, 1]) + (k - 2) * math.log(0.5)


class Aligner:
    """The banded DP over one document's English and Chinese units.

    It looks at ~30 candidate pairs per English unit, so what a pair's cost needs from one
    unit (or a run of neighbouring units of one language) is worked out once per pass, and
    most candidates are dismissed by a lower bound of their cost before the length model
    or the anchors are asked. A cost that is computed is summed in exactly the order
    ``_pair_cost`` documents, and a candidate is only dismissed when it could not have
    won, so these shortcuts never change a result."""

    def __init__(self, units: list[Unit], model: LengthModel, config: Config):
        self.units = units
        self.en = [u for u in units if u.lang == "en"]
        self.zh = [u for u in units if u.lang == "zh"]
        self.model = model
        self.cfg = config
        self._zh_pos = [u.pos for u in self.zh]
        # [p]: how many units before position p are headings
        self._headings_before = [0]
        for u in units:
            self._headings_before.append(self._headings_before[-1] + u.heading)
        self._en_skip = [self.skip_cost(u) for u in self.en]
        self._zh_skip = [self.skip_cost(u) for u in self.zh]
        # [k]: how many units ending with side[k-1] may be translated together (1: only
        # side[k-1] itself; a merge needs neighbours, both headings or both not)
        self._en_run = _runs(self.en, config.max_merge)
        self._zh_run = _runs(self.zh, config.max_merge)
        # [k]: total length of side[:k], for the length of a merged run
        self._en_cum = _cumulative(self.en)
        self._zh_cum = _cumulative(self.zh)
        # anchors (words, numbers) of a run of units together, by (end, count), when asked
        self._en_run_anchors: dict[tuple[int, int], tuple[set, set]] = {}
        self._zh_run_anchors: dict[tuple[int, int], tuple[set, set]] = {}
        # the anchor term by (min(matches, 5), min(misses, 4))
        self._anchor_terms = [
            [config.anchor_miss * misses - config.anchor_bonus * matches for misses in range(5)] for matches in range(6)
        ]
        self._en_partials = [_partial_lengths(u) for u in self.en]
        self._zh_partials = [_partial_lengths(u) for u in self.zh]
        self._log_priors = {
            (a, b): _log_prior(a, b) for k in range(1, max(2, config.max_merge) + 1) for a, b in ((k, 1), (1, k))
        }
        self._log_priors[1, 0] = self._log_priors[0, 1] = math.log(MATCH_PRIOR[1, 0])

    # -- costs -------------------------------------------------------------------------
    def skip_cost(self, unit: Unit) -> float:
        if self.cfg.gale_church_skips:
            en_len, zh_len = (unit.length, 0) if unit.lang == "en" else (0, unit.length)
            return -math.log(MATCH_PRIOR[(1, 0)]) + self.model.cost(en_len, zh_len)
        return self.cfg.skip

    def _pair_cost(self, i: int, a: int, j: int, b: int, prev: float = 0.0, bound: float = _INF) -> float:
        """Cost of translating the units ``en[i-a:i]`` by ``zh[j-b:j]`` (one side one unit,
        the other one or more):

            length cost (Gale–Church; for a long 1:1 block perhaps only partly translated:
                its first or last lines against the other side, plus ``partial_penalty``)
            - log prior of the match type + log prior of 1:1
            + ``merge`` per unit beyond the first on the merged side (those units must be
              neighbours and all headings or all not; else inf)          [with ``order``]
            + ``anchor_miss`` * min(misses, 4) - ``anchor_bonus`` * min(matches, 5)  [``anchors``]
              (a miss: a Latin word or number of the Chinese that the English lacks, or a
              number the English writes in digits that the Chinese lacks)
            + ``order_gap`` per unit sitting between the pair's members (or, for units of
              neighbouring runs of three or more, per place apart in the runs: ``run_gap``) [``order``]
            + ``orientation_cost`` when the other language comes first  [``order``, ``orientation``]

        Returns inf when the DP would not take the pair anyway, i.e. when ``prev + cost``
        cannot be below ``bound`` (found from lower bounds of the length cost first).
        """
        cfg = self.cfg
        terms = []  # what is added after the length cost, in order
        if cfg.order:
            if a > 1:
                if self._en_run[i] < a:
                    return _INF
                terms.append(cfg.merge * (a - 1))
            if b > 1:
                if self._zh_run[j] < b:
                    return _INF
                terms.append(cfg.merge * (b - 1))
        en_first, en_last, zh_first, zh_last = self.en[i - a], self.en[i - 1], self.zh[j - b], self.zh[j - 1]
        if _cannot_translate(en_last, zh_last):
            return _INF
        if en_last.apart_block is not None and en_last.apart_block in (zh_first.apart_block, zh_last.apart_block):
            return _INF
        if en_first.apart_block is not None and en_first.apart_block in (zh_first.apart_block, zh_last.apart_block):
            return _INF
        if cfg.anchors:
            if b == 1:
                zh_anchors = zh_last.anchors
                zh_words, zh_numbers = zh_anchors.words, zh_anchors.numbers
            else:
                zh_words, zh_numbers, _ = _run_anchors(self.zh, self._zh_run_anchors, j, b)
            if not (zh_words or zh_numbers) and not (en_last.digits or en_first.digits):
                en_words = en_numbers = en_written = _NONE  # no evidence either way: skip the English
            elif a == 1:
                if zh_words:
                    en_anchors = en_last.anchors
                    en_words, en_numbers, en_written = en_anchors.words, en_anchors.numbers, en_anchors.written
                else:  # (no Latin word in the Chinese: the English words cannot match nor miss)
                    en_words = _NONE
                    en_numbers, en_written = en_last.number_anchors
            else:
                en_words, en_numbers, en_written = _run_anchors(self.en, self._en_run_anchors, i, a)
            if zh_words or zh_numbers or en_written:  # else no evidence either way
                # Latin words in Chinese text are nearly always copied from the English, so
                # one absent from the English is evidence against the pair; English words
                # are mostly translated, so only their presence on the Chinese side counts.
                # Numbers count both ways: translations keep them, and a number the English
                # writes in digits that the Chinese lacks is a miss too.
                matches = len(zh_words & en_words) + len(zh_numbers & en_numbers)
                misses = len(zh_words) + len(zh_numbers) - matches
                if en_written:
                    misses += len(en_written - zh_numbers)
                terms.append(self._anchor_terms[matches if matches < 5 else 5][misses if misses < 4 else 4])
            else:
                terms.append(self._anchor_terms[0][0])
        if cfg.order:
            en_first_pos, zh_first_pos = en_first.pos, zh_first.pos
            lo = en_first_pos if en_first_pos < zh_first_pos else zh_first_pos
            hi = en_last.pos if en_last.pos > zh_last.pos else zh_last.pos
            gap = (hi - lo + 1) - (a + b)
            if gap and not (en_first.heading or zh_first.heading):
                # the headings between a paragraph and its translation ("### 中文翻译")
                # are structure, not text left untranslated between them
                gap -= self._headings_before[hi] - self._headings_before[lo + 1]
            grouped = run_gap(en_first, zh_first) if gap else None  # (a distance never below 0)
            terms.append(cfg.order_gap * (gap if grouped is None or grouped > gap else grouped))
            if cfg.orientation:
                first_lang = "en" if en_first_pos < zh_first_pos else "zh"
                if first_lang != cfg.orientation:
                    terms.append(cfg.orientation_cost)
        log_prior = self._log_priors[a, b]
        # The cost only grows with the length cost, which is never below 0: when even 0
        # loses, the length model is not asked.
        if bound != _INF and prev + _total(0.0, log_prior, terms) >= bound:
            return _INF
        en_len = en_last.length if a == 1 else self._en_cum[i] - self._en_cum[i - a]
        zh_len = zh_last.length if b == 1 else self._zh_cum[j] - self._zh_cum[j - b]
        # (not memoised: with the pruning above, a document hardly asks for a pair of
        # lengths twice)
        length_cost = self.model.cost(en_len, zh_len)
        penalty = cfg.partial_penalty
        if cfg.partial and a == 1 and b == 1 and length_cost > penalty:
            # A long block translated only in part: its first or last lines carry the match.
            zh_partials, en_partials = self._zh_partials[j - 1], self._en_partials[i - 1]
            if zh_partials or en_partials:
                # that reading costs at least the penalty
                if bound != _INF and prev + _total(penalty, log_prior, terms) >= bound:
                    return _INF
                cost = self.model.cost
                best_partial = min(
                    [cost(en_len, sub) for sub in zh_partials] + [cost(sub, zh_len) for sub in en_partials]
                )
                length_cost = min(length_cost, best_partial + penalty)
        return _total(length_cost, log_prior, terms)

    def _merge_floor(self, k: int) -> float:
        """A lower bound of the cost of any k:1 / 1:k pair (k > 1): the merge and prior
        terms alone (length cost 0, the best anchor term, no gap, the cheaper orientation)."""
        cfg = self.cfg
        floor = 0.0 - self._log_priors[k, 1] - _BASE_PRIOR
        if cfg.order:
            floor += cfg.merge * (k - 1) + min(0.0, cfg.orientation_cost if cfg.orientation else 0.0)
        if cfg.anchors:
            floor += min(min(row) for row in self._anchor_terms)
        return floor

    def _one_one_floor(self, max_gap: int) -> list[float]:
        """[gap]: a lower bound of the cost of any 1:1 pair with ``gap`` units between its
        members: ``_pair_cost``'s sum with length cost 0, the best possible anchor term
        and the cheaper orientation (each sum only grows with each of its terms)."""
        cfg = self.cfg
        head = 0.0 - self._log_priors[1, 1] - _BASE_PRIOR  # as _total sums
        if cfg.anchors:
            head += min(min(row) for row in self._anchor_terms)
        if not cfg.order:
            return [head] * (max_gap + 1)
        floors = [head + cfg.order_gap * gap for gap in range(max_gap + 1)]
        if cfg.orientation:
            cheaper = min(0.0, cfg.orientation_cost)
            floors = [floor + cheaper for floor in floors]
        return floors

    # -- search ------------------------------------------------------------------------
    def _j_range(self, i: int) -> tuple[int, int]:
        n, m, w = len(self.en), len(self.zh), self.cfg.window
        if w is None:
            # Sections read as sequences: a band around the diagonal of the two sequences,
            # wide enough for a translation that skips or merges a good share of paragraphs.
            band = max(SECTION_BAND, int(0.2 * max(n, m)))
            centre = i * m / n if n else 0
            return max(0, int(centre) - band), min(m, int(centre) + 1 + band)
        lo = 0 if i == 0 else bisect.bisect_left(self._zh_pos, self.en[i - 1].pos - w)
        if i == n:
            hi = m
        else:
            # largest j with zh[j-1].pos <= en[i].pos + w
            hi = bisect.bisect_right(self._zh_pos, self.en[i].pos + w)
        return lo, max(lo, hi)

    def align(self) -> list[AlignedPair]:
        """The DP's alignment: the pairs of the cheapest path, in reading order."""
        if self.cfg.local_first:
            local = align_local(self)  # the same pairs, when it can prove that
            if local is not None:
                return [self._aligned(en, zh, cost) for en, zh, cost in local]
        return self._align_dp()

    def _aligned(self, en: list[Unit], zh: list[Unit], cost: float) -> AlignedPair:
        margin = sum(self.skip_cost(u) for u in en + zh) - cost
        return AlignedPair(en, zh, cost, 1.0 / (1.0 + math.exp(-margin / 2.0)))

    def _align_dp(self) -> list[AlignedPair]:
        n, m = len(self.en), len(self.zh)
        en_skip, zh_skip = self._en_skip, self._zh_skip
        pair_cost = self._pair_cost
        en_pos, zh_pos = [u.pos for u in self.en], self._zh_pos
        one_one_floor = self._one_one_floor(len(self.en) + len(self.zh))
        merge_floor = [0.0, 0.0] + [self._merge_floor(k) for k in range(2, max(2, self.cfg.max_merge) + 1)]
        # Units that may not be translated together cost inf as a merged pair: such
        # candidates are not even looked at.
        unlimited = [self.cfg.max_merge] * (max(n, m) + 1)
        en_run = self._en_run if self.cfg.order else unlimited
        zh_run = self._zh_run if self.cfg.order else unlimited
        # Row i holds the cells j = row_lo[i] ..: the best total (inf: not reached), the
        # move that reached it and, for a pair move, that pair's cost. Candidates are
        # tried in the order 1:0, 0:1, 1:1, 2:1, 1:2, 3:1, 1:3 …; on equal totals the
        # earlier wins.
        row_lo: list[int] = []
        totals: list[list[float]] = []
        moves: list[list[tuple[int, int] | None]] = []
        pair_costs: list[list[float]] = []
        for i in range(n + 1):
            lo, hi = self._j_range(i)
            width = hi - lo + 1
            row = [_INF] * width
            row_moves: list[tuple[int, int] | None] = [None] * width
            row_pair_costs = [0.0] * width
            # the rows moves come from: i-1 (1:0, 1:1, 1:k) and i-k (k:1)
            up, up_lo = (totals[i - 1], row_lo[i - 1]) if i >= 1 else ([], 0)
            up_len = len(up)
            en_merge = min(en_run[i], i) if i else 0
            row_lo.append(lo)
            totals.append(row)
            moves.append(row_moves)
            pair_costs.append(row_pair_costs)
            skip_en = en_skip[i - 1] if i else 0.0
            en_at = en_pos[i - 1] if i else 0
            left = _INF  # total of cell (i, j-1)
            first_j = lo
            if i == 0:
                row[0] = left = 0.0  # the start, (0, 0)
                first_j = 1
            for j in range(first_j, hi + 1):
                best, move, best_pair_cost = _INF, None, 0.0
                u = j - up_lo  # 1:0 from (i-1, j)
                if 0 <= u < up_len and up[u] != _INF:
                    best, move = up[u] + skip_en, _EN_SKIP
                if left != _INF:  # 0:1 from (i, j-1)
                    t = left + zh_skip[j - 1]
                    if t < best:
                        best, move = t, _ZH_SKIP
                u -= 1  # 1:1 from (i-1, j-1)
                if 0 <= u < up_len and up[u] != _INF:
                    prev = up[u]
                    gap = en_at - zh_pos[j - 1]
                    gap = (gap if gap > 0 else -gap) - 1
                    if gap:
                        grouped = run_gap(self.en[i - 1], self.zh[j - 1])
                        if grouped is not None and grouped < gap:
                            gap = grouped
                    # most candidates lie too far apart to win even with a perfect length fit
                    if prev + one_one_floor[gap] < best:
                        cost = pair_cost(i, 1, j, 1, prev, best)
                        if cost != _INF and prev + cost < best:
                            best, move, best_pair_cost = prev + cost, _ONE_ONE, cost
                zh_merge = min(zh_run[j], j) if j else 0
                for k in range(2, max(en_merge, zh_merge) + 1):
                    floor = merge_floor[k]
                    if k <= en_merge:  # k:1 from (i-k, j-1)
                        src, src_lo = totals[i - k], row_lo[i - k]
                        v = j - 1 - src_lo
                        if 0 <= v < len(src) and src[v] != _INF and src[v] + floor < best:
                            prev = src[v]
                            cost = pair_cost(i, k, j, 1, prev, best)
                            if cost != _INF and prev + cost < best:
                                best, move, best_pair_cost = prev + cost, (k, 1), cost
                    if k <= zh_merge and up_len:  # 1:k from (i-1, j-k)
                        v = j - k - up_lo
                        if 0 <= v < up_len and up[v] != _INF and up[v] + floor < best:
                            prev = up[v]
                            cost = pair_cost(i, 1, j, k, prev, best)
                            if cost != _INF and prev + cost < best:
                                best, move, best_pair_cost = prev + cost, (1, k), cost
                left = best
                if move is not None:
                    k = j - lo
                    row[k] = best
                    row_moves[k] = move
                    row_pair_costs[k] = best_pair_cost
        # trace back
        pairs: list[AlignedPair] = []
        i, j = n, m
        while (i, j) != (0, 0):
            k = j - row_lo[i]
            if not 0 <= k < len(moves[i]) or moves[i][k] is None:
                raise KeyError((i, j))
            a, b = moves[i][k]  # type: ignore[misc]  # (not None: checked above)
            if a and b:
                pairs.append(self._aligned(self.en[i - a : i], self.zh[j - b : j], pair_costs[i][k]))
            i, j = i - a, j - b
        pairs.reverse()
        return pairs


def _total(length_cost: float, log_prior: float, terms: list[float]) -> float:
    """A pair's cost from its length cost: the sum in ``_pair_cost``'s order."""
    cost = length_cost - log_prior - _BASE_PRIOR
    for t in terms:
        cost += t
    return cost


def _runs(side: list[Unit], limit: int) -> list[int]:
    """[k]: how many units ending with side[k-1] (at most ``limit``) are neighbours in the
    document, all headings or all not, and in one block when one of them is a line of a
    line-by-line block: the longest run that may be translated together."""
    out = [0]
    for k, u in enumerate(side):
        run = 1
        if k and _joinable(side[k - 1], u):
            run = min(out[k] + 1, limit)
        out.append(run)
    return out


def _joinable(a: Unit, b: Unit) -> bool:
    if b.pos != a.pos + 1 or b.heading != a.heading:
        return False
    return not ((a.line_level or b.line_level) and a.paras[-1].block != b.paras[0].block)


def _cumulative(side: list[Unit]) -> list[int]:
    out = [0]
    for u in side:
        out.append(out[-1] + u.length)
    return out


def _run_anchors(side: list[Unit], cache: dict, end: int, count: int) -> tuple[set, set, set]:
    """Anchors (words, numbers, written numbers) of side[end-count:end] together."""
    key = (end, count)
    if key not in cache:
        both = side[end - count].anchors
        for u in side[end - count + 1 : end]:
            both = both | u.anchors
        cache[key] = (both.words, both.numbers, both.written)
    return cache[key]


def _partial_lengths(u: Unit) -> tuple[int, ...]:
    """Lengths of a multi-line unit's first k and last k lines (0 < k < lines)."""
    lines = u.line_lengths
    if len(lines) < 2:
        return ()
    return tuple(sorted({s for k in range(1, len(lines)) for s in (sum(lines[:k]), sum(lines[-k:]))}))


def _cannot_translate(a: Unit, b: Unit) -> bool:
    """A Markdown heading translates a heading or a line, not a paragraph of prose."""
    return (a.marked_heading and b.prose) or (b.marked_heading and a.prose)


def neighbour_pairs(units: list[Unit]) -> list[tuple[int, int]]:
    """(en_len, zh_len) of units of opposite language that sit next to each other, both
    headings or both not: in an interleaved document most are translations, which is
    enough to fit the length model (a section number "一、" over an English paragraph is
    not one)."""
    out = []
    k = 0
    while k + 1 < len(units):
        a, b = units[k], units[k + 1]
        if a.lang != b.lang and a.heading == b.heading:
            en, zh = (a, b) if a.lang == "en" else (b, a)
            out.append((en.length, zh.length))
            k += 2
        else:
            k += 1
    return out


def align_units(units: list[Unit], config: Config | None = None) -> tuple[list[AlignedPair], LengthModel]:
    """Two passes: the first with a length model fitted to neighbouring paragraphs, the
    second with the model refitted to the first pass's pairs and the document's reading
    order (English first or Chinese first) learnt from them.

    When the first pass leaves most of one language unpaired and each language comes in
    runs of paragraphs, the translation may follow as a section of its own (all English,
    then all Chinese, one Chinese paragraph often covering several English ones): the two
    sections are aligned as sequences (length and anchors, no distance penalty, a band
    around the diagonal, merges of up to twice the ratio of the sections' paragraph
    counts, at most ``SECTION_MERGE``), and that reading is kept when it pairs clearly
    more of the text."""
    config = config or Config()
    model = LengthModel.estimate(neighbour_pairs(units))
    first = Aligner(units, model, config).align()
    if config.order and _may_be_sections(units, first):
        # Merges as long as the two sections' paragraph counts call for (8 English
        # paragraphs to 2 Chinese ones: up to 8:1), at most SECTION_MERGE.
        n_en = sum(1 for u in units if u.lang == "en")
        n_zh = len(units) - n_en
        merge = min(SECTION_MERGE, max(config.max_merge, math.ceil(2 * max(n_en, n_zh) / max(1, min(n_en, n_zh)))))
        sections = replace(config, order_gap=0.0, window=None, orientation=None, max_merge=merge)
        trial = Aligner(units, model, sections).align()
        if trial and (
            coverage(units, trial) >= coverage(units, first) + 0.2
            or unit_coverage(units, trial) >= unit_coverage(units, first) + 0.4
        ):
            one_to_one = [(p.en[0].length, p.zh[0].length) for p in trial if len(p.en) == 1 and len(p.zh) == 1]
            if len(one_to_one) >= 3:
                model = LengthModel.estimate(one_to_one)
            return Aligner(units, model, sections).align(), model
    if not first:
        return first, model
    model = (
        LengthModel.estimate([(p.en[0].length, p.zh[0].length) for p in first if len(p.en) == 1 and len(p.zh) == 1])
        if len(first) >= 3
        else model
    )
    second_cfg = replace(config)
    if config.order:
        en_first = sum(1 for p in first if min(u.pos for u in p.en) < min(u.pos for u in p.zh))
        if en_first >= 0.7 * len(first):
            second_cfg.orientation = "en"
        elif en_first <= 0.3 * len(first):
            second_cfg.orientation = "zh"
    return Aligner(units, model, second_cfg).align(), model


SECTION_MERGE = 8
SECTION_BAND = 16


def coverage(units: list[Unit], pairs: list[AlignedPair]) -> float:
    """The smaller of the two shares, by length, of English and of Chinese text that
    ``pairs`` pair."""
    total = {"en": 0, "zh": 0}
    for u in units:
        total[u.lang] += u.length
    paired = {"en": sum(u.length for p in pairs for u in p.en), "zh": sum(u.length for p in pairs for u in p.zh)}
    return min(paired[lang] / total[lang] if total[lang] else 0.0 for lang in ("en", "zh"))


def unit_coverage(units: list[Unit], pairs: list[AlignedPair]) -> float:
    """The smaller of the two shares, by count, of English and of Chinese units that
    ``pairs`` pair: a poem of short lines followed by a long essay in one language is
    little of that language's text but most of its paragraphs before the essay."""
    total = {"en": 0, "zh": 0}
    for u in units:
        total[u.lang] += 1
    paired = {"en": sum(len(p.en) for p in pairs), "zh": sum(len(p.zh) for p in pairs)}
    return min(paired[lang] / total[lang] if total[lang] else 0.0 for lang in ("en", "zh"))


def _may_be_sections(units: list[Unit], first: list[AlignedPair]) -> bool:
    """Less than half of one language paired, both languages present, and two
    neighbouring paragraphs of one language somewhere (a section of its own)."""
    if coverage(units, first) >= 0.5 or len({u.lang for u in units}) < 2:
        return False
    return any(a.lang == b.lang for a, b in zip(units, units[1:]))
