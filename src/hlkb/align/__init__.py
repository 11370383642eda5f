"""The bilingual splitter: English/Chinese paragraph pairs of a saved article.

``split_text`` segments text into English and Chinese paragraphs (``segment``), aligns
them by dynamic programming with a Gale–Church length model, lexical anchors and the
interleaving prior (``dp``), repairs copy artifacts in the Chinese (``repair``), and
returns an ``Alignment``. ``pairs_for_note`` is what the pipeline calls for every note; it
returns [] unless the note really is a bilingual article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import islice

from hlkb.model import Note, Pair, Repair, note_id_for, pair_id_for, stable_hash

__all__ = ["Alignment", "split_text", "pairs_for_note", "is_bilingual"]

_HAN = re.compile("[\u4e00-\u9fff]")
_WORD = re.compile(r"[A-Za-z]{2,}")


@dataclass
class Alignment:
    path: str
    paragraphs: list            # segment.Paragraph, in reading order
    pairs: list[Pair]
    units: list = field(default_factory=list)        # dp.Unit
    unpaired: list = field(default_factory=list)     # dp.Unit left without a counterpart
    repairs: list[Repair] = field(default_factory=list)
    lines: list = field(default_factory=list)        # segment.LineInfo per line
    zh_script: str | None = None

    @property
    def bilingual(self) -> bool:
        return is_bilingual(self)


def is_bilingual(alignment: "Alignment") -> bool:
    """A bilingual article, not a note that merely contains both scripts: at least half of
    its Chinese units are paired, and there are two pairs or the whole text is one pair."""
    if not alignment.pairs:
        return False
    zh_units = sum(1 for u in alignment.units if u.lang == "zh")
    paired_zh = sum(len(p.zh) for p in alignment.pairs)
    if zh_units and paired_zh * 2 < zh_units:
        return False
    if len(alignment.pairs) == 1:
        only = alignment.pairs[0]
        return len(alignment.units) == len(only.en) + len(only.zh)
    return True


def split_text(text: str, path: str = "<string>", first_line: int = 1, note_id: str | None = None,
               config=None, merge_wrapped: bool = True) -> Alignment:
    """Segment and align ``text`` (already decoded; its first line is file line ``first_line``)."""
    from hlkb.align.dp import align_units, build_units
    from hlkb.align.repair import repair_text
    from hlkb.align.script import zh_script
    from hlkb.align.segment import segment

    infos, paragraphs = segment(text, first_line)
    nonblank = {i.number for i in infos if i.kind != "blank"}
    units = build_units(paragraphs, nonblank, merge_wrapped=merge_wrapped)
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
    seen_ids: dict[str, int] = {}
    paired_units = set()
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
        pairs.append(Pair(
            id=pid, note_id=note_id, path=path,
            line=min(p.start for p in en_paras + zh_paras),
            en=en, zh=zh, en_lines=[p.start for p in en_paras], zh_lines=[p.start for p in zh_paras],
            score=ap.score, repairs=reps, zh_script=script,
        ))
    unpaired = [u for u in units if id(u) not in paired_units]
    return Alignment(path, paragraphs, pairs, units, unpaired, all_repairs, infos, script)


def _may_be_bilingual(text: str) -> bool:
    """Cheap gate so that ordinary notes cost almost nothing: 8 Chinese characters and 8
    Latin words within the first 200,000 characters (counting stops at 8)."""
    return _at_least(_HAN, text, 8) and _at_least(_WORD, text, 8)


def _at_least(pattern: re.Pattern, text: str, count: int) -> bool:
    return sum(1 for _ in islice(pattern.finditer(text, 0, 200_000), count)) >= count


def pairs_for_note(note: Note) -> list[Pair]:
    """Pairs of a parsed note (line numbers are file lines); [] when it is not bilingual.

    A note with highlights is a list of separate excerpts, not an article: pairing one
    bullet's Chinese with the next bullet's English would invent translations.
    """
    if note.highlights:
        return []
    lines = note.text.split("\n")
    start = max(note.body_line, 1)
    body = "\n".join(lines[start - 1:])
    if not _may_be_bilingual(body):
        return []
    alignment = split_text(body, note.path, first_line=start, note_id=note.id)
    return alignment.pairs if alignment.bilingual else []
