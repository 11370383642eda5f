#!/usr/bin/env python3
"""Parser speed, as ratios against baselines measured in the same run.

    .venv/bin/python benchmarks/bench_parse.py [--repeat N] [--against REV] [--worst N] [--pure]

hlkb is timed as `pip install .` builds it (hot modules compiled with mypyc, built once per
version of the sources: benchmarks/hlkb_build.py), or with --pure as the sources in src/.

Input: every note of tests/data/parse, notes/ and (when present) ../shared/corpus/readwise,
../shared/corpus-more/readwise and ../shared/seeds, decoded once, plus a synthetic
20,000-highlight note of Readwise's default template. Timed (best of N):

* decode  — textio.decode_bytes + splitting lines (the floor any parser pays);
* yaml    — the front-matter split and load alone;
* markdown-it block parse — what a generic Markdown parser costs knowing nothing of highlights;
* hlkb    — hlkb.parse.parse_text (front matter, layout inference, fields, plain text, ids);
* previous parser — the same parse_text of git revision REV (default: the last one before
  layout inference), run in a subprocess from a ``git archive`` of its src/: per note, the
  same notes, so "per note" compares like with like; the two alternate for three rounds
  and each note keeps its best time.

Prints MiB/s, hlkb's time as a multiple of each baseline, and per-note times (median and
total) against the previous parser, for the real notes, the notes both parsers read alike
(the same highlights, notes and locations) and the synthetic one apart;
``--worst N`` lists the N notes with the largest ratio.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PREVIOUS = "5f041d5"  # the parser before layout inference (issue 14)

SYNTHETIC_HIGHLIGHT = (
    "- Some highlight text with *emphasis* and a [link](https://example.org/x) "
    "([Location\u00a0220](https://readwise.io/to_kindle?action=open&asin=B0&location=220))\n"
    "    - Tags: [[pink]] \n    - Note: a short note\n"
)

# Times every input with whatever hlkb is first on sys.path; prints {name: seconds} as JSON.
_TIMER = r"""
import hashlib, json, sys, time
sys.path.insert(0, sys.argv[1])
from hlkb.parse import parse_text
texts = json.load(open(sys.argv[2], encoding="utf-8"))
repeat = int(sys.argv[3])
parse_text("warm up", "w.md")
out = {}
for name, text in texts:
    best = float("inf")
    read = ""
    for _ in range(repeat):
        t0 = time.perf_counter()
        try:
            note = parse_text(text, name, strict=False)
        except Exception:
            note = None
        best = min(best, time.perf_counter() - t0)
    if note is not None:   # what was read, to compare notes both parsers read alike
        read = hashlib.sha1(json.dumps([[h.text, h.note, h.location.label if h.location else None]
                                        for h in note.highlights]).encode()).hexdigest()
    out[name] = [best, read]
print(json.dumps(out))
"""


def inputs() -> list[tuple[str, bytes]]:
    shared = REPO.parent / "shared"
    folders = [
        REPO / "tests" / "data" / "parse",
        REPO / "notes",
        shared / "corpus" / "readwise",
        shared / "corpus-more" / "readwise",
        shared / "seeds",
    ]
    files = [
        f
        for d in folders
        if d.is_dir()
        for f in sorted(d.iterdir())
        if f.suffix in (".md", ".txt") and f.name != "VARIANTS.md"
    ]
    data = [(f"{f.parent.name}/{f.name}", f.read_bytes()) for f in files]
    big = "# Big Book\n\n## Metadata\n- Author: [[Someone]]\n- Category: #books\n\n## Highlights\n"
    data.append(("synthetic-20000.md", (big + SYNTHETIC_HIGHLIGHT * 20000).encode()))
    return data


def timed(fn, texts, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for name, text in texts:
            fn(name, text)
        best = min(best, time.perf_counter() - t0)
    return best


def per_note(src: Path, texts, repeat: int) -> dict[str, list]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as fh:
        json.dump(texts, fh)
        path = fh.name
    try:
        r = subprocess.run(
            [sys.executable, "-c", _TIMER, str(src), path, str(repeat)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        return json.loads(r.stdout)
    finally:
        os.unlink(path)


def previous_src(rev: str, into: Path) -> Path | None:
    try:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", rev, "src/hlkb"], capture_output=True, check=True
        ).stdout
    except (subprocess.CalledProcessError, FileNotFoundError):
        return None
    tar = into / "prev.tar"
    tar.write_bytes(archive)
    with tarfile.open(tar) as t:
        t.extractall(into)
    return into / "src"


def _yaml(frontmatter, text: str, name: str) -> None:
    if text.startswith("---"):
        try:
            frontmatter.parse(text, name)
        except frontmatter.FrontMatterError:
            pass


def main(argv: list[str]) -> int:
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 3
    rev = argv[argv.index("--against") + 1] if "--against" in argv else PREVIOUS
    from hlkb_build import hlkb_path

    src, built = hlkb_path(argv, log=lambda m: print(m, file=sys.stderr))
    sys.path.insert(0, str(src))
    from markdown_it import MarkdownIt

    from hlkb import frontmatter
    from hlkb.parse import parse_text
    from hlkb.textio import decode_bytes

    raw = inputs()
    texts = [(name, decode_bytes(data, name).text) for name, data in raw]
    mib = sum(len(data) for _, data in raw) / 2**20
    md = MarkdownIt("commonmark")
    parse_text("warm up", "w.md")
    results = {
        "decode": timed(lambda n, t: decode_bytes(t.encode("utf-8"), n).text.split("\n"), texts, repeat),
        "yaml": timed(lambda n, t: _yaml(frontmatter, t, n), texts, repeat),
        "markdown-it block parse": timed(lambda n, t: md.parse(t), texts, repeat),
        "hlkb": timed(lambda n, t: parse_text(t, n, strict=False, file_name=n), texts, repeat),
    }
    highlights = sum(len(parse_text(t, n, strict=False).highlights) for n, t in texts)
    print(f"hlkb timed: {built}")
    print(f"{len(texts)} files, {mib:.2f} MiB, {highlights} highlights, best of {repeat}")
    for name, secs in results.items():
        print(f"  {name:<24} {secs * 1000:8.1f} ms  {mib / secs:7.2f} MiB/s")
    hl = results["hlkb"]
    for name, secs in results.items():
        if name != "hlkb":
            print(f"  hlkb / {name:<17} {hl / secs:6.2f}x")
    print(f"  hlkb highlights/s         {highlights / hl:8.0f}")

    with tempfile.TemporaryDirectory() as tmp:
        prev = previous_src(rev, Path(tmp))
        if prev is None:
            print(f"  (no git history here: the per-note comparison with {rev} is skipped)")
            return 0
        # Alternate the two parsers, three rounds each, and keep each note's best: a busy
        # machine then slows both alike instead of whichever happened to run second.
        now: dict[str, float] = {}
        then: dict[str, float] = {}
        read: dict[str, list[str]] = {}
        for _ in range(3):
            for side, where in ((now, src), (then, prev)):
                for n, (secs, digest) in per_note(where, texts, max(repeat, 5)).items():
                    side[n] = min(secs, side.get(n, secs))
                    read.setdefault(n, []).append(digest)
    real = [n for n, _ in texts if n != "synthetic-20000.md"]
    ratios = [now[n] / then[n] for n in real if then[n] > 0]
    print(f"per note against the previous parser ({rev}), same notes, best of 3 x {max(repeat, 5)}:")
    print(
        f"  real notes ({len(real)}): median {statistics.median(now[n] for n in real) * 1000:.2f} ms vs "
        f"{statistics.median(then[n] for n in real) * 1000:.2f} ms; total {sum(now[n] for n in real):.3f} s vs "
        f"{sum(then[n] for n in real):.3f} s = {sum(now[n] for n in real) / sum(then[n] for n in real):.2f}x; "
        f"median per-note ratio {statistics.median(ratios):.2f}x"
    )
    alike = [n for n in real if len(set(read[n])) == 1 and read[n][0]]
    if alike:
        print(
            f"  notes both parsers read alike ({len(alike)}): total "
            f"{sum(now[n] for n in alike) / sum(then[n] for n in alike):.2f}x; median per-note ratio "
            f"{statistics.median(now[n] / then[n] for n in alike):.2f}x"
        )
    worst = int(argv[argv.index("--worst") + 1]) if "--worst" in argv else 0
    for n in sorted(real, key=lambda n: now[n] / then[n] if then[n] else 0, reverse=True)[:worst]:
        print(f"    {now[n] / then[n]:5.2f}x  {now[n] * 1000:7.2f} ms vs {then[n] * 1000:7.2f} ms  {n}")
    syn = "synthetic-20000.md"
    print(f"  synthetic 20,000-highlight note: {now[syn]:.2f} s vs {then[syn]:.2f} s = {now[syn] / then[syn]:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
