#!/usr/bin/env python3
"""Parser throughput, as a ratio against baselines measured in the same run.

    .venv/bin/python benchmarks/bench_parse.py [--repeat N]

Input: every note of tests/data/parse, notes/ and (when present) ../shared/corpus/readwise
and ../shared/seeds, decoded once, plus a synthetic 20,000-highlight Kindle note. Timed:

* decode  — textio.decode_bytes + splitting lines (the floor any parser pays);
* yaml    — the front-matter split and load alone (hlkb.frontmatter.parse);
* markdown-it block parse — MarkdownIt("commonmark").parse of the whole text, i.e. what
  a generic Markdown parser costs before it knows anything about highlights;
* hlkb    — hlkb.parse.parse_text (front matter, highlights, plain text, ids).

Prints MiB/s for each and hlkb's time as a multiple of each baseline.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from markdown_it import MarkdownIt  # noqa: E402

from hlkb import frontmatter  # noqa: E402
from hlkb.parse import parse_text  # noqa: E402
from hlkb.textio import decode_bytes  # noqa: E402

SYNTHETIC_HIGHLIGHT = (
    "- Some highlight text with *emphasis* and a [link](https://example.org/x) "
    "([Location\u00a0220](https://readwise.io/to_kindle?action=open&asin=B0&location=220))\n"
    "    - Tags: [[pink]] \n    - Note: a short note\n")


def inputs() -> list[tuple[str, bytes]]:
    shared = REPO.parent / "shared"
    folders = [REPO / "tests" / "data" / "parse", REPO / "notes", shared / "corpus" / "readwise", shared / "seeds"]
    files = [f for d in folders if d.is_dir() for f in sorted(d.iterdir())
             if f.suffix in (".md", ".txt") and f.name != "VARIANTS.md"]
    data = [(f.name, f.read_bytes()) for f in files]
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


def main(argv: list[str]) -> int:
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 3
    raw = inputs()
    texts = [(name, decode_bytes(data, name).text) for name, data in raw]
    mib = sum(len(data) for _, data in raw) / 2**20
    md = MarkdownIt("commonmark")
    parse_text("warm up", "w.md")
    results = {
        "decode": timed(lambda n, t: decode_bytes(t.encode("utf-8"), n).text.split("\n"), texts, repeat),
        "yaml": timed(lambda n, t: frontmatter.parse(t, n) if t.startswith("---") else None, texts, repeat),
        "markdown-it block parse": timed(lambda n, t: md.parse(t), texts, repeat),
        "hlkb": timed(lambda n, t: parse_text(t, n, strict=False, file_name=n), texts, repeat),
    }
    highlights = sum(len(parse_text(t, n, strict=False).highlights) for n, t in texts)
    print(f"{len(texts)} files, {mib:.2f} MiB, {highlights} highlights, best of {repeat}")
    for name, secs in results.items():
        print(f"  {name:<24} {secs * 1000:8.1f} ms  {mib / secs:7.2f} MiB/s")
    hl = results["hlkb"]
    for name, secs in results.items():
        if name != "hlkb":
            print(f"  hlkb / {name:<17} {hl / secs:6.2f}x")
    print(f"  hlkb highlights/s         {highlights / hl:8.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
