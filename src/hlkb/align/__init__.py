"""The bilingual splitter: English/Chinese paragraph pairs of a saved article.

``split_text`` classifies lines (``segment``), reads the document's layout into
paragraphs (``blocks``), aligns them by dynamic programming with a Gale–Church length
model, lexical anchors and the interleaving prior (``dp``), repairs copy artifacts in the
Chinese (``repair``), and returns an ``Alignment``. ``pairs_for_note`` is what the pipeline
calls for every note; it returns [] unless the alignment itself shows a bilingual article
(``verdict``): enough English and Chinese paragraphs that pair with confidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import islice

from hlkb.align.anchors import Anchors, anchors_of
from hlkb.align.blocks import segment
from hlkb.align.dp import align_units, build_units
from hlkb.align.repair import repair_text
from hlkb.align.script import zh_script
from hlkb.align.segment import chinese_share, latin_words
from hlkb.lang import HAN as _HAN
from hlkb.model import Note, Pair, Repair, note_id_for, pair_id_for, stable_hash

__all__ = ["Alignment", "Verdict", "split_text", "align_note", "pairs_for_note", "is_bilingual", "verdict"]

_WORD = re.compile(r"[A-Za-z]{2,}")

# A pair is confident when the DP's score is at least this and the Chinese/English length
# ratio is one a translation has (the corpus's pairs run from 0.2 to 1.1; an English
# passage with a one-line Chinese comment on it is below 0.13).
CONFIDENT_SCORE = 0.8
RATIO_RANGE = (0.15, 1.6)
# Below these lengths (characters) the ratio says little: a heading, a short line.
_RATIO_MIN_LENGTH = 60
# The Chinese side of a confident pair: at least this share Chinese (segment.chinese_share).
CHINESE_SHARE = 0.6
# A single confident pair makes a bilingual note when it holds at least the first share of
# one language's text and the second of the other's (one paragraph and its translation,
# perhaps with the reader's comments around them).
SINGLE_PAIR_SHARES = (0.8, 0.3)


@dataclass
class Verdict:
    bilingual: bool
    reason: str  # why (one line, for `hlkb pairs -v`)
    confident: int = 0  # confident pairs
    en_units: int = 0
    zh_units: int = 0


@dataclass
class Alignment:
    path: str
    paragraphs: list  # blocks.Paragraph, in reading order
    pairs: list[Pair]
    units: list = field(default_factory=list)  # dp.Unit
    unpaired: list = field(default_factory=list)  # dp.Unit left without a counterpart
    repairs: list[Repair] = field(default_factory=list)
    lines: list = field(default_factory=list)  # segment.LineInfo per line
    zh_script: str | None = None
    hopeless: str = ""  # why it was not aligned at all (split_text(bilingual_only=True))
    facts: dict = field(default_factory=dict)  # id(pair) -> PairFacts, from the aligner's anchors

    @property
    def bilingual(self) -> bool:
        return is_bilingual(self)

    @property
    def verdict(self) -> Verdict:
        return verdict(self)


def is_bilingual(alignment: Alignment) -> bool:
    return verdict(alignment).bilingual


def confident(pair: Pair, facts: PairFacts | None = None) -> bool:
    """The pair's score is high, its Chinese side is mostly Chinese (not English with a
    Chinese phrase in it), names at most one Latin word the English lacks and lacks at
    most one number the English writes in digits, and, when both sides are long enough
    to tell, its Chinese/English length ratio is a translation's. (``facts``: the two
    sets, when the caller has them.)"""

    if pair.score < CONFIDENT_SCORE or chinese_share("\n".join(pair.zh)) < CHINESE_SHARE:
        return False
    facts = facts or pair_facts(pair)
    if len(facts.foreign) >= 2 or len(facts.lost) >= 2:
        return False
    en = sum(_length(t) for t in pair.en)
    zh = sum(_length(t) for t in pair.zh)
    if en < _RATIO_MIN_LENGTH and zh < _RATIO_MIN_LENGTH * RATIO_RANGE[0]:
        return True
    return RATIO_RANGE[0] <= zh / max(en, 1) <= RATIO_RANGE[1]


@dataclass
class PairFacts:
    """What ``confident`` asks of a pair beyond its score and lengths."""

    foreign: set[str]  # Latin words of the Chinese that the English lacks
    lost: set[float]  # numbers the English writes in digits that the Chinese lacks


def pair_facts(pair: Pair, en_anchors=None, zh_anchors=None) -> PairFacts:
    """``PairFacts`` of ``pair``; the anchors of its sides, when the aligner has them, save
    reading its figures again. Each may also be a function that returns them, asked only
    when they matter (the aligner reads an English unit's anchors only where a Chinese
    one has some).

    Foreign words: a translation copies its Latin words from the original, a reader's
    comment names its own (``VOA``, ``Hugh``); a speaker's label and a term glossed in
    parentheses do not count. Lost numbers: a translation keeps the numbers the English
    writes in digits (``2009``, ``45%``), a comment on the English does not."""

    def en() -> Anchors:
        nonlocal en_anchors
        if callable(en_anchors):
            en_anchors = en_anchors()
        if en_anchors is None:
            en_anchors = anchors_of("\n".join(pair.en), "en")
        return en_anchors

    foreign: set[str] = set()
    zh_text = "\n".join(pair.zh)
    if not zh_text.isascii() and latin_words(zh_text):
        cleaned = _GLOSS_IN_PARENS.sub(" ", _SPEAKER.sub("", zh_text))
        foreign = {w.casefold() for w in latin_words(cleaned) if len(w) >= 2} - en().words - _STOP_WORDS
    lost: set[float] = set()
    # A figure's text is part of the English, so without two digits in a row there the
    # English writes no number in digits (Anchors.written is empty): no need to read it.
    if _TWO_DIGITS.search("\n".join(pair.en)) and en().written:
        if callable(zh_anchors):
            zh_anchors = zh_anchors()
        zh_anchors = zh_anchors or anchors_of(zh_text, "zh")
        lost = en().written - zh_anchors.numbers
    return PairFacts(foreign, lost)


_TWO_DIGITS = re.compile(r"\d\d")


# A translator's gloss of a term in parentheses: "能源独立性（Energy Independence: …）".
_GLOSS_IN_PARENS = re.compile(r"[（(][^（）()]*[A-Za-z][^（）()]*[）)]")
# A speaker's name before their words ("**Stan Druckenmiller:** …"): a transcript's label,
# which the other language may leave out.
_SPEAKER = re.compile(r"^\s*(?:\*\*|__)[^*_\n]{1,40}?(?:\*\*|__)?\s*[:：]\s*(?:\*\*|__)?", re.MULTILINE)


_STOP_WORDS = frozenset("the a an and or of in on at to for is are was were be it its this that".split())


def _length(text: str) -> int:
    return len("".join(text.split()))


def verdict(alignment: Alignment) -> Verdict:
    """A bilingual article, not a note that merely holds both languages: at least two
    confident pairs and at least a third of the paragraphs of the rarer language in them,
    or one confident pair that holds nearly all of one language's text and some of the
    other's."""
    en_units = sum(1 for u in alignment.units if u.lang == "en")
    zh_units = len(alignment.units) - en_units
    facts = alignment.facts
    n_conf = sum(1 for p in alignment.pairs if confident(p, facts.get(id(p))))
    v = Verdict(False, "", n_conf, en_units, zh_units)
    if alignment.hopeless:
        v.reason = alignment.hopeless + _notes_lines(alignment)
        return v
    if not en_units or not zh_units:
        v.reason = f"no {'English' if not en_units else 'Chinese'} paragraphs" + _notes_lines(alignment)
        return v
    if not alignment.pairs:
        v.reason = (
            f"{en_units} English and {zh_units} Chinese paragraphs, but none is a translation of another"
            + _notes_lines(alignment)
        )
        return v
    if len(alignment.pairs) == 1:
        shares = _paired_shares(alignment)
        if max(shares) >= SINGLE_PAIR_SHARES[0] and min(shares) >= SINGLE_PAIR_SHARES[1]:
            v.bilingual = n_conf == 1
            v.reason = (
                f"one pair, {shares[0]:.0%} of the English and {shares[1]:.0%} of the Chinese text"
                if v.bilingual
                else f"one pair, not confident: {_unconfident(alignment.pairs, facts)}"
            )
            return v
    rarer = min(en_units, zh_units)
    if n_conf >= 2 and n_conf * 3 >= rarer:
        v.bilingual = True
        v.reason = f"{n_conf} confident pairs of {en_units} English and {zh_units} Chinese paragraphs"
        return v
    why = _unconfident([p for p in alignment.pairs if not confident(p, facts.get(id(p)))], facts)
    v.reason = (
        f"{n_conf} of {len(alignment.pairs)} candidate pairs confident, for {en_units} English and "
        f"{zh_units} Chinese paragraphs (a bilingual article has at least 2, and a third of the "
        f"{rarer})" + (f"; not confident: {why}" if why else "") + _notes_lines(alignment)
    )
    return v


def _paired_shares(alignment: Alignment) -> tuple[float, float]:
    """The shares of English and of Chinese text (by length) that are in pairs."""
    total = {"en": 0, "zh": 0}
    left = {"en": 0, "zh": 0}
    for u in alignment.units:
        total[u.lang] += u.length
    for u in alignment.unpaired:
        left[u.lang] += u.length
    en, zh = ((total[k] - left[k]) / total[k] if total[k] else 0.0 for k in ("en", "zh"))
    return en, zh


def _unconfident(pairs: list[Pair], facts: dict) -> str:
    """What makes these pairs unconvincing, in a few words."""

    def _foreign_words(p):
        return (facts.get(id(p)) or pair_facts(p)).foreign

    def _lost_numbers(p):
        return (facts.get(id(p)) or pair_facts(p)).lost

    def confident_(p):
        return confident(p, facts.get(id(p)))

    causes = []
    low = sum(1 for p in pairs if p.score < CONFIDENT_SCORE)
    if low:
        causes.append(f"{low} with a score below {CONFIDENT_SCORE} (lengths or numbers do not fit)")
    english = sum(1 for p in pairs if p.score >= CONFIDENT_SCORE and chinese_share("\n".join(p.zh)) < CHINESE_SHARE)
    if english:
        causes.append(f"{english} whose Chinese side is mostly English")
    foreign = [
        p
        for p in pairs
        if p.score >= CONFIDENT_SCORE
        and chinese_share("\n".join(p.zh)) >= CHINESE_SHARE
        and (len(_foreign_words(p)) >= 2 or len(_lost_numbers(p)) >= 2)
    ]
    words = sorted({w for p in foreign if len(_foreign_words(p)) >= 2 for w in _foreign_words(p)})[:4]
    numbers = sorted({n for p in foreign if len(_lost_numbers(p)) >= 2 for n in _lost_numbers(p)})[:4]
    if words:
        causes.append(
            f"{sum(1 for p in foreign if len(_foreign_words(p)) >= 2)} whose Chinese names Latin words "
            f"the English lacks ({', '.join(words)})"
        )
    if numbers:
        causes.append(
            f"{sum(1 for p in foreign if len(_lost_numbers(p)) >= 2)} whose Chinese lacks numbers the "
            f"English gives ({', '.join(f'{n:g}' for n in numbers)})"
        )
    ratios = sorted(
        round(sum(_length(t) for t in p.zh) / max(1, sum(_length(t) for t in p.en)), 2)
        for p in pairs
        if p.score >= CONFIDENT_SCORE
        and not confident_(p)
        and chinese_share("\n".join(p.zh)) >= CHINESE_SHARE
        and p not in foreign
    )
    if ratios:
        causes.append(
            f"{len(ratios)} with a Chinese/English length ratio of {ratios[0]}–{ratios[-1]}, "
            f"outside a translation's {RATIO_RANGE[0]}–{RATIO_RANGE[1]} (comments, not translations)"
        )
    return "; ".join(causes)


def _notes_lines(alignment: Alignment) -> str:
    notes = sum(1 for i in alignment.lines if i.why == "notes")
    return f"; {notes} lines are glosses, examples or analysis, which are never paired" if notes else ""


def split_text(
    text: str,
    path: str = "<string>",
    first_line: int = 1,
    note_id: str | None = None,
    config=None,
    merge_wrapped: bool = True,
    bilingual_only: bool = False,
) -> Alignment:
    """Segment and align ``text`` (already decoded; its first line is file line ``first_line``).

    ``bilingual_only``: do not align paragraphs that cannot make a bilingual verdict
    (no English paragraph, or none that is mostly Chinese); the alignment then has no
    pairs and says why in ``hopeless``."""

    infos, paragraphs = segment(text, first_line)
    nonblank = {i.number for i in infos if i.kind != "blank" or i.why}  # (a `>` spacer parts wrapped lines)
    units = build_units(paragraphs, nonblank, merge_wrapped=merge_wrapped)
    if bilingual_only:
        hopeless = _cannot_be_bilingual(units)
        if hopeless:
            return Alignment(path, paragraphs, [], units, list(units), [], infos, None, hopeless)
    note_id = note_id or note_id_for(path)
    script = zh_script("".join(p.text for p in paragraphs if p.lang == "zh"))

    repaired: dict[int, tuple[str, list[Repair]]] = {}
    all_repairs: list[Repair] = []
    for p in paragraphs:
        if p.lang == "zh":
            fixed, reps = repair_text(p.text, p.start)
            repaired[id(p)] = (fixed, reps)
            all_repairs.extend(reps)

    aligned, _model = align_units(units, config) if units else ([], None)
    pairs: list[Pair] = []
    facts: dict = {}
    seen_ids: dict[str, int] = {}
    paired_units: set[int] = set()
    for ap in aligned:
        en_paras = [p for u in ap.en for p in u.paras]
        zh_paras = [p for u in ap.zh for p in u.paras]
        paired_units.update(id(u) for u in ap.en + ap.zh)
        en = [p.text for p in en_paras]
        zh = [repaired[id(p)][0] for p in zh_paras]
        reps = [r for p in zh_paras for r in repaired[id(p)][1]]
        pid = pair_id_for(note_id, en, zh)
        occurrence = seen_ids.get(pid, 0)
        seen_ids[pid] = occurrence + 1
        if occurrence:
            # the same pair again in one note ("谢谢 / Thank you" twice): ids stay unique
            pid = "p_" + stable_hash(pid[2:], str(occurrence))
        pair = Pair(
            id=pid,
            note_id=note_id,
            path=path,
            line=min(p.start for p in en_paras + zh_paras),
            en=en,
            zh=zh,
            en_lines=[p.start for p in en_paras],
            zh_lines=[p.start for p in zh_paras],
            score=ap.score,
            repairs=reps,
            zh_script=script,
            en_markdown=[p.markdown for p in en_paras],
            zh_markdown=[p.markdown for p in zh_paras],
        )
        pairs.append(pair)
        facts[id(pair)] = pair_facts(pair, _anchors_of_units(ap.en), _anchors_of_units(ap.zh))
    unpaired = [u for u in units if id(u) not in paired_units]
    return Alignment(path, paragraphs, pairs, units, unpaired, all_repairs, infos, script, facts=facts)


def _anchors_of_units(units: list):
    """A function that returns the anchors of ``units`` together (read when first asked)."""

    def union():
        out = None
        for u in units:
            out = u.anchors if out is None else out | u.anchors
        return out

    return union


def _cannot_be_bilingual(units: list) -> str:
    """Why these units cannot hold a confident pair ("" when they might): no English
    paragraph, or no paragraph that is mostly Chinese. ``verdict`` would say no whatever
    the DP found."""

    if not any(u.lang == "en" for u in units):
        return f"no English paragraphs ({len(units)} paragraphs, all Chinese)"
    if not any(u.lang == "zh" and chinese_share("\n".join(p.text for p in u.paras)) >= CHINESE_SHARE for u in units):
        return f"no Chinese paragraphs ({len(units)} paragraphs: English, or English with Chinese words)"
    return ""


def _has_chinese_line(text: str) -> bool:

    for line in text.split("\n"):
        if (
            not line.isascii()
            and (chinese_share(line) >= CHINESE_SHARE or " / " in line or " | " in line)
            and _HAN.search(line)
        ):
            return True
    return False


def _may_be_bilingual(text: str) -> bool:
    """Cheap gate so that ordinary notes cost almost nothing: 8 Chinese characters and 8
    Latin words within the first 200,000 characters (counting stops at 8)."""
    return _at_least(_HAN, text, 8) and _at_least(_WORD, text, 8)


def _at_least(pattern: re.Pattern, text: str, count: int) -> bool:
    return sum(1 for _ in islice(pattern.finditer(text, 0, 200_000), count)) >= count


NOT_BOTH = "fewer than 8 Chinese characters or 8 English words: not both languages"


def align_note(note: Note, config=None, merge_wrapped: bool = True) -> Alignment | None:
    """The alignment of a parsed note's body (line numbers are file lines), or None when
    the note has too little of one language to hold pairs at all."""
    lines = note.text.split("\n")
    start = max(note.body_line, 1)
    body = "\n".join(lines[start - 1 :])
    if not _may_be_bilingual(body):
        return None
    if not _has_chinese_line(body):
        # No line is mostly Chinese (nor an inline "EN / 中文" line): no Chinese paragraph
        # can be, so no pair can be confident (a paragraph's share is an average of its lines').
        return Alignment(
            note.path, [], [], hopeless="no Chinese paragraphs: Chinese only as words inside English lines"
        )
    return split_text(
        body,
        note.path,
        first_line=start,
        note_id=note.id,
        config=config,
        merge_wrapped=merge_wrapped,
        bilingual_only=True,
    )


def pairs_for_note(note: Note) -> list[Pair]:
    """Pairs of a parsed note; [] when the alignment does not show a bilingual article."""
    return explain_note(note)[0]


def explain_note(note: Note) -> tuple[list[Pair], Verdict]:
    """``pairs_for_note`` with the verdict that decided it (for `hlkb pairs -v`)."""
    alignment = align_note(note)
    if alignment is None:
        return [], Verdict(False, NOT_BOTH)
    v = alignment.verdict
    if not v.bilingual:
        return [], v
    pairs = alignment.pairs
    if note.highlights:
        squeezed = [_squeeze(h.text) for h in note.highlights]  # once per note, not per pair
        pairs = [p for p in pairs if _within_highlights(p, note.highlights, squeezed)]
        if not pairs:
            return [], Verdict(
                False,
                "its English and Chinese are separate highlights that share no name or "
                "number: highlights are the reader's passages, not translations of each other",
                v.confident,
                v.en_units,
                v.zh_units,
            )
    return pairs, v


_NUMBERS = re.compile(r"\d+(?:[.,]\d+)?")
_LATIN = re.compile(r"[A-Za-z][A-Za-z'-]{2,}")


def _squeeze(text: str) -> str:
    return "".join(text.split())


def _within_highlights(pair: Pair, highlights, squeezed: list[str] | None = None) -> bool:
    """In a note of highlights, a pair stands when both sides lie in one highlight (a
    passage with its translation inside it), or each side is one highlight of two adjacent
    ones and they share a number or a Latin name (a paragraph and its translation, both
    highlighted): the lengths alone of two unrelated short highlights look like a translation."""

    squeeze = _squeeze
    if squeezed is None:
        squeezed = [squeeze(h.text) for h in highlights]
    keys = [s[:16] for s in squeezed]

    def owner(sides: list[str]):
        text = squeeze(" ".join(sides))
        found = [i for i, k in enumerate(keys) if k and (k in text or text[:16] and text[:16] in squeezed[i])]
        return found[0] if len(found) == 1 else None

    en, zh = owner(pair.en), owner(pair.zh)
    if en is None or zh is None:
        return False
    if en == zh:
        return True
    if abs(en - zh) != 1:
        return False
    en_text, zh_text = " ".join(pair.en), " ".join(pair.zh)
    numbers = set(_NUMBERS.findall(en_text)) & set(_NUMBERS.findall(zh_text))
    names = {w.lower() for w in _LATIN.findall(en_text)} & {w.lower() for w in _LATIN.findall(zh_text)}
    names -= {"view", "highlight", "https", "http", "read", "readwise", "location", "tags", "note"}
    return bool(numbers or names)
