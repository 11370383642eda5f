#!/usr/bin/env python3
"""The share of generated layouts the parser reads exactly, without being given the template.

    .venv/bin/python benchmarks/generated_layouts.py [--examples 2000] [--seed 1] [-v]

Each example is a random export template (container, location link, note and tags forms,
field order, separator, header, metadata: tests/layouts/generate.py) rendered with random
highlights (multi-line, Chinese, Markdown inside, empty notes). Prints the share read
exactly and, per layout family, what fell short. Target: >= 99% over 2,000 examples.
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "tests"))

from hlkb.parse import parse_text
from layouts.generate import compare, generate


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    families = collections.Counter()
    failed = collections.Counter()
    exact = 0
    t0 = time.perf_counter()
    for _ in range(args.examples):
        gen = generate(rng)
        family = gen.description.split(" loc=")[0]
        families[family] += 1
        problems = compare(parse_text(gen.note, "generated.md"), gen)
        if problems:
            failed[family] += 1
            if args.verbose:
                print(f"- {gen.description}: {problems[0]}")
        else:
            exact += 1
    seconds = time.perf_counter() - t0
    print(
        f"generated layouts read exactly: {exact}/{args.examples} = {100.0 * exact / args.examples:.2f}% "
        f"(target >= 99%), {seconds:.1f} s"
    )
    for family, n in sorted(families.items()):
        print(f"  {family:14} {n - failed[family]:5}/{n}")
    return 0 if exact >= 0.99 * args.examples else 1


if __name__ == "__main__":
    sys.exit(main())
