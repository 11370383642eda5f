"""Search quality on the shared corpora (issue 16). One command:

    .venv/bin/python benchmarks/search_eval.py [-v]

Indexes the note files of ../shared/corpus and ../shared/corpus-more (a copy, in a
temporary folder) and runs the hand-judged queries of benchmarks/data/search_eval.json
(English and Chinese, Traditional and Simplified, one- and two-character words, phrases,
prefixes, field words and filters) through three searches in the same run:

- **hlkb**: `hlkb search` as a user gets it (one hit per passage, notes where the match is
  outside their passages, claims inside their passages);
- **BM25, plain**: SQLite FTS5 BM25 over each whole file's raw text (unicode61, no CJK
  handling): what a bare full-text table gives;
- **BM25, folded**: the same whole files with hlkb's own folding (OpenCC t2s, a token per CJK character)
  and query translation: the same search, one document per file.

A result *finds* a judged passage when it is that passage (hlkb: its text holds the
judged text; a note hit, the text of its matching lines) or, for the whole-file searches,
the file holding it (generous to them: the reader still has to find the passage in the
file). Scores over the top 10: recall@10 (the judged passages found) and nDCG@10 (gain at
a rank: the best grade among the passages that result finds first; ideal: the judged
passages by grade). "Repeated" counts, for hlkb, the top-10 hits that show text another hit
above them already showed from the same lines of the same file (a claim cut out of its
passage, a note showing its highlight): the target is 0.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared"
JUDGEMENTS = HERE / "data" / "search_eval.json"
NOTE_SUFFIXES = (".md", ".markdown", ".txt")
K = 10


def norm(text: str) -> str:
    from hlkb.index.cjk import fold_same_length
    from hlkb.index.plain import plain_markdown

    return " ".join(fold_same_length(plain_markdown(text)).split())


def copy_corpus(dest: Path) -> None:
    for corpus in ("corpus", "corpus-more"):
        for path in sorted((SHARED / corpus).rglob("*")):
            if path.is_file() and path.suffix.lower() in NOTE_SUFFIXES and path.name != "VARIANTS.md":
                target = dest / path.relative_to(SHARED)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)


# ---------------------------------------------------------------- hlkb ---


def hlkb_results(index, query: str, filters) -> list[dict]:
    """The top hits as {path, text, lines}: the text a reader sees for each."""
    from hlkb.index.lookup import Texts
    from hlkb.index.query import parse_query
    from hlkb.index.search import evaluate, find_hits, record_of, row_text

    parsed = parse_query(query)
    hits = find_hits(index, parsed, filters, evaluate(index, parsed))[:K]
    texts = Texts(index.conn)
    out = []
    for hit in hits:
        rec = record_of(index, hit.rid, texts)
        rows = hit.rows if hit.kind == "note" else [hit.rid]
        pieces = []
        for rid in rows:
            row_rec = rec if rid == hit.rid else record_of(index, rid, texts)
            pieces += row_text(index, rid, row_rec, texts)
        if hit.kind == "note" and not hit.across:
            # the lines it shows: those that match (the note's row holds its title and fields)
            from hlkb.index.search import first_span

            matching = [p for p in pieces if first_span(p[2], parsed.terms)]
            pieces = matching or pieces
        lines = set()
        if rec and rec.get("kind") == "highlight":
            lines = set(range(rec["line"], (rec.get("end_line") or rec["line"]) + 1))
        elif rec and rec.get("kind") == "pair":
            lines = set(rec.get("en_lines") or []) | set(rec.get("zh_lines") or [])
        else:
            lines = {p[0] for p in pieces}
        shown = [norm(p[2]) for p in pieces if p[2]]
        if hit.kind in ("highlight", "pair"):
            shown.append(" ".join(shown))  # a paragraph the splitter kept as several lines
        out.append({"path": hit.path, "kind": hit.kind, "texts": shown, "lines": lines})
    return out


def repeated(results: list[dict]) -> int:
    """Hits that show text a hit above them already showed, from the same lines."""
    count = 0
    for i, hit in enumerate(results):
        for above in results[:i]:
            if hit["path"] != above["path"] or not (hit["lines"] & above["lines"]):
                continue
            if any(len(t) >= 12 and (t in u or u in t) for t in hit["texts"] for u in above["texts"]):
                count += 1
                break
    return count


# ---------------------------------------------------------------- whole-file BM25 ---


class WholeFiles:
    """BM25 over whole files, raw or folded the way hlkb folds."""

    def __init__(self, root: Path, folded: bool):
        from hlkb.index.cjk import fold_for_index

        self.folded = folded
        self.conn = sqlite3.connect(":memory:")
        self.conn.execute(
            "CREATE VIRTUAL TABLE f USING fts5(path UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 2')"
        )
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix.lower() in NOTE_SUFFIXES and ".hlkb" not in path.parts:
                from hlkb.textio import read_text

                text = read_text(path, str(path)).text
                self.conn.execute(
                    "INSERT INTO f VALUES (?, ?)",
                    (path.relative_to(root).as_posix(), fold_for_index(text) if folded else text),
                )

    def match(self, query: str) -> str:
        from hlkb.index.query import parse_query

        if self.folded:
            # hlkb's translation, every column filter dropped (a file has one column)
            return re.sub(r"\{[a-z ]+\} : ", "", parse_query(query).match)
        words = []
        for token in re.findall(r'"[^"]*"|\S+', query):
            token = token.split(":", 1)[1] if re.match(r"^[a-z]+:", token) else token
            star = token.endswith("*")
            token = token.strip('"*')
            if token:
                words.append('"' + token.replace('"', '""') + '"' + (" *" if star else ""))
        return " AND ".join(words)

    def results(self, query: str, allowed: set[str] | None) -> list[dict]:
        try:
            rows = self.conn.execute(
                "SELECT path FROM f WHERE f MATCH ? ORDER BY bm25(f)", (self.match(query),)
            ).fetchall()
        except sqlite3.OperationalError:
            rows = []
        paths = [p for (p,) in rows if allowed is None or p in allowed]
        return [{"path": p} for p in paths[:K]]


# ---------------------------------------------------------------- scoring ---


def finds(result: dict, item: dict, whole_file: bool) -> bool:
    if result["path"] != item["path"]:
        return False
    return whole_file or any(item["norm"] in t for t in result["texts"])


def score(results: list[dict], relevant: list[dict], whole_file: bool) -> tuple[float, float]:
    found: set[int] = set()
    dcg = 0.0
    for rank, result in enumerate(results[:K], 1):
        new = [i for i, item in enumerate(relevant) if i not in found and finds(result, item, whole_file)]
        if new:
            dcg += max(relevant[i]["grade"] for i in new) / math.log2(rank + 1)
            found.update(new)
    ideal = sorted((item["grade"] for item in relevant), reverse=True)[:K]
    idcg = sum(g / math.log2(rank + 1) for rank, g in enumerate(ideal, 1))
    return len(found) / len(relevant), (dcg / idcg if idcg else 0.0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per query")
    args = ap.parse_args()
    if not (SHARED / "corpus").is_dir():
        sys.exit(f"search_eval: {SHARED} is absent: it needs the shared corpora beside the project")
    from hlkb.filters import build_filters
    from hlkb.index import open_index, refresh, search

    judged = json.loads(JUDGEMENTS.read_text(encoding="utf-8"))["queries"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "vault"
        copy_corpus(root)
        index = open_index(root)
        refresh(index, progress=False)
        plain, folded = WholeFiles(root, folded=False), WholeFiles(root, folded=True)
        totals = {name: [0.0, 0.0] for name in ("hlkb", "BM25 plain", "BM25 folded")}
        by_type: dict[str, dict[str, list[float]]] = {}
        repeats = 0
        lists_with_repeats = 0
        missing = []
        for q in judged:
            relevant = [dict(item, norm=norm(item["text"])) for item in q["relevant"]]
            filt = q.get("filters") or {}
            filters = build_filters(
                kind=filt.get("kind"),
                tag=filt.get("tag"),
                author=filt.get("author"),
                category=filt.get("category"),
                lang=filt.get("lang"),
            )
            allowed = None
            if filt:
                # the whole-file searches get the same file-level filters
                allowed = {r["path"] for r in search(index, None, filters)}
            got = hlkb_results(index, q["query"], filters)
            for item in relevant:
                if not (root / item["path"]).is_file():
                    missing.append(item["path"])
            rep = repeated(got)
            repeats += rep
            lists_with_repeats += rep > 0
            scores = {
                "hlkb": score(got, relevant, False),
                "BM25 plain": score(plain.results(q["query"], allowed), relevant, True),
                "BM25 folded": score(folded.results(q["query"], allowed), relevant, True),
            }
            for name, (r, n) in scores.items():
                totals[name][0] += r
                totals[name][1] += n
                for t in q.get("types", []):
                    by_type.setdefault(t, {}).setdefault(name, []).append(n)
            if args.verbose:
                flt = f" {filt}" if filt else ""
                cells = "  ".join(f"{name} R{r:.2f} N{n:.2f}" for name, (r, n) in scores.items())
                print(f"{q['query'] + flt:<34} {cells}{'  REPEATED ' + str(rep) if rep else ''}")
        index.close()
    if missing:
        sys.exit(f"search_eval: judged files not in the corpus: {sorted(set(missing))}")
    n = len(judged)
    print(f"\n{n} queries, {sum(len(q['relevant']) for q in judged)} judged passages; top {K}")
    print(f"{'search':<14} {'recall@10':>10} {'nDCG@10':>10}")
    for name, (r, nd) in totals.items():
        print(f"{name:<14} {r / n:>10.3f} {nd / n:>10.3f}")
    print("\nnDCG@10 by kind of query:")
    for t in sorted(by_type):
        cells = "  ".join(f"{name} {sum(v) / len(v):.2f}" for name, v in by_type[t].items())
        print(f"  {t:<12} ({len(by_type[t]['hlkb'])} queries)  {cells}")
    print(
        f"\nrepeated texts in hlkb's top 10: {repeats} hits in {lists_with_repeats} of {n} lists "
        f"(target 0) {'ok' if repeats == 0 else 'MISSED'}"
    )
    return 0 if repeats == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
