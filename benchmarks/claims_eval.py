"""Score figure extraction, figure pairing and the cross-language check.

    .venv/bin/python benchmarks/claims_eval.py [--shared ../shared] [--splitter] [--mutations N]

1. Extraction and pairing against every ``*.numbers.json`` in ``<shared>/corpus/bilingual`` and
   ``<shared>/corpus-more/bilingual``:
   for each gold fact, is a figure extracted that overlaps the fact's EN text (in its
   ``en_block``) and its ZH text (in its ``zh_block``), with the gold value; and does the
   check link those two figures (``ok``, or ``mismatch`` for facts marked ``mismatch``)?
   Pairing precision: of the links made from a gold-fact EN figure, how many go to the
   fact's ZH figure. Trap hits (numbers the gold says are not figures) are counted.
   Extraction precision cannot be scored: the gold lists facts, not every number.
2. Mutation test: in each article of both folders and the seed, change one digit or numeral of one
   verified (``ok``) Chinese figure (deterministic seed; every verified figure, up to
   --mutations per article, --rounds times each), run the check, and count how
   often it reports a mismatch for that figure (target >= 95%). Also count the mismatches
   on the untouched texts (target 0), separating the corpus's genuine translation
   errors (``mismatch: true`` in .numbers.json), which should be found.

Pairs come from the gold files (``pairs`` over gold paragraph line ranges); ``--splitter``
uses hlkb's own splitter (hlkb.pipeline) instead.
3. Extraction precision and recall against the hand judgement in benchmarks/claims_judged.tsv
   (every claim extracted from the shared corpus, Readwise and bilingual, is judged there by file
   and text; precision = judged right / judged, recall = true claims of a random sample of the old
   extractor's output that are still extracted). Claims not judged are listed with -v.
4. Speed: claims_for_note per note against parse_file (baseline), extract_figures per
   paragraph against a bare digit regex (baseline), measured in the same run.

The baseline printed beside the
check is a naive checker (a figure is ok if any figure on the other side has the same
value, otherwise a mismatch), measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path

from hlkb.claims.check import PlacedFigure, check_pair
from hlkb.claims.figures import extract_figures
from hlkb.model import Pair, pair_id_for
from hlkb.textio import read_text

ZH_NUMERALS = "一二三四五六七八九"


def load_article(path: Path, gold_path: Path):
    text = read_text(path).text
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    return text, gold


def block_text(lines: list[str], gold: dict, i: int, lang: str) -> tuple[str, int]:
    """Text and first line of gold paragraph ``i`` (the language half of an inline line)."""
    para = gold["paragraphs"][i]
    text = "\n".join(lines[para["start"] - 1 : para["end"]])
    if para.get("lang") == "mixed":
        for split in gold.get("inline_splits", []):
            if split["i"] == i:
                a, b = split["en_chars" if lang == "en" else "zh_chars"]
                text = text[a:b]
    return text, para["start"]


def gold_pairs(text: str, gold: dict, path: str) -> list[Pair]:
    lines = text.split("\n")
    pairs = []
    for gp in gold["pairs"]:
        if not gp["en"] or not gp["zh"]:
            continue
        en = [block_text(lines, gold, i, "en") for i in gp["en"]]
        zh = [block_text(lines, gold, i, "zh") for i in gp["zh"]]
        pairs.append(
            Pair(
                id=pair_id_for("eval", [t for t, _ in en], [t for t, _ in zh]),
                note_id="eval",
                path=path,
                line=min(en[0][1], zh[0][1]),
                en=[t for t, _ in en],
                zh=[t for t, _ in zh],
                en_lines=[ln for _, ln in en],
                zh_lines=[ln for _, ln in zh],
                score=1.0,
            )
        )
    return pairs


def splitter_pairs(text: str, name: str) -> list[Pair]:
    from hlkb.pipeline import parse_and_analyze

    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / name
        p.write_text(text, encoding="utf-8")
        return parse_and_analyze(p, name, strict=False).pairs


def check_all(pairs: list[Pair]):
    results = [check_pair(p) for p in pairs]
    mismatches = [m for r in results for m in r.mismatches]
    figs_en = [f for r in results for s in r.en for f in s.figures]
    figs_zh = [f for r in results for s in r.zh for f in s.figures]
    return results, mismatches, figs_en, figs_zh


def naive_mismatches(pairs: list[Pair]) -> int:
    """Baseline: every figure whose value appears nowhere on the other side is a mismatch."""
    n = 0
    for p in pairs:
        en = [f.value for t in p.en for f in extract_figures(t, "en")]
        zh = [f.value for t in p.zh for f in extract_figures(t, "zh")]
        n += sum(1 for v in en if v not in zh) + sum(1 for v in zh if v not in en)
    return n


# ------------------------------------------------------------------ 1. against .numbers.json


def _span(text: str, needle: str):
    i = text.find(needle)
    if i < 0:
        plain = needle.replace("**", "")
        i = text.replace("**", "").find(plain)
        if i < 0:
            return None
        return (i, i + len(plain)), text.replace("**", "")
    return (i, i + len(needle)), text


def _overlapping(figs: list[PlacedFigure], block: str, needle: str):
    found = _span(block, needle)
    if not found:
        return []
    (a, b), hay = found
    out = []
    for f in figs:
        start = 0
        while True:
            i = hay.find(f.figure.raw, start)
            if i < 0:
                break
            if i < b and i + len(f.figure.raw) > a:
                out.append(f)
                break
            start = i + 1
    return out


def _value_ok(fig, gold_value) -> bool:
    if isinstance(gold_value, (int, float)):
        return abs(fig.figure.value - gold_value) <= 1e-9 * max(1.0, abs(gold_value))
    if isinstance(gold_value, list):
        return any(abs(fig.figure.value - v) <= 1e-9 * max(1.0, abs(v)) for v in gold_value)
    if isinstance(gold_value, str) and re.match(r"\d{4}-", gold_value):
        return fig.figure.value == int(gold_value[:4])
    return True  # vague or structured values: presence is what counts


def score_numbers(folders: list[Path], splitter: bool) -> dict:
    totals = dict(
        facts=0, en_found=0, zh_found=0, en_value=0, zh_value=0, paired=0, links=0, links_right=0, traps=0, trap_hits=0
    )
    misses = []
    for numbers_path in (p for folder in folders for p in sorted(folder.glob("*.numbers.json"))):
        bilingual = numbers_path.parent
        name = numbers_path.name[: -len(".numbers.json")]
        text, gold = load_article(bilingual / name, bilingual / f"{name}.gold.json")
        numbers = json.loads(numbers_path.read_text(encoding="utf-8"))
        lines = text.split("\n")
        pairs = splitter_pairs(text, name) if splitter else gold_pairs(text, gold, name)
        by_block: dict[tuple[str, int], list[PlacedFigure]] = {}
        for p, res in zip(pairs, (check_pair(p) for p in pairs)):
            for lang, sents, idxs in (
                ("en", res.en, _pair_blocks(gold, p, "en")),
                ("zh", res.zh, _pair_blocks(gold, p, "zh")),
            ):
                for s in sents:
                    blk = idxs.get(s.line)
                    if blk is not None:
                        by_block.setdefault((lang, blk), []).extend(s.figures)
        for fact in numbers.get("facts", []):
            totals["facts"] += 1
            en_block, _ = block_text(lines, gold, fact["en_block"], "en")
            zh_block, _ = block_text(lines, gold, fact["zh_block"], "zh")
            en_figs = _overlapping(by_block.get(("en", fact["en_block"]), []), en_block, fact["en"])
            zh_figs = _overlapping(by_block.get(("zh", fact["zh_block"]), []), zh_block, fact["zh"])
            totals["en_found"] += bool(en_figs)
            totals["zh_found"] += bool(zh_figs)
            totals["en_value"] += any(_value_ok(f, fact.get("value")) for f in en_figs)
            totals["zh_value"] += any(_value_ok(f, fact.get("value_zh", fact.get("value"))) for f in zh_figs)
            want = "mismatch" if fact.get("mismatch") else "ok"
            linked = [f for f in en_figs if f.counterpart is not None and f.status in ("ok", "mismatch")]
            totals["links"] += len(linked)
            right = [f for f in linked if f.counterpart in zh_figs]
            totals["links_right"] += len(right)
            if any(f.status == want for f in right):
                totals["paired"] += 1
            else:
                misses.append(f"{name}: {fact['en']!r} / {fact['zh']!r}")
        for trap in numbers.get("traps", []):
            totals["traps"] += 1
            hits = [f for t in (trap.get("en"), trap.get("zh")) if t for f in extract_figures(t)]
            totals["trap_hits"] += bool(hits)
    totals["misses"] = misses
    return totals


def _pair_blocks(gold: dict, pair: Pair, lang: str) -> dict[int, int]:
    """Map every line to its gold block index (a sentence's line lies in its block)."""
    out = {}
    for i, para in enumerate(gold["paragraphs"]):
        for ln in range(para["start"], para["end"] + 1):
            out.setdefault(ln, i)
    return out


# ------------------------------------------------------------------ 2. mutation test


def mutate_raw(raw: str, rng: random.Random) -> str | None:
    """Change one digit (or one Chinese numeral digit) of ``raw``."""
    spots = [i for i, c in enumerate(raw) if c.isdigit() or c in ZH_NUMERALS]
    if not spots:
        return None
    i = rng.choice(spots)
    c = raw[i]
    if c.isdigit():
        choices = [d for d in "0123456789" if d != c and not (d == "0" and (i == 0 or not raw[i - 1].isdigit()))]
    else:
        choices = [d for d in ZH_NUMERALS if d != c]
    return raw[:i] + rng.choice(choices) + raw[i + 1 :]


BILINGUAL_FOLDERS = (("corpus", "bilingual"), ("corpus-more", "bilingual"))


def bilingual_folders(shared: Path) -> list[Path]:
    """The shared corpus's folders of bilingual articles that exist (corpus/, corpus-more/)."""
    return [shared.joinpath(*parts) for parts in BILINGUAL_FOLDERS if shared.joinpath(*parts).is_dir()]


def articles(shared: Path):
    for bilingual in bilingual_folders(shared):
        for gold_path in sorted(bilingual.glob("*.gold.json")):
            name = gold_path.name[: -len(".gold.json")]
            yield bilingual / name, gold_path
    for gold_path in sorted((shared / "seeds").glob("*.gold.json")):
        yield shared / "seeds" / gold_path.name[: -len(".gold.json")], gold_path


def genuine_errors(path: Path) -> list[dict]:
    numbers = path.with_name(path.name + ".numbers.json")
    if not numbers.exists():
        return []
    return [f for f in json.loads(numbers.read_text(encoding="utf-8")).get("facts", []) if f.get("mismatch")]


def mutation_test(shared: Path, splitter: bool, per_article: int, rounds: int = 3, seed: int = 5) -> dict:
    out = dict(
        articles=0,
        untouched_false=0,
        genuine=0,
        genuine_found=0,
        naive_untouched=0,
        mutations=0,
        detected=0,
        naive_detected=0,
        false_list=[],
        missed=[],
    )
    for k, (path, gold_path) in enumerate(articles(shared)):
        text, gold = load_article(path, gold_path)
        pairs = splitter_pairs(text, path.name) if splitter else gold_pairs(text, gold, path.name)
        _, mismatches, _, figs_zh = check_all(pairs)
        out["articles"] += 1
        errors = genuine_errors(path)
        out["genuine"] += len(errors)
        for m in mismatches:
            if any(m.en.figure.raw.lstrip("$") in e["en"] for e in errors):
                out["genuine_found"] += 1
            else:
                out["untouched_false"] += 1
                out["false_list"].append(m.describe(path.name))
        out["naive_untouched"] += naive_mismatches(pairs)
        rng = random.Random(seed * 1000 + k)
        candidates = [f for f in figs_zh if f.status == "ok" and mutate_raw(f.figure.raw, random.Random(0))]
        rng.shuffle(candidates)
        lines = text.split("\n")
        for target in [t for _ in range(rounds) for t in candidates[:per_article]]:
            new_raw = mutate_raw(target.figure.raw, rng)
            line = lines[target.line - 1]
            col = line.find(target.figure.raw)
            if col < 0 or new_raw is None:
                continue
            mutated_lines = list(lines)
            mutated_lines[target.line - 1] = line[:col] + new_raw + line[col + len(target.figure.raw) :]
            mutated = "\n".join(mutated_lines)
            mpairs = splitter_pairs(mutated, path.name) if splitter else gold_pairs(mutated, gold, path.name)
            _, mm, _, _ = check_all(mpairs)
            out["mutations"] += 1
            hit = any(
                m.zh.line == target.line
                and new_raw in m.zh.figure.raw
                or m.zh.figure.raw in new_raw
                and m.zh.line == target.line
                for m in mm
            )
            out["detected"] += hit
            if not hit:
                out["missed"].append(f"{path.name}:{target.line}: {target.figure.raw} -> {new_raw}")
            out["naive_detected"] += naive_mismatches(mpairs) > naive_mismatches(pairs)
    return out


# ------------------------------------------------------------------ 4. extraction precision

JUDGED = Path(__file__).resolve().parent / "claims_judged.tsv"


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append({"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}.get(text[i + 1], text[i + 1]))
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def load_judgements(path: Path = JUDGED) -> dict[tuple[str, str], dict]:
    """(file relative to the shared folder, claim text) -> {judgement, reason, set}."""
    out = {}
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    header = lines[0].split("\t")
    for ln in lines[1:]:
        row = dict(zip(header, ln.split("\t")))
        out[(row["file"], _unescape(row["text"]))] = row
    return out


def corpus_claims(shared: Path) -> list[tuple[str, object]]:
    """Every claim hlkb extracts from the shared corpus (both folders, Readwise and
    bilingual, and the seed), with the file it comes from relative to ``shared``."""
    from hlkb.pipeline import parse_and_analyze

    files = sorted(
        p
        for folder in ("corpus", "corpus-more")
        for kind in ("readwise", "bilingual")
        for p in (shared / folder / kind).glob("*")
        if p.suffix in (".md", ".txt")
    )
    files += sorted((shared / "seeds").glob("*.txt"))
    out = []
    for f in files:
        note = parse_and_analyze(f, f.name, strict=False)
        rel = f.relative_to(shared).as_posix()
        out.extend((rel, c) for c in note.claims)
    return out


def precision_recall(shared: Path) -> dict:
    """Extraction precision over the claims hlkb extracts that are judged in
    claims_judged.tsv; recall over the claims judged true in the random sample of the
    old extractor (what share of them is still extracted)."""
    judged = load_judgements()
    claims = corpus_claims(shared)
    found = {(rel, c.text) for rel, c in claims}
    rows = [judged.get((rel, c.text)) for rel, c in claims]
    known = [r for r in rows if r is not None]
    unjudged = [(rel, c.text) for (rel, c), r in zip(claims, rows) if r is None]
    true_in_sample = [k for k, r in judged.items() if r["set"] == "sample" and r["judgement"] == "y"]
    wrong = [(rel, c.text, r["reason"]) for (rel, c), r in zip(claims, rows) if r is not None and r["judgement"] == "n"]
    return dict(
        claims=len(claims),
        judged=len(known),
        unjudged=unjudged,
        right=sum(1 for r in known if r["judgement"] == "y"),
        wrong=wrong,
        sample_true=len(true_in_sample),
        sample_found=sum(1 for k in true_in_sample if k in found),
        missed=[k for k in true_in_sample if k not in found],
    )


def speed(shared: Path) -> dict:
    """Per-note cost of claims_for_note against parsing the same notes (baseline), and of
    extract_figures per paragraph against a bare digit regex (baseline), same run."""
    from hlkb.align import pairs_for_note
    from hlkb.claims import claims_for_note
    from hlkb.parse import parse_file

    files = [p for p, _ in articles(shared)]
    notes, t_parse = [], 0.0
    for f in files:
        t = time.perf_counter()
        note = parse_file(f, f.name, strict=False)
        t_parse += time.perf_counter() - t
        note.pairs = pairs_for_note(note)
        notes.append(note)
    for n in notes:  # warm-up: lazy imports (cn2an) and caches are paid once per process
        claims_for_note(n)
    t_claims = float("inf")
    for _ in range(3):  # best of three: the machine is shared
        t = time.perf_counter()
        n_claims = sum(len(claims_for_note(n)) for n in notes)
        t_claims = min(t_claims, time.perf_counter() - t)
    paragraphs = [p for f in files for p in read_text(f).text.split("\n\n") if p.strip()]
    digits = re.compile(r"\d[\d,.]*")
    t = time.perf_counter()
    for p in paragraphs:
        digits.findall(p)
    t_base = time.perf_counter() - t
    t = time.perf_counter()
    for p in paragraphs:
        extract_figures(p)
    t_fig = time.perf_counter() - t
    return dict(
        notes=len(notes),
        claims=n_claims,
        t_parse=t_parse,
        t_claims=t_claims,
        paragraphs=len(paragraphs),
        t_base=t_base,
        t_fig=t_fig,
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[1].parent / "shared"))
    ap.add_argument("--splitter", action="store_true", help="align with hlkb's splitter, not the gold pairs")
    ap.add_argument("--mutations", type=int, default=50, help="at most this many mutations per article (default 50)")
    ap.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="mutate each chosen figure this many times, a different digit each time (default 3)",
    )
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    shared = Path(args.shared)
    if not (shared / "corpus" / "bilingual").is_dir():
        print(f"no corpus at {shared}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    s = score_numbers(bilingual_folders(shared), args.splitter)
    n = s["facts"] or 1
    print(f"pairs from: {'hlkb splitter' if args.splitter else 'gold files'}")
    print(f"[1] gold facts: {s['facts']}")
    print(f"    extraction recall  EN {s['en_found'] / n:.1%}  ZH {s['zh_found'] / n:.1%}")
    print(f"    value correct      EN {s['en_value'] / n:.1%}  ZH {s['zh_value'] / n:.1%}")
    print(f"    pairing recall     {s['paired'] / n:.1%}  ({s['paired']}/{s['facts']})")
    print(
        f"    pairing precision  {s['links_right'] / max(1, s['links']):.1%}  ({s['links_right']}/{s['links']} links from gold EN figures)"
    )
    print(f"    trap phrases read as figures: {s['trap_hits']}/{s['traps']}")
    if args.verbose:
        for miss in s["misses"]:
            print("      missed pair:", miss)
    m = mutation_test(shared, args.splitter, args.mutations, args.rounds)
    print(f"[2] articles: {m['articles']}")
    print(
        f"    untouched: false mismatches {m['untouched_false']} (naive baseline: {m['naive_untouched']}); "
        f"genuine translation errors found {m['genuine_found']}/{m['genuine']}"
    )
    for line in m["false_list"]:
        print("      false:", line)
    rate = m["detected"] / max(1, m["mutations"])
    naive_rate = m["naive_detected"] / max(1, m["mutations"])
    print(
        f"    mutations detected {m['detected']}/{m['mutations']} = {rate:.1%} (target >= 95%; naive baseline {naive_rate:.1%})"
    )
    if args.verbose:
        for miss in m["missed"]:
            print("      missed mutation:", miss)
    pr = precision_recall(shared)
    print(f"[3] claims extracted from the corpus (Readwise and bilingual, both folders, and the seed): {pr['claims']}")
    print(f"    hand-judged ({JUDGED.name}): {pr['judged']}, not judged: {len(pr['unjudged'])}")
    print(
        f"    extraction precision {pr['right']}/{pr['judged']} = {pr['right'] / max(1, pr['judged']):.3f} (target >= 0.9)"
    )
    print(
        f"    recall {pr['sample_found']}/{pr['sample_true']} = {pr['sample_found'] / max(1, pr['sample_true']):.3f} "
        f"(true claims of the old extractor's random sample still extracted)"
    )
    if args.verbose:
        for rel, text, reason in pr["wrong"]:
            print(f"      not a claim: {rel}: {text[:70]!r} ({reason})")
        for rel, text in pr["missed"]:
            print(f"      missed claim: {rel}: {text[:70]!r}")
        for rel, text in pr["unjudged"]:
            print(f"      not judged: {rel}: {text[:70]!r}")
    sp = speed(shared)
    print(f"[4] speed over {sp['notes']} notes ({sp['claims']} claims), {sp['paragraphs']} paragraphs:")
    print(
        f"    claims_for_note {sp['t_claims'] * 1000 / sp['notes']:.1f} ms/note = "
        f"{sp['t_claims'] / max(sp['t_parse'], 1e-9):.1f}x parse_file (baseline {sp['t_parse'] * 1000 / sp['notes']:.1f} ms/note)"
    )
    print(
        f"    extract_figures {sp['t_fig'] * 1e6 / sp['paragraphs']:.0f} us/paragraph = "
        f"{sp['t_fig'] / max(sp['t_base'], 1e-9):.0f}x a bare digit regex (baseline {sp['t_base'] * 1e6 / sp['paragraphs']:.1f} us)"
    )
    print(f"    seconds: {time.perf_counter() - t0:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
