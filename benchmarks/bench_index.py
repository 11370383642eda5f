"""Index and search benchmark (issues 4 and 16). One command:

    .venv/bin/python benchmarks/bench_index.py            # 10k notes
    .venv/bin/python benchmarks/bench_index.py --large    # also 100k notes (slow: ~1 GB of files)
    .venv/bin/python benchmarks/bench_index.py --pure     # the Python sources, not the compiled build

hlkb is timed as `pip install .` builds it: its hot modules compiled with mypyc (setup.py),
built once per version of the sources (benchmarks/hlkb_build.py).

It generates a deterministic synthetic vault (Readwise articles, Kindle books, bilingual
English/Chinese articles; words drawn from a fixed seed) under benchmarks/.cache/ and
prints each measurement next to its target and, where the target is relative, the ratio
against a baseline measured in the same run:

- cold `hlkb index` of 10k notes vs inserting the same files' raw text into a bare FTS5 table
  (target <= 8x on this machine's 2 cores; each timed twice, alternating, best of each), and
  the same with --jobs 1 (how it scales, and the CPU-seconds of all processes of each: what
  the split over processes costs);
- the index file against the vault (target <= 2.5x);
- `hlkb index` with nothing changed (target <= 0.5 s) and after editing one note (<= 0.6 s);
- `hlkb --help` (target <= 150 ms);
- with --large: `hlkb search WORD --jsonl` vs `rg -l WORD` (target: faster) and the peak
  memory of indexing 100k notes (target <= 300 MB).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
HLKB = [sys.executable, "-m", "hlkb"]
RARE_WORD = "quillworth"  # planted in about 1 note in 200

_SYLLABLES = [
    "ka",
    "lo",
    "min",
    "ter",
    "sa",
    "vi",
    "ron",
    "del",
    "pa",
    "qu",
    "est",
    "ul",
    "bra",
    "no",
    "fen",
    "gi",
    "mor",
    "tal",
    "ci",
    "ux",
    "ber",
    "an",
    "do",
    "ri",
    "sel",
    "wo",
    "chu",
    "lin",
]
_HAN = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经"
    "十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表"
    "間國經濟發們這說時網紅亞馬遜長東際與學際關實貿處"
)


def _words(rng: random.Random, n: int) -> list[str]:
    return ["".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 3))) for _ in range(n)]


def _sentence(rng: random.Random, vocab: list[str], n: int) -> str:
    words = [rng.choice(vocab) for _ in range(n)]
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def _han(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(_HAN) for _ in range(n)) + "。"


def _note(i: int, rng: random.Random, vocab: list[str]) -> str:
    kind = i % 3
    title = " ".join(w.capitalize() for w in rng.sample(vocab, 3))
    author = " ".join(w.capitalize() for w in rng.sample(vocab, 2))
    tags = rng.sample(["economy", "history", "science", "china", "tech", "policy", "design"], 2)
    date = f"20{rng.randint(10, 24):02d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    rare = f" {RARE_WORD}" if i % 200 == 7 else ""
    out = [f"---\ntitle: {title}\nauthor: {author}\ntags: [{', '.join(tags)}]\ndate: {date}\n---\n", f"# {title}\n"]
    if kind == 2:  # bilingual article
        out.append(f"\n原文：{title}\n")
        for _ in range(18):
            out.append("\n" + " ".join(_sentence(rng, vocab, rng.randint(10, 20)) for _ in range(3)) + rare + "\n")
            out.append("\n" + _han(rng, rng.randint(60, 110)) + "\n")
        return "".join(out)
    category = "books" if kind == 1 else "articles"
    out.append(f"\n## Metadata\n- Author: [[{author}]]\n- Full Title: {title}\n- Category: #{category}\n")
    if kind == 0:
        out.append(f"- URL: https://example.org/{i}\n")
    out.append("\n## Highlights\n")
    for h in range(rng.randint(20, 32)):
        text = " ".join(_sentence(rng, vocab, rng.randint(10, 22)) for _ in range(2)) + (rare if h == 3 else "")
        if rng.random() < 0.15:
            text += " " + _han(rng, 30)
        if kind == 1:
            loc = rng.randint(10, 9000)
            out.append(
                f"- {text} ([Location {loc}](https://readwise.io/to_kindle?action=open&asin=B{i:09d}&location={loc}))\n"
            )
        else:
            out.append(f"- {text} ([View Highlight](https://read.readwise.io/read/01h{i:06d}{h:03d}))\n")
        if rng.random() < 0.2:
            out.append(f"    - Note: {_sentence(rng, vocab, 8)}\n")
        if rng.random() < 0.1:
            out.append(f"    - Tags: [[{rng.choice(tags)}]]\n")
    return "".join(out)


def make_vault(n: int) -> Path:
    root = CACHE / f"vault_{n}"
    marker = root / ".complete"
    if marker.exists():
        return root
    if root.exists():
        shutil.rmtree(root)
    rng = random.Random(4)
    vocab = _words(rng, 6000)
    for i in range(n):
        folder = root / f"d{i // 1000:03d}"
        if i % 1000 == 0:
            folder.mkdir(parents=True, exist_ok=True)
        (folder / f"note_{i:06d}.md").write_text(_note(i, random.Random(i), vocab), encoding="utf-8")
    marker.write_text("ok")
    return root


def vault_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*.md"))


def baseline_fts(root: Path, db: Path) -> float:
    """Read every file and insert its raw text into a bare FTS5 table, in one transaction."""
    if db.exists():
        db.unlink()
    t = time.perf_counter()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(path, body)")
    conn.execute("BEGIN")
    for folder, _dirs, files in os.walk(root):
        for name in sorted(files):
            if name.endswith(".md"):
                p = os.path.join(folder, name)
                with open(p, encoding="utf-8") as fh:
                    conn.execute("INSERT INTO t VALUES (?, ?)", (p, fh.read()))
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - t


def remove_index(db: Path) -> None:
    """An index file and its WAL, shared-memory and lock files, so the next build is cold."""
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(str(db) + suffix).unlink(missing_ok=True)


def run(cmd: list[str], **kw) -> tuple[float, subprocess.CompletedProcess]:
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    return time.perf_counter() - t, proc


def children_cpu() -> float:
    """CPU-seconds (user + system) of every finished child so far: a command's own and its
    parsing workers' (each process waits for its children)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def best_of(n: int, cmd: list[str]) -> float:
    return min(run(cmd)[0] for _ in range(n))


def line(name: str, value: str, target: str, ok: bool) -> None:
    print(f"{name:<46} {value:>22}   target {target:<18} {'ok' if ok else 'MISSED'}", flush=True)


def bench(n: int, large: bool) -> None:
    root = make_vault(n)
    size = vault_bytes(root)
    print(f"\n== {n} notes, {size / 1e6:.0f} MB ==", flush=True)
    db = CACHE / f"index_{n}.sqlite"
    # The machine is shared and its speed moves by half within minutes: the baseline and
    # the cold index are each timed twice, alternating, and the ratio is best against best
    # (at 100k notes the cold index once, between two baselines).
    bases, colds = [], []
    peak_mb = 0.0
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    for _ in range(2 if n <= 20_000 else 1):
        bases.append(baseline_fts(root, CACHE / f"baseline_{n}.sqlite"))
        remove_index(db)
        cpu0 = children_cpu()
        cold, proc = run(HLKB + ["index", "--vault", str(root), "--db", str(db)])
        cold_cpu = children_cpu() - cpu0  # (of the last run, as --jobs 1's below)
        if proc.returncode:
            sys.exit(f"hlkb index failed: {proc.stderr}")
        colds.append(cold)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if len(colds) == 1:
        bases.append(baseline_fts(root, CACHE / f"baseline_{n}.sqlite"))
    base, cold = min(bases), min(colds)
    # the same cold index parsed by one process (the writer overlaps nothing)
    one = None
    if n <= 20_000:
        db1 = CACHE / f"index_{n}_jobs1.sqlite"
        remove_index(db1)
        cpu0 = children_cpu()
        one, _ = run(HLKB + ["index", "--jobs", "1", "--vault", str(root), "--db", str(db1)])
        one_cpu = children_cpu() - cpu0
    # The same cold index with the bilingual splitter and claim extraction switched off, to
    # show what the index itself costs (parsing, folding, writing) apart from those analyses.
    bare = None
    db2 = CACHE / f"index_{n}_noanalysis.sqlite"
    remove_index(db2)
    script = (
        "import sys, hlkb.pipeline as p; p.analyze = lambda note: note; from hlkb.cli import run; "
        "sys.exit(run(sys.argv[1:]))"
    )
    if n <= 20_000:  # at 100k this would add many minutes and show nothing new
        bare, _ = run([sys.executable, "-c", script, "index", "--vault", str(root), "--db", str(db2)])
    print(f"   ({proc.stderr.strip().splitlines()[-1]})")
    line("baseline: raw text into bare FTS5", f"{base:.2f} s", "-", True)
    line(
        "  (each run)",
        f"{' / '.join(f'{b:.2f}' for b in bases)} s; {' / '.join(f'{c:.1f}' for c in colds)} s",
        "(baseline; hlkb)",
        True,
    )
    line(
        f"cold hlkb index (best of {len(colds)})",
        f"{cold:.2f} s = {cold / base:.2f}x",
        "<= 8x baseline",
        cold / base <= 8,
    )
    if one is not None:
        line(
            "  same with --jobs 1", f"{one:.2f} s = {one / base:.2f}x", f"(--jobs 2 is {one / cold:.2f}x faster)", True
        )
        # what splitting the work over processes costs: the same files parsed and written
        # by two workers and a writer, against one process (CPU-seconds, all processes)
        line(
            "  CPU-s, --jobs 2 against --jobs 1",
            f"{cold_cpu:.1f} / {one_cpu:.1f} = {cold_cpu / one_cpu:.2f}x",
            "(the split's cost)",
            True,
        )
    if bare is not None:
        line(
            "  same, splitter and claims switched off", f"{bare:.2f} s = {bare / base:.2f}x", "(index's own cost)", True
        )
    index_mb = sum(os.path.getsize(str(db) + sfx) for sfx in ("", "-wal") if os.path.exists(str(db) + sfx)) / 1e6
    line(
        "index file size",
        f"{index_mb:.0f} MB = {index_mb * 1e6 / size:.2f}x vault",
        "<= 2.5x vault",
        index_mb * 1e6 / size <= 2.5,
    )
    if peak_mb > before / 1024:
        line("peak RSS of hlkb index (largest process)", f"{peak_mb:.0f} MB", "<= 300 MB", peak_mb <= 300)
    noop = best_of(3, HLKB + ["index", "--vault", str(root), "--db", str(db)])
    # the refresh targets are set at 10k notes; at other sizes the lines are informative
    at_10k = n == 10_000
    line(
        "hlkb index, nothing changed (CLI)",
        f"{noop:.2f} s",
        "<= 0.5 s" if at_10k else "(10k target)",
        noop <= 0.5 or not at_10k,
    )
    target = root / "d000" / "note_000005.md"
    original = target.read_text(encoding="utf-8")
    try:
        target.write_text(original + "\n- One more line added by the benchmark.\n", encoding="utf-8")
        edit, proc = run(HLKB + ["index", "--vault", str(root), "--db", str(db)])
        assert "1 changed" in proc.stderr, proc.stderr
        line(
            "hlkb index after editing one note (CLI)",
            f"{edit:.2f} s",
            "<= 0.6 s" if at_10k else "(10k target)",
            edit <= 0.6 or not at_10k,
        )
    finally:
        target.write_text(original, encoding="utf-8")
        run(HLKB + ["index", "--vault", str(root), "--db", str(db)])
    rg = shutil.which("rg")
    grep_cmd = [rg, "-l", RARE_WORD, str(root)] if rg else ["grep", "-rl", RARE_WORD, str(root)]
    base_s = best_of(3, grep_cmd)
    srch = best_of(3, HLKB + ["search", RARE_WORD, "--jsonl", "--vault", str(root), "--db", str(db)])
    srch_nr = best_of(3, HLKB + ["search", RARE_WORD, "--jsonl", "--no-refresh", "--vault", str(root), "--db", str(db)])
    _, proc = run(HLKB + ["search", RARE_WORD, "--jsonl", "--no-refresh", "--vault", str(root), "--db", str(db)])
    hits = len(proc.stdout.splitlines())
    name = "rg -l" if rg else "grep -rl"
    line(f"{name} {RARE_WORD}", f"{base_s:.2f} s", "-", True)
    # the target is set at 100k notes; below that, start-up dominates and this is informative
    at_scale = n >= 100_000
    search_target = f"< 1x {name}" if at_scale else "(100k target)"
    line(
        f"hlkb search --jsonl ({hits} hits, refresh)",
        f"{srch:.2f} s = {srch / base_s:.2f}x",
        search_target,
        srch < base_s or not at_scale,
    )
    line(
        "hlkb search --jsonl --no-refresh",
        f"{srch_nr:.2f} s = {srch_nr / base_s:.2f}x",
        search_target,
        srch_nr < base_s or not at_scale,
    )
    del large


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--large", action="store_true", help="also run the 100k-note vault (slow)")
    ap.add_argument("--sizes", type=int, nargs="*", help="note counts to run instead of 10000 (and 100000)")
    ap.add_argument("--pure", action="store_true", help="time the Python sources in src/, not the compiled build")
    args = ap.parse_args()
    CACHE.mkdir(exist_ok=True)
    from hlkb_build import hlkb_path

    where, built = hlkb_path(["--pure"] if args.pure else [], log=lambda m: print(m, file=sys.stderr))
    # every hlkb command below (a subprocess) imports this build first
    os.environ["PYTHONPATH"] = os.pathsep.join([str(where)] + [p for p in [os.environ.get("PYTHONPATH")] if p])
    print(f"hlkb timed: {built}", flush=True)
    # Compile hlkb's modules first, as installing a wheel does: otherwise, under
    # PYTHONDONTWRITEBYTECODE (or a read-only checkout), every command recompiles the
    # modules it imports, about 25 ms that a user's installed copy never pays.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(where / "hlkb")], check=True)
    help_s = best_of(5, HLKB + ["--help"])
    py_s = best_of(5, [sys.executable, "-c", "pass"])
    line("hlkb --help", f"{help_s * 1000:.0f} ms (python {py_s * 1000:.0f})", "<= 150 ms", help_s <= 0.15)
    sizes = args.sizes or ([10_000, 100_000] if args.large else [10_000])
    for n in sizes:
        bench(n, args.large)


if __name__ == "__main__":
    main()
