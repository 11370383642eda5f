"""The splitter against the shared gold pairings (skipped when ../shared is absent), and
robustness on arbitrary text."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hlkb.align import split_text

REPO = Path(__file__).resolve().parents[1]


def _eval_module():
    spec = importlib.util.spec_from_file_location("align_eval", REPO / "benchmarks" / "align_eval.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_shared_corpus_f1_and_seed(shared_dir: Path):
    """Both folders of the shared corpus (corpus/, corpus-more/) as `hlkb pairs` reads them:
    micro F1 >= 0.98, every file >= 0.95, language labels >= 0.99, well above the
    length-only baseline; the seed exactly."""
    ev = _eval_module()
    golds = [g for g in ev.default_golds(shared_dir) if g.parent.name == "bilingual"]
    assert {g.parent.parent.name for g in golds} == {"corpus", "corpus-more"}
    tp = ours = gold = lang_ok = lang_n = 0
    base_tp = base_ours = base_gold = 0
    low = []
    for path in golds:
        r = ev.score_file(path, ev.Config())
        tp, ours, gold = tp + r["tp"], ours + r["ours"], gold + r["gold"]
        lang_ok, lang_n = lang_ok + r["lang_ok"], lang_n + r["lang_n"]
        if ev.prf(r["tp"], r["ours"], r["gold"])[2] < 0.95:
            low.append((path.name, r["missed"], r["extra"], r["why"]))
        b = ev.score_file(path, ev.BASELINE)
        base_tp, base_ours, base_gold = base_tp + b["tp"], base_ours + b["ours"], base_gold + b["gold"]
    assert not low
    f1 = ev.prf(tp, ours, gold)[2]
    assert f1 >= 0.98
    assert lang_ok / lang_n >= 0.99
    assert f1 >= ev.prf(base_tp, base_ours, base_gold)[2] + 0.1
    seed = shared_dir / "seeds" / "002_6b57d7711bd0645d.txt.gold.json"
    r = ev.score_file(seed, ev.Config())
    assert ev.prf(r["tp"], r["ours"], r["gold"])[2] == 1.0
    assert r["lang_ok"] == r["lang_n"]


def test_readwise_notes_of_the_corpus_hold_no_pairs(shared_dir: Path):
    """Highlights with a reader's Chinese remarks are not translations (no highlights
    pre-check decides that: the alignment does)."""
    from hlkb.align import pairs_for_note
    from hlkb.parse import parse_file

    files = sorted((shared_dir / "corpus").glob("readwise/*.md")) + sorted(
        (shared_dir / "corpus-more").glob("readwise/*.md")
    )
    assert files
    assert [f.name for f in files if pairs_for_note(parse_file(f, strict=False))] == []


def test_seed_repairs(shared_dir: Path):
    from hlkb.textio import read_text

    al = split_text(read_text(shared_dir / "seeds" / "002_6b57d7711bd0645d.txt").text)
    kinds = [r.kind for r in al.repairs]
    assert kinds.count("mojibake") == 1 and "flag" not in kinds
    assert kinds.count("pinyin") >= 10
    joined = "".join(z for p in al.pairs for z in p.zh)
    assert "應對。”Levine" in joined and "(y" not in joined
    assert {p.zh_script for p in al.pairs} == {"hant"}


_alphabet = st.sampled_from(
    list("abc XYZ.,!?\n\n\t/|#*-()（）：:") + list("中文的一是在了有人这個們") + ["\u3000", "\u00a0", "```"]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_alphabet, max_size=300).map("".join))
def test_any_text_aligns_without_error(text):
    al = split_text(text, first_line=3)
    n_lines = text.count("\n") + 1
    for p in al.pairs:
        assert p.en and p.zh
        assert all(3 <= ln < 3 + n_lines for ln in p.en_lines + p.zh_lines)
        assert 0.0 <= p.score <= 1.0
    used = [id(par) for u in al.units for par in u.paras]
    assert len(used) == len(set(used)) == len(al.paragraphs)
