"""The real Readwise exports in ../shared/corpus/readwise and ../shared/corpus-more/readwise
against their GOLD.json, and the seeds: every file parses, and highlight counts, Readwise
ids, the first 25 characters of each highlight's plain text and the number of highlights
with a note match exactly. Corrections to the gold live in tests/corpus_errata.json, each
with its evidence. Skips when ../shared is absent; fails loudly when it is present."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from hlkb.parse import parse_file

ERRATA = json.loads((Path(__file__).parent / "corpus_errata.json").read_text(encoding="utf-8"))
FOLDERS = ("corpus/readwise", "corpus-more/readwise")


def _norm(s: str) -> str:
    return " ".join(unicodedata.normalize("NFC", s or "").split()).lower()


def _gold(shared_dir):
    out = {}
    for folder in FOLDERS:
        gold = json.loads((shared_dir / folder / "GOLD.json").read_text(encoding="utf-8"))
        assert gold, f"{folder}/GOLD.json is empty"
        for name, want in gold.items():
            want = dict(want)
            want.update({k: v for k, v in ERRATA.get(f"{folder}/{name}", {}).items() if k != "why"})
            out[f"{folder}/{name}"] = want
    return out


def test_every_corpus_file_matches_its_gold(shared_dir):
    gold = _gold(shared_dir)
    assert len(gold) >= 66
    failures = []
    for rel, want in sorted(gold.items()):
        note = parse_file(shared_dir / rel, strict=False)
        hs = note.highlights
        got = {
            "highlights": len(hs),
            "readwise_ids": [h.readwise_id for h in hs],
            "notes": sum(1 for h in hs if h.note),
        }
        for key, value in got.items():
            if value != want[key]:
                failures.append(f"{rel}: {key}: got {value!r}, want {want[key]!r}")
        for i, (h, start) in enumerate(zip(hs, want["starts"])):
            if not _norm(h.text).startswith(_norm(start)):
                failures.append(f"{rel}: highlight {i} starts {h.text[:25]!r}, want {start!r}")
                break
        if note.highlights and note.layout == "none":
            failures.append(f"{rel}: highlights but no layout named")
    assert not failures, "\n".join(failures)


def test_errata_name_real_gold_entries(shared_dir):
    gold = _gold(shared_dir)
    for rel, fix in ERRATA.items():
        if rel == "about":
            continue
        assert rel in gold and fix.get("why"), rel


def test_every_corpus_file_and_seed_parses(shared_dir):
    files = [f for folder in FOLDERS for f in sorted((shared_dir / folder).glob("*.md"))]
    files += sorted((shared_dir / "seeds").glob("*.txt"))
    assert len(files) >= 68
    for f in files:
        note = parse_file(f, strict=False)
        assert note.title, f
        ids = [h.id for h in note.highlights]
        assert len(ids) == len(set(ids)), f
        for h in note.highlights:
            assert h.line <= h.text_end_line <= h.end_line, (f, h.line)
            assert h.text.strip() == h.text and h.text, (f, h.line)


def test_seed_article_fields(shared_dir):
    note = parse_file(shared_dir / "seeds" / "000_10ba9403ee3450ea.txt")
    assert note.format == "readwise"
    assert note.author == "Emma Klein" and note.category == "articles"
    assert note.date == "2024-02-08"
    assert note.document_tags == ["creators", "ecommerce", "social-media", "tiktok"]
    assert note.url.startswith("https://www.npr.org/")
    assert all(h.location and h.location.label == "View Highlight" for h in note.highlights)
