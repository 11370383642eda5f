"""Speed of `hlkb import` against `hlkb parse` of the notes it writes (same run).

    .venv/bin/python benchmarks/bench_import.py [--books 500] [--highlights 20] [--repeat 3] [--baseline SRC]

Generates a Readwise API export (``--books`` books of ``--highlights`` highlights each:
Kindle books with locations, articles, tweets, podcasts, Chinese books; notes and tags on
some), then times, each as the command a user runs (best of ``--repeat``):

- ``import``: ``hlkb import export.json`` into an empty vault (render, check by parsing,
  write each note atomically, record, index the new notes);
- ``parse``: ``hlkb parse`` of the folder it wrote (the baseline: read every note);
- ``index``: ``hlkb index`` of that vault into a new index file (what the import's own
  refresh of the new notes costs at most: the share of ``import`` that is indexing);
- ``again``: the same import a second time (finds every note, writes nothing);
- ``update``: an import in which 1% of the highlights changed and 1% are new.

``--baseline SRC`` (another checkout's ``src``, e.g. a ``git worktree`` of main) also times
``import`` with that code, alternated with this one's in the same run (``base``).

The target (issue 18): ``import`` at most 2x ``parse``. Each command's CPU seconds (its worker
processes included; best of the runs) are printed beside its time: on the shared 2-core
machine they move less with the load than the times do.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HLKB = [sys.executable, "-m", "hlkb"]

WORDS = (
    "harbour lantern ledger season orchard river market winter signal ferry archive meadow copper "
    "margin patient quiet measure borrow kettle window answer ribbon distance thread "
).split()
ZH = "山水茶园清晨雾气采茶人半山腰叶子工序杯中城市花园屋顶菜地"


def sentence(rng: random.Random, zh: bool = False) -> str:
    if zh:
        return "".join(rng.choice(ZH) for _ in range(rng.randint(12, 40))) + "。"
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 30))]
    return " ".join(words).capitalize() + rng.choice([".", ".", "!", "?", ";"])


def make_export(books: int, highlights: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    results = []
    hid = 10_000_000
    categories = ["books", "books", "articles", "tweets", "podcasts", "books"]
    for b in range(books):
        category = categories[b % len(categories)]
        zh = b % 10 == 5
        items = []
        for h in range(highlights):
            hid += 1
            item = {
                "id": hid,
                "text": sentence(rng, zh) + (" " + sentence(rng, zh) if h % 4 == 0 else ""),
                "note": sentence(rng, zh) if h % 5 == 0 else "",
                "color": "yellow",
                "highlighted_at": f"2024-01-{1 + h % 28:02d}T10:00:00Z",
                "updated_at": "2024-01-01T10:00:00Z",
                "tags": [{"id": 1, "name": rng.choice(["blue", "pink", "idea", "quote"])}] if h % 3 == 0 else [],
                "is_favorite": False,
                "is_discard": False,
                "is_deleted": False,
                "readwise_url": f"https://readwise.io/open/{hid}",
                "url": None,
            }
            if category == "books":
                item.update(location=100 + h * 37, location_type="location")
            elif category == "podcasts":
                item.update(location=60 + h * 95, location_type="time_offset", url=f"https://www.airr.io/quote/q{hid}")
            elif category == "tweets":
                item.update(location=None, location_type=None, url=f"https://twitter.com/someone/status/{hid}")
            else:
                item.update(location=h + 1, location_type="order")
            items.append(item)
        title = ("书名" + str(b)) if zh else " ".join(rng.choice(WORDS) for _ in range(3)).title() + f" {b}"
        results.append(
            {
                "user_book_id": 500_000 + b,
                "title": title,
                "readable_title": title,
                "author": "Author " + str(b % 40),
                "category": category,
                "source": "kindle",
                "asin": f"B0{b:08d}" if category == "books" else None,
                "cover_image_url": f"https://images.example.org/{b}.jpg",
                "book_tags": [],
                "source_url": f"https://example.org/{b}" if category == "articles" else None,
                "readwise_url": f"https://readwise.io/bookreview/{500_000 + b}",
                "highlights": items,
            }
        )
    return {"count": len(results), "nextPageCursor": None, "results": results}


CPU: dict[str, list[float]] = {}  # command -> CPU seconds (user + system, its processes too)


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run(args: list[str], cwd: Path, key: str = "", src: Path = ROOT / "src") -> float:
    env = dict(os.environ, PYTHONPATH=str(src))
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(HLKB + args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"hlkb {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    CPU.setdefault(key, []).append(_children_cpu() - cpu)
    return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--books", type=int, default=500)
    ap.add_argument("--highlights", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--baseline", type=Path, help="another checkout's src: its import, alternated with this one's")
    args = ap.parse_args()
    # Compiled modules, as a user's installed copy has them (see bench_index.py): under
    # PYTHONDONTWRITEBYTECODE every command would recompile what it imports, and import
    # imports more of hlkb than parse does.
    for src in [Path(__file__).resolve().parents[1] / "src"] + ([args.baseline] if args.baseline else []):
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(src / "hlkb")], check=True)
    work = Path(tempfile.mkdtemp(prefix="hlkb-bench-import-"))
    try:
        export = make_export(args.books, args.highlights)
        source = work / "export.json"
        source.write_text(json.dumps(export), encoding="utf-8")
        changed = json.loads(json.dumps(export))
        rng = random.Random(11)
        n_items = args.books * args.highlights
        for _ in range(max(1, n_items // 100)):
            book = rng.choice(changed["results"])
            item = rng.choice(book["highlights"])
            item["note"] = (item["note"] or "") + " (revised)"
            item["updated_at"] = "2024-06-01T10:00:00Z"
        next_id = 90_000_000
        for _ in range(max(1, n_items // 100)):
            book = rng.choice(changed["results"])
            new = dict(
                book["highlights"][-1],
                id=next_id,
                text=sentence(rng) + " Added later.",
                readwise_url=f"https://readwise.io/open/{next_id}",
            )
            book["highlights"].append(new)
            next_id += 1
        updated = work / "export-updated.json"
        updated.write_text(json.dumps(changed), encoding="utf-8")

        times: dict[str, list[float]] = {"import": [], "parse": [], "index": [], "again": [], "update": []}
        keys = list(times)
        if args.baseline:
            times["base"] = []
            keys.insert(1, "base")
        load = os.getloadavg()[0]
        for r in range(args.repeat):
            if args.baseline:
                vault = work / f"base{r}"
                vault.mkdir()
                times["base"].append(run(["import", "--vault", str(vault), str(source)], work, "base", args.baseline))
                shutil.rmtree(vault)
            vault = work / f"vault{r}"
            vault.mkdir()
            times["import"].append(run(["import", "--vault", str(vault), str(source)], work, "import"))
            times["parse"].append(run(["parse", str(vault / "Readwise"), "--jsonl"], work, "parse"))
            db = str(work / f"fresh{r}.sqlite")
            times["index"].append(run(["index", "--vault", str(vault), "--db", db], work, "index"))
            times["again"].append(run(["import", "--vault", str(vault), str(source)], work, "again"))
            times["update"].append(run(["import", "--vault", str(vault), str(updated)], work, "update"))
            shutil.rmtree(vault)
        notes = args.books
        best = {k: min(v) for k, v in times.items()}
        cpu = {k: min(v) for k, v in CPU.items()}
        print(
            f"{n_items} highlights in {notes} books (best of {args.repeat}, seconds, whole commands; "
            f"load average {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end):"
        )
        for key in keys:
            print(
                f"  {key:<7} {best[key]:7.2f}   ({', '.join(f'{t:.2f}' for t in times[key])})   "
                f"CPU {cpu[key]:.2f} s ({cpu[key] / cpu['parse']:.2f}x parse's)"
            )
        ratio = best["import"] / best["parse"]
        print(
            f"import / parse = {ratio:.2f}x (target <= 2x); index / parse = {best['index'] / best['parse']:.2f}x; "
            f"import / index = {best['import'] / best['index']:.2f}x"
        )
        print(
            f"again / parse = {best['again'] / best['parse']:.2f}x; update / parse = {best['update'] / best['parse']:.2f}x"
        )
        if args.baseline:
            print(
                f"baseline import / parse = {best['base'] / best['parse']:.2f}x; import / baseline import = "
                f"{best['import'] / best['base']:.2f}x (CPU {cpu['import'] / cpu['base']:.2f}x)"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
