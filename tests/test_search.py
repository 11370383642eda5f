"""Search: query syntax, CJK and Traditional/Simplified folding, filters, snippets."""

from __future__ import annotations

import json
import shutil
import types
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hlkb.errors import UsageError
from hlkb.filters import Filters, build_filters
from hlkb.index import open_index, refresh, search, search_json
from hlkb.index.cjk import fold_for_index, fold_same_length, query_tokens
from hlkb.index.query import parse_query

DATA = Path(__file__).parent / "data" / "index"


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    vault = tmp_path_factory.mktemp("vault")
    shutil.copytree(DATA / "vault", vault, dirs_exist_ok=True)
    ix = open_index(vault)
    refresh(ix, progress=False)
    yield ix
    ix.close()


def _cases():
    for raw in (DATA / "queries.txt").read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        query, expected = raw.rsplit(" => ", 1)
        yield pytest.param(query, expected.strip(), id=query)


@pytest.mark.parametrize("query, expected", list(_cases()))
def test_query_cases(index, query, expected):
    if expected == "ERROR":
        with pytest.raises(UsageError):
            list(search(index, query, Filters(kinds=["highlight"])))
        return
    want = set() if expected == "(none)" else {e.strip() for e in expected.split(",")}
    got = {f"{r['path']}:{r['line']}" for r in search(index, query, Filters(kinds=["highlight"]))}
    assert got == want


def test_traditional_and_simplified_queries_find_the_same_records(index):
    def ids(q):
        return {r["id"] for r in search(index, q, Filters())}

    assert ids("亚马逊") == ids("亞馬遜") == ids("亞馬遜的")
    # the two highlights, once each: their notes are not hits again for a word inside them
    assert {r["kind"] for r in search(index, "亚马逊", Filters())} == {"highlight"}
    assert len(ids("亚马逊")) == 2


def test_note_is_searchable_by_whole_text(index):
    hits = list(search(index, "bakery", Filters()))
    assert [(h["kind"], h["path"]) for h in hits] == [("note", "loose-thoughts.txt")]
    # front-matter values are searchable too
    assert {h["path"] for h in search(index, "feedreader", Filters(kinds=["note"]))} == {"harbor-cities.md"}


def test_hidden_folders_are_not_indexed(index):
    assert list(search(index, "zebrafinch", Filters())) == []


def test_snippet_is_original_text_and_rank_present(index):
    hits = list(search(index, "亚马逊", Filters(kinds=["highlight"])))
    trad = next(h for h in hits if h["path"] == "harbor-cities.md")
    assert "亞馬遜" in trad["snippet"]          # original Traditional, not the folded form
    assert all(isinstance(h["rank"], float) for h in hits)


def test_title_outranks_body(index):
    hits = list(search(index, "gardens", Filters(kinds=["note"])))
    assert hits[0]["path"] == "books/quiet-gardens.md"


def test_filters(index):
    def paths(**kw):
        return sorted(f"{r['path']}:{r['line']}" for r in search(index, None, build_filters(**kw)))

    assert paths(kind=["note"], tag=["trade"]) == ["books/online-shops.md:1", "harbor-cities.md:1"]
    assert paths(kind=["highlight"], tag=["logistics"]) == ["harbor-cities.md:21"]
    # --where matches any front-matter key, key case-insensitively
    assert paths(kind=["note"], where=["SOURCE=feedreader"]) == ["harbor-cities.md:1"]
    assert paths(kind=["note"], where=["source=nothing"]) == []
    assert paths(kind=["note"], author="wren") == ["books/quiet-gardens.md:1"]
    assert paths(kind=["note"], category="BOOKS") == ["books/online-shops.md:1", "books/quiet-gardens.md:1"]
    assert paths(kind=["note"], since="2021-01-01") == ["books/online-shops.md:1", "harbor-cities.md:1"]
    assert paths(kind=["note"], until="2020-01-01") == ["books/quiet-gardens.md:1"]
    assert paths(kind=["highlight"], lang="zh") == ["books/online-shops.md:11", "books/online-shops.md:12",
                                                    "books/online-shops.md:13", "harbor-cities.md:21"]
    assert len(paths(limit=2)) == 2


def test_all_records_stream_in_path_order(index):
    it = search(index, None, Filters())
    assert isinstance(it, types.GeneratorType)
    recs = list(it)
    keys = [(r["path"], r["line"]) for r in recs]
    assert keys == sorted(keys, key=lambda k: (k[0], k[1]))


@pytest.mark.parametrize("query, filters", [
    ("harbor", Filters()), ("亞馬遜", Filters()), ("", Filters()), ("", Filters(kinds=["highlight"], limit=3)),
    ("ma* OR the", Filters(limit=40)), ('"fish market"', Filters()), ("title:harbor", Filters(kinds=["note"])),
    ("walking bakery", Filters()), ("nothingmatches", Filters())])
def test_search_json_is_the_records_json_text(index, query, filters):
    """Scripts get search_json's texts: each must be exactly output.dumps of search's record."""
    from hlkb.output import dumps

    texts = list(search_json(index, query, filters))
    records = list(search(index, query, filters, snippets=False))
    assert texts == [dumps(r) for r in records]
    assert [json.loads(t) for t in texts] == records
    assert texts or query == "nothingmatches"
    if query:
        assert all("rank" in json.loads(t) for t in texts)


def test_query_syntax_translation():
    assert parse_query("亞馬遜").match == '{title body note meta} : "亚马 马逊"'
    assert parse_query("网").match == '{title body note meta} : "网" *'
    assert parse_query("title:foo").match == '{title} : "foo"'
    assert "NOT" in parse_query("a -b").match
    assert parse_query('"a b" OR c*').match.count("OR") == 1


def test_cjk_folding():
    assert fold_for_index("亞馬遜") .split() == ["亚马", "马逊", "逊"]
    assert fold_for_index("Kindle 網紅 x").split() == ["Kindle", "网红", "红", "x"]
    assert query_tokens("网红经济") == (["网红", "红经", "经济"], False)
    assert fold_same_length("Crème 亞馬遜") == "creme 亚马逊"


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab亞马 "()*-:ORNTtitle:tag:AND')), max_size=25))
def test_any_query_either_works_or_is_a_usage_error(index, query):
    try:
        list(search(index, query, Filters(limit=5)))
    except UsageError as exc:
        assert "\n" not in str(exc)


def test_cli_search_json_and_no_matches(run_cli, tmp_path):
    vault = tmp_path / "v"
    shutil.copytree(DATA / "vault", vault)
    code, out, err = run_cli("search", "網紅", "--vault", vault, "--jsonl", "--kind", "highlight")
    assert code == 0
    recs = [json.loads(line) for line in out.splitlines()]
    assert [r["line"] for r in recs] == [12] and "snippet" not in recs[0] and recs[0]["rank"] > 0
    code, out, err = run_cli("search", "網紅", "--vault", vault, "--jsonl", "--kind", "highlight", "--snippets")
    recs = [json.loads(line) for line in out.splitlines()]
    assert recs[0]["snippet"].startswith("网红")
    code, out, err = run_cli("search", "nothingmatchesthis", "--vault", vault, "--json")
    assert code == 0 and json.loads(out) == [] and "no matches" in err
    code, out, err = run_cli("search", "(moss", "--vault", vault)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1


def test_cli_table_prints_markup_literally(run_cli, tmp_path):
    vault = tmp_path / "v"
    vault.mkdir()
    (vault / "m.md").write_text("# Markup\n\n## Highlights\n- the [bold]brave[/bold] otter \x1b[31mred\n",
                                encoding="utf-8")
    code, out, err = run_cli("search", "otter", "--vault", vault, "--kind", "highlight")
    assert code == 0
    assert "[bold]brave[/bold]" in out.replace("\n", " ").replace("│", " ") or "[bold]" in out
    assert "\x1b" not in out
