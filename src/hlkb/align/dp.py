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
from dataclasses import dataclass, field

from hlkb.align.anchors import Anchors, anchor_evidence, anchors_of
from hlkb.align.gale_church import MATCH_PRIOR, LengthModel, text_length
from hlkb.align.segment import Paragraph, continues, ends_mid_sentence

_BASE_PRIOR = -math.log(MATCH_PRIOR[(1, 1)])


@dataclass
class Unit:
    """One or more paragraphs of one language that translate as a whole (a paragraph,
    or a hard-wrapped paragraph that was copied as several blocks)."""

    lang: str
    paras: list[Paragraph]
    pos: int = 0                                  # index in the document's unit sequence
    length: int = 0
    line_lengths: list[int] = field(default_factory=list)
    anchors: Anchors = field(default_factory=Anchors)
    heading: bool = False


@dataclass
class Config:
    anchors: bool = True
    order: bool = True
    partial: bool = True            # a long multi-line paragraph may be only partly translated
    skip: float = 5.5               # price of one unpaired unit
    window: int = 8                 # how far apart (in units) two sides of a pair may be
    order_gap: float = 7.0          # per unit sitting between the two sides of a pair
    orientation: str | None = None  # "en" / "zh": the language that usually comes first
    orientation_cost: float = 4.0
    anchor_bonus: float = 1.2
    anchor_miss: float = 1.0
    partial_penalty: float = 3.0
    merge: float = 3.0              # extra price of a 2:1 / 1:2 pair over G&C's prior
    gale_church_skips: bool = False  # baseline: skips priced by the length model, as in G&C


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
        text = "\n".join(p.text for p in u.paras)
        u.length = text_length(text)
        u.line_lengths = [text_length(line) for p in u.paras for line in p.text.split("\n")]
        u.anchors = anchors_of(text, u.lang)
        u.heading = is_heading(u)
    return units


def is_heading(u: Unit) -> bool:
    """A Markdown heading, or a short single line that does not end a sentence."""
    first = u.paras[0]
    text = first.text.strip()
    if text.startswith("#"):
        return True
    return (len(u.paras) == 1 and first.start == first.end and text_length(text) <= (16 if u.lang == "zh" else 40)
            and ends_mid_sentence(text))


def _width(p: Paragraph) -> int:
    return len(p.text.rstrip())


def _join_full_width_lines(units: list[Unit], nonblank_lines: set[int]) -> list[Unit]:
    """A hard-wrapped run (found by ``continues``) also owns a neighbouring one-line block
    that is as wide as the run's lines: the PDF broke there after a sentence by chance."""
    def wrapped(u: Unit) -> bool:
        return u.lang == "en" and len(u.paras) >= 2

    def joinable(a: Paragraph, b: Paragraph, width: int) -> bool:
        return (a.lang == b.lang == "en" and not a.inline and not b.inline
                and a.start == a.end and b.start == b.end
                and not a.text.startswith("#") and not b.text.startswith("#")
                and _width(a) >= 0.85 * width and width >= 40
                and not any(n in nonblank_lines for n in range(a.end + 1, b.start)))

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


class Aligner:
    def __init__(self, units: list[Unit], model: LengthModel, config: Config):
        self.en = [u for u in units if u.lang == "en"]
        self.zh = [u for u in units if u.lang == "zh"]
        self.model = model
        self.cfg = config
        self._zh_pos = [u.pos for u in self.zh]

    # -- costs -------------------------------------------------------------------------
    def skip_cost(self, unit: Unit) -> float:
        if self.cfg.gale_church_skips:
            en_len, zh_len = (unit.length, 0) if unit.lang == "en" else (0, unit.length)
            return -math.log(MATCH_PRIOR[(1, 0)]) + self.model.cost(en_len, zh_len)
        return self.cfg.skip

    def _length_cost(self, en: list[Unit], zh: list[Unit]) -> float:
        en_len = sum(u.length for u in en)
        zh_len = sum(u.length for u in zh)
        best = self.model.cost(en_len, zh_len)
        if self.cfg.partial and len(en) == 1 and len(zh) == 1 and best > self.cfg.partial_penalty:
            # A long block translated only in part: its first or last lines carry the match.
            for side, other_len in ((zh[0], en_len), (en[0], zh_len)):
                lines = side.line_lengths
                if len(lines) < 2:
                    continue
                for k in range(1, len(lines)):
                    for sub in (sum(lines[:k]), sum(lines[-k:])):
                        c = (self.model.cost(other_len, sub) if side is zh[0] else self.model.cost(sub, other_len))
                        best = min(best, c + self.cfg.partial_penalty)
        return best

    def pair_cost(self, en: list[Unit], zh: list[Unit]) -> float:
        cfg = self.cfg
        cost = self._length_cost(en, zh) - math.log(MATCH_PRIOR[(len(en), len(zh))]) - _BASE_PRIOR
        for side in (en, zh):
            if len(side) == 2 and cfg.order:
                # Paragraphs translated together sit together; a title goes with its
                # byline or dateline, never with a body paragraph.
                if side[1].pos != side[0].pos + 1 or side[1].heading != side[0].heading:
                    return math.inf
                cost += cfg.merge
        if cfg.anchors:
            a_en = en[0].anchors if len(en) == 1 else en[0].anchors | en[1].anchors
            a_zh = zh[0].anchors if len(zh) == 1 else zh[0].anchors | zh[1].anchors
            matches, misses = anchor_evidence(a_en, a_zh)
            cost += cfg.anchor_miss * min(misses, 4) - cfg.anchor_bonus * min(matches, 5)
        if cfg.order:
            members = en + zh
            lo = min(u.pos for u in members)
            hi = max(u.pos for u in members)
            cost += cfg.order_gap * ((hi - lo + 1) - len(members))
            if cfg.orientation:
                first = min(members, key=lambda u: u.pos)
                if first.lang != cfg.orientation:
                    cost += cfg.orientation_cost
        return cost

    # -- search ------------------------------------------------------------------------
    def _j_range(self, i: int) -> tuple[int, int]:
        n, m, w = len(self.en), len(self.zh), self.cfg.window
        lo = 0 if i == 0 else bisect.bisect_left(self._zh_pos, self.en[i - 1].pos - w)
        if i == n:
            hi = m
        else:
            # largest j with zh[j-1].pos <= en[i].pos + w
            hi = bisect.bisect_right(self._zh_pos, self.en[i].pos + w)
        return lo, max(lo, hi)

    def align(self) -> list[AlignedPair]:
        n, m = len(self.en), len(self.zh)
        best: dict[tuple[int, int], tuple[float, tuple[int, int] | None]] = {(0, 0): (0.0, None)}
        for i in range(n + 1):
            lo, hi = self._j_range(i)
            for j in range(lo, hi + 1):
                if i == 0 and j == 0:
                    continue
                cands = []
                if i >= 1 and (i - 1, j) in best:
                    cands.append((best[(i - 1, j)][0] + self.skip_cost(self.en[i - 1]), (1, 0)))
                if j >= 1 and (i, j - 1) in best:
                    cands.append((best[(i, j - 1)][0] + self.skip_cost(self.zh[j - 1]), (0, 1)))
                for a, b in ((1, 1), (2, 1), (1, 2)):
                    prev = (i - a, j - b)
                    if prev[0] < 0 or prev[1] < 0 or prev not in best:
                        continue
                    cost = self.pair_cost(self.en[i - a:i], self.zh[j - b:j])
                    if cost == math.inf:
                        continue
                    cands.append((best[prev][0] + cost, (a, b)))
                if cands:
                    best[(i, j)] = min(cands, key=lambda c: c[0])
        # trace back
        pairs: list[AlignedPair] = []
        i, j = n, m
        while (i, j) != (0, 0):
            total, move = best[(i, j)]
            a, b = move
            if a and b:
                en, zh = self.en[i - a:i], self.zh[j - b:j]
                cost = self.pair_cost(en, zh)
                margin = sum(self.skip_cost(u) for u in en + zh) - cost
                score = 1.0 / (1.0 + math.exp(-margin / 2.0))
                pairs.append(AlignedPair(en, zh, cost, score))
            i, j = i - a, j - b
        pairs.reverse()
        return pairs


def neighbour_pairs(units: list[Unit]) -> list[tuple[int, int]]:
    """(en_len, zh_len) of units of opposite language that sit next to each other: in an
    interleaved document most are translations, which is enough to fit the length model."""
    out = []
    k = 0
    while k + 1 < len(units):
        a, b = units[k], units[k + 1]
        if a.lang != b.lang:
            en, zh = (a, b) if a.lang == "en" else (b, a)
            out.append((en.length, zh.length))
            k += 2
        else:
            k += 1
    return out


def align_units(units: list[Unit], config: Config | None = None) -> tuple[list[AlignedPair], LengthModel]:
    """Two passes: the first with a length model fitted to neighbouring paragraphs, the
    second with the model refitted to the first pass's pairs and the document's reading
    order (English first or Chinese first) learnt from them."""
    config = config or Config()
    model = LengthModel.estimate(neighbour_pairs(units))
    first = Aligner(units, model, config).align()
    n_en = sum(1 for u in units if u.lang == "en")
    n_zh = len(units) - n_en
    if config.order and min(n_en, n_zh) >= 3 and len(first) * 2 < min(n_en, n_zh):
        # Perhaps not interleaved: the translation follows as a section of its own. Align
        # the two sections as sequences (length and anchors, no distance penalty) and keep
        # that reading when it explains clearly more of the text.
        sections = Config(**{**config.__dict__, "order_gap": 0.0, "window": 10**9, "orientation": None})
        trial = Aligner(units, model, sections).align()
        if len(trial) * 2 >= min(n_en, n_zh) and len(trial) > len(first):
            if len(trial) >= 3:
                model = LengthModel.estimate([(p.en[0].length, p.zh[0].length) for p in trial
                                              if len(p.en) == 1 and len(p.zh) == 1])
            return Aligner(units, model, sections).align(), model
    if not first:
        return first, model
    model = LengthModel.estimate([(p.en[0].length, p.zh[0].length) for p in first
                                  if len(p.en) == 1 and len(p.zh) == 1]) if len(first) >= 3 else model
    second_cfg = Config(**{**config.__dict__})
    if config.order:
        en_first = sum(1 for p in first if min(u.pos for u in p.en) < min(u.pos for u in p.zh))
        if en_first >= 0.7 * len(first):
            second_cfg.orientation = "en"
        elif en_first <= 0.3 * len(first):
            second_cfg.orientation = "zh"
    return Aligner(units, model, second_cfg).align(), model
