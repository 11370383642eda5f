"""The real Readwise exports in ../shared/corpus/readwise against their GOLD.json, and the
seeds: every file parses, and highlight counts, Readwise ids, the first 25 characters of
each highlight's plain text and the number of highlights with a note match exactly."""

from __future__ import annotations

import json


from hlkb.parse import parse_file


def _gold(shared_dir):
    return json.loads((shared_dir / "corpus" / "readwise" / "GOLD.json").read_text(encoding="utf-8"))


def test_corpus_matches_gold(shared_dir):
    corpus = shared_dir / "corpus" / "readwise"
    gold = _gold(shared_dir)
    assert gold, "GOLD.json is empty"
    failures = []
    for name, want in sorted(gold.items()):
        note = parse_file(corpus / name)
        got = {
            "highlights": len(note.highlights),
            "readwise_ids": [h.readwise_id for h in note.highlights],
            "starts": [h.text[:25] for h in note.highlights],
            "notes": sum(1 for h in note.highlights if h.note),
        }
        for key, value in got.items():
            if value != want[key]:
                failures.append(f"{name}: {key}: got {value!r}, want {want[key]!r}")
    assert not failures, "\n".join(failures)


def test_every_corpus_file_and_seed_parses(shared_dir):
    files = sorted((shared_dir / "corpus" / "readwise").glob("*.md")) + sorted((shared_dir / "seeds").glob("*.txt"))
    assert len(files) >= 18
    for f in files:
        note = parse_file(f)
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
