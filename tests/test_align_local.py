"""The DP's exact shortcut (hlkb.align.local): the DP's own alignment, or none at all.

Articles are generated here (words and characters of no real text), perturbed the way
copies go wrong (a paragraph dropped, two glued together, one split, two swapped), and
aligned with and without the shortcut: every pair, line and score must be the same.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

import hlkb.align.dp as dp
from hlkb.align import split_text
from hlkb.align.blocks import segment
from hlkb.align.dp import Aligner, Config, build_units
from hlkb.align.gale_church import LengthModel
from hlkb.align.local import align_local
from hlkb.textio import read_text

DATA = Path(__file__).parent / "data" / "align"
_WORDS = "river stone harbour lamp garden winter market letter bridge window morning story".split()
_HAN = "河石港灯园冬市信桥窗早晨故事的一是在不了有和人这中大为上个国我以要他时来用们生到"


def _article(rng: random.Random, paragraphs: int, zh_first: bool = False) -> str:
    out = ["# Garden Letters", ""]
    for k in range(paragraphs):
        n = rng.randint(6, 40)
        en = " ".join(rng.choice(_WORDS) for _ in range(n)).capitalize() + "."
        zh = "".join(rng.choice(_HAN) for _ in range(int(n * rng.uniform(0.8, 2.4)))) + "。"
        if rng.random() < 0.3:  # a year both sides give: an anchor
            year = rng.randint(1900, 2030)
            en, zh = f"In {year} {en}", f"{year}年{zh}"
        if rng.random() < 0.1:
            out += [f"## Part {k}", ""]
        out += [zh, "", en, ""] if zh_first else [en, "", zh, ""]
    return "\n".join(out)


def _perturbed(rng: random.Random, text: str) -> str:
    blocks = re.split(r"\n\s*\n", text)
    for _ in range(rng.randint(1, 3)):
        k = rng.randrange(1, len(blocks) - 1)
        op = rng.choice(["drop", "glue", "split", "swap"])
        if op == "drop":
            del blocks[k]
        elif op == "glue":
            blocks[k : k + 2] = ["\n".join(blocks[k : k + 2])]
        elif op == "split" and len(blocks[k]) > 20:
            cut = len(blocks[k]) // 2
            blocks[k : k + 1] = [blocks[k][:cut], blocks[k][cut:]]
        elif op == "swap":
            blocks[k], blocks[k + 1] = blocks[k + 1], blocks[k]
    return "\n\n".join(blocks)


def _pairs(text: str, local: bool):
    al = split_text(text, config=Config(local_first=local))
    return [(p.en_lines, p.zh_lines, p.en, p.zh, p.score) for p in al.pairs]


def _texts():
    rng = random.Random(5)
    out = [read_text(p).text for p in sorted(DATA.iterdir()) if not p.name.endswith(".json")]
    for k in range(40):
        text = _article(rng, rng.randint(2, 14), zh_first=k % 2 == 1)
        out += [text, _perturbed(rng, text), _perturbed(rng, text)]
    return out


def test_the_shortcut_aligns_exactly_as_the_dp():
    texts = _texts()
    for text in texts:
        assert _pairs(text, True) == _pairs(text, False)
    # it is a shortcut only if most interleaved articles take it (asked directly: a
    # compiled dp calls align_local natively, past any patch of the module's name)
    taken = [align_local(_aligner(text)) is not None for text in texts]
    assert sum(taken) > len(taken) / 2


def _aligner(text: str) -> Aligner:
    infos, paragraphs = segment(text)
    nonblank = {i.number for i in infos if i.kind != "blank" or i.why}
    return Aligner(build_units(paragraphs, nonblank), LengthModel(), Config())


def test_an_interleaved_article_needs_no_dp():
    al = _aligner(_article(random.Random(1), 8))
    local = align_local(al)
    assert local is not None
    assert [(p.en, p.zh, p.cost, p.score) for p in al._align_dp()] == [
        (p.en, p.zh, p.cost, p.score) for p in (al._aligned(*x) for x in local)
    ]


def test_a_distant_translation_that_may_win_is_left_to_the_dp():
    # The English paragraph's names and numbers are in the Chinese one after next: a pair
    # across a paragraph may beat skipping, so the chain alone cannot be trusted.
    text = "\n\n".join(
        [
            "Ada Quill met Tom Reed in Lisbon in 1998, and by 2010 the two of them had built 45 "
            "bridges across the wide river valley below the old town.",
            "河石港灯园冬市信桥窗早晨故事的一是在不了有和人这中大为上个国我以要他时来用们生到河石港灯园冬市信桥窗早晨。",
            "1998年Ada Quill在Lisbon遇见Tom Reed，2010年建45桥。",
        ]
    )
    al = _aligner(text)
    assert align_local(al) is None
    assert [(p.en[0].pos, p.zh[0].pos) for p in al._align_dp()] == [(0, 2)]
    assert _pairs(text, True) == _pairs(text, False)


@pytest.mark.parametrize("config", [Config(window=None), Config(order=False), Config(gale_church_skips=True)])
def test_configs_without_a_window_or_distance_price_go_to_the_dp(config):
    infos, paragraphs = segment(_article(random.Random(2), 5))
    nonblank = {i.number for i in infos if i.kind != "blank" or i.why}
    assert align_local(Aligner(build_units(paragraphs, nonblank), LengthModel(), config)) is None


def test_grouped_run_is_the_dps():
    """local.py keeps its own copy of dp.GROUPED_RUN (dp imports local): they must agree."""
    from hlkb.align import local

    assert local._GROUPED_RUN == dp.GROUPED_RUN
