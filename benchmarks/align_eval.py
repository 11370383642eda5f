#!/usr/bin/env python3
"""Score the bilingual splitter against gold pairings, next to a length-only baseline.

    .venv/bin/python benchmarks/align_eval.py [GOLD.json ...] [--verbose]

Default: every *.gold.json under ../shared/corpus/bilingual, ../shared/corpus-more/bilingual
and ../shared/seeds (paths relative to the repository). Each file is parsed and aligned
as `hlkb pairs` does (``align_note``: the note's body, and no pairs unless the alignment's
verdict is bilingual). For each file and micro-averaged:

* pair P/R/F1 — a pair is correct when its English and Chinese paragraph sets both equal
  those of a gold pair; only pairs with both sides count. Our paragraphs map to gold
  paragraphs by line ranges (gold paragraphs are blocks or lines per ``blocks_are``; both
  halves of an inline line map to that line's gold paragraph).
* unpaired — gold paragraphs that gold leaves untranslated (a pair with one empty side) and
  that we leave unpaired too: recall over gold's, precision over ours.
* no-anchors — hlkb without lexical anchors (to show what the anchors add).
* lang — per gold paragraph, our label (en / zh / other, or mixed when both languages
  occur in it) against gold's.
* ms — pairs_for_note's time for the file (after a warm-up), summed in the last line.

The baseline is classic Gale–Church on the same segmentation: length cost only (c and s2
fitted the same way), its own match priors for skips, no anchors, no interleaving prior.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from hlkb.align import align_note
from hlkb.align.dp import Config
from hlkb.parse import parse_file

GOLD_FOLDERS = (("corpus", "bilingual"), ("corpus-more", "bilingual"), ("seeds",))


def default_golds(shared: Path | None = None) -> list[Path]:
    shared = shared or REPO.parent / "shared"
    return [g for parts in GOLD_FOLDERS for g in sorted(shared.joinpath(*parts).glob("*.gold.json"))]


def gold_index(gold: dict):
    """Line -> gold paragraph index."""
    where = {}
    for k, gp in enumerate(gold["paragraphs"]):
        for line in range(gp["start"], gp["end"] + 1):
            where[line] = k
    return where


def score_file(gold_path: Path, config: Config, merge_wrapped: bool = True) -> dict:
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    note = parse_file(gold_path.parent / gold["file"], gold["file"], strict=False)
    t0 = time.perf_counter()
    al = align_note(note, config=config, merge_wrapped=merge_wrapped)
    verdict = al.verdict if al is not None else None
    seconds = time.perf_counter() - t0
    pairs = al.pairs if verdict is not None and verdict.bilingual else []
    paragraphs = al.paragraphs if al is not None else []
    unpaired = al.unpaired if verdict is not None and verdict.bilingual else (al.units if al else [])
    where = gold_index(gold)

    def gset(lines):
        return frozenset(where[ln] for ln in lines if ln in where)

    gold_pairs = {(frozenset(p["en"]), frozenset(p["zh"])) for p in gold["pairs"] if p["en"] and p["zh"]}
    ours = {(gset(p.en_lines), gset(p.zh_lines)) for p in pairs}
    tp = len(ours & gold_pairs)

    gold_unpaired = {frozenset(p["en"] or p["zh"]) for p in gold["pairs"] if not (p["en"] and p["zh"])}
    our_unpaired = {gset(p.start for p in u.paras) for u in unpaired}
    our_unpaired.discard(frozenset())
    if "blocks_are" not in gold:
        # the seed format lists only two-sided pairs: unpaired paragraphs are not scored
        gold_unpaired, our_unpaired = set(), set()
    un_tp = len(gold_unpaired & our_unpaired)

    lang_ok = 0
    wrong_lang = []
    for _k, gp in enumerate(gold["paragraphs"]):
        langs = {p.lang for p in paragraphs if p.start <= gp["end"] and p.end >= gp["start"]}
        mine = "mixed" if len(langs) == 2 else (next(iter(langs)) if langs else "other")
        if mine == gp["lang"]:
            lang_ok += 1
        else:
            wrong_lang.append((gp["start"], gp["lang"], mine))
    return {
        "file": gold["file"],
        "tp": tp,
        "ours": len(ours),
        "gold": len(gold_pairs),
        "un_tp": un_tp,
        "un_ours": len(our_unpaired),
        "un_gold": len(gold_unpaired),
        "lang_ok": lang_ok,
        "lang_n": len(gold["paragraphs"]),
        "seconds": seconds,
        "missed": sorted(tuple(map(sorted, p)) for p in gold_pairs - ours),
        "extra": sorted(tuple(map(sorted, p)) for p in ours - gold_pairs),
        "wrong_lang": wrong_lang,
        "why": verdict.reason if verdict is not None else "one language only",
    }


def prf(tp: int, ours: int, gold: int) -> tuple[float, float, float]:
    p = tp / ours if ours else (1.0 if not gold else 0.0)
    r = tp / gold if gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


BASELINE = Config(anchors=False, order=False, partial=False, window=10**9, gale_church_skips=True)


def main(argv: list[str]) -> int:
    verbose = "--verbose" in argv or "-v" in argv
    paths = [Path(a) for a in argv if not a.startswith("-")] or default_golds()
    if not paths:
        print("no gold files found", file=sys.stderr)
        return 2
    # warm up (lazy loads of OpenCC, pypinyin's dictionary, the figures parser) so that
    # the timings compare the systems, not who ran first
    for path in paths:
        score_file(path, Config())
    systems = {"hlkb": (Config(), True), "no-anchors": (Config(anchors=False), True), "gale-church": (BASELINE, True)}
    totals = {
        name: dict(tp=0, ours=0, gold=0, un_tp=0, un_ours=0, un_gold=0, lang_ok=0, lang_n=0, seconds=0.0)
        for name in systems
    }
    header = f"{'file':44} {'system':12} {'P':>6} {'R':>6} {'F1':>6}  {'unpaired R/P':>13}  {'lang':>7}  {'ms':>5}"
    print(header)
    print("-" * len(header))
    for path in paths:
        for name, (cfg, merge) in systems.items():
            r = score_file(path, cfg, merge)
            for k in totals[name]:
                totals[name][k] += r[k]
            p, rc, f = prf(r["tp"], r["ours"], r["gold"])
            up, ur, _ = prf(r["un_tp"], r["un_ours"], r["un_gold"])
            print(
                f"{r['file'][:44]:44} {name:12} {p:6.3f} {rc:6.3f} {f:6.3f}  {ur:6.3f}/{up:6.3f}  "
                f"{r['lang_ok']:3}/{r['lang_n']:<3}  {r['seconds'] * 1000:5.1f}"
            )
            if verbose and name == "hlkb":
                if not r["ours"]:
                    print(f"    no pairs: {r['why']}")
                for m in r["missed"]:
                    print(f"    missed {m}")
                for e in r["extra"]:
                    print(f"    extra  {e}")
                for w in r["wrong_lang"]:
                    print(f"    lang   line {w[0]}: gold {w[1]}, ours {w[2]}")
    print("-" * len(header))
    results = {}
    for name, t in totals.items():
        p, rc, f = prf(t["tp"], t["ours"], t["gold"])
        up, ur, _ = prf(t["un_tp"], t["un_ours"], t["un_gold"])
        results[name] = f
        print(
            f"{'micro-average':44} {name:12} {p:6.3f} {rc:6.3f} {f:6.3f}  {ur:6.3f}/{up:6.3f}  "
            f"{t['lang_ok'] / max(t['lang_n'], 1):7.3f}   ({t['seconds'] * 1000:.0f} ms)"
        )
    base = results["gale-church"]
    print(
        f"\nF1 hlkb / baseline: {results['hlkb']:.3f} / {base:.3f} = "
        f"{results['hlkb'] / base if base else float('inf'):.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
