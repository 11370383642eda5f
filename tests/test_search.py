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
    assert "亞馬遜" in trad["snippet"]  # original Traditional, not the folded form
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
    assert paths(kind=["highlight"], lang="zh") == [
        "books/online-shops.md:11",
        "books/online-shops.md:12",
        "books/online-shops.md:13",
        "harbor-cities.md:21",
    ]
    assert len(paths(limit=2)) == 2


def test_all_records_stream_in_path_order(index):
    it = search(index, None, Filters())
    assert isinstance(it, types.GeneratorType)
    recs = list(it)
    keys = [(r["path"], r["line"]) for r in recs]
    assert keys == sorted(keys, key=lambda k: (k[0], k[1]))


@pytest.mark.parametrize(
    "query, filters",
    [
        ("harbor", Filters()),
        ("亞馬遜", Filters()),
        ("", Filters()),
        ("", Filters(kinds=["highlight"], limit=3)),
        ("ma* OR the", Filters(limit=40)),
        ('"fish market"', Filters()),
        ("title:harbor", Filters(kinds=["note"])),
        ("walking bakery", Filters()),
        ("nothingmatches", Filters()),
    ],
)
def test_search_json_is_the_records_json_text(index, query, filters):
    """Scripts get search_json's texts: each must be exactly output.dumps of search's record."""
    from hlkb.export.jsonout import dumps

    texts = list(search_json(index, query, filters))
    records = list(search(index, query, filters, snippets=False))
    assert texts == [dumps(r) for r in records]
    assert [json.loads(t) for t in texts] == records
    assert texts or query == "nothingmatches"
    if query:
        assert all("rank" in json.loads(t) for t in texts)


def test_query_syntax_translation():
    assert parse_query("亞馬遜").match == '{title body note meta} : "亚 马 逊" *'
    assert parse_query("网").match == '{title body note meta} : "网" *'
    assert parse_query("title:foo").match == '{title} : "foo"'
    assert "NOT" in parse_query("a -b").match
    assert parse_query('"a b" OR c*').match.count("OR") == 1


def test_cjk_folding():
    assert fold_for_index("亞馬遜").split() == ["亚", "马", "逊\ue000"]
    assert fold_for_index("Kindle 網紅 x").split() == ["Kindle", "网", "红\ue000", "x"]
    assert query_tokens("网红经济") == (["网", "红", "经", "济"], True)
    assert query_tokens("网红 经济 x") == (["网", "红\ue000", "经", "济\ue000", "x"], False)
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
    (vault / "m.md").write_text(
        "# Markup\n\n## Highlights\n- the [bold]brave[/bold] otter \x1b[31mred\n", encoding="utf-8"
    )
    code, out, err = run_cli("search", "otter", "--vault", vault, "--kind", "highlight")
    assert code == 0
    assert "[bold]brave[/bold]" in out.replace("\n", " ").replace("│", " ") or "[bold]" in out
    assert "\x1b" not in out


# ---------------------------------------------------------------- one passage, one hit (issue 16) ---

PASSAGES = DATA / "passages"


@pytest.fixture(scope="module")
def pix(tmp_path_factory):
    """An index of tests/data/index/passages: a bilingual article (pairs, claims with
    figures), a Readwise book note (highlights, an annotation, a claim, own notes) and a
    plain note of paragraphs."""
    vault = tmp_path_factory.mktemp("passages")
    shutil.copytree(PASSAGES, vault, dirs_exist_ok=True)
    ix = open_index(vault)
    refresh(ix, progress=False)
    yield ix
    ix.close()


def _hit_texts(rec):
    """The passage text a hit stands for (what a reader would see as repeated)."""
    if rec["kind"] == "highlight":
        return [rec["text"]]
    if rec["kind"] == "pair":
        return rec["en"] + rec["zh"]
    return [rec.get("snippet") or ""]


@pytest.mark.parametrize(
    "query", ["tide", "gauge", "燈塔", "灯", "1998", "heron", "the", "lighthouse", "harbour", "nets OR kelp"]
)
def test_each_text_is_one_hit_and_claims_stay_in_their_passage(pix, query):
    hits = list(search(pix, query, Filters(), snippets=True))
    assert hits
    assert all(h["kind"] != "claim" for h in hits)  # marked in the passage, not listed again
    texts = [t for h in hits for t in _hit_texts(h)]
    assert len(texts) == len(set(texts))
    ids = [h["id"] for h in hits]
    assert len(ids) == len(set(ids))


def test_a_note_is_a_hit_only_where_the_match_is_outside_its_passages(pix):
    # inside a highlight only: the highlight, not its note
    assert [(h["kind"], h["line"]) for h in search(pix, "barnacles", Filters())] == [("highlight", 18)]
    # in the note's own paragraphs: the note, with the line of the match
    hits = list(search(pix, "kelp", Filters()))
    assert [(h["kind"], h["path"], h["match_lines"]) for h in hits] == [("note", "tides.md", [26])]
    # in an annotation and in the note's own text: both, each once
    kinds = sorted((h["kind"], h.get("match_lines")) for h in search(pix, "gauge", Filters()))
    assert kinds == [("highlight", None), ("note", [23])]
    # the title: the note's own row
    assert [h["kind"] for h in search(pix, "港口", Filters())] == ["note"]


def test_words_in_different_passages_still_find_the_note(pix):
    hits = list(search(pix, "barnacles fishermen", Filters()))
    assert [(h["kind"], h["path"], h["match_lines"]) for h in hits] == [("note", "tides.md", [18, 20])]
    # across the paragraphs of a plain note too, and NOT still excludes across the note
    assert [h["match_lines"] for h in search(pix, "heron kingfisher", Filters())] == [[3, 6]]
    assert list(search(pix, "heron kingfisher -towpath", Filters())) == []
    # a phrase must stand in one passage
    assert list(search(pix, '"barnacles fishermen"', Filters())) == []


def test_field_words_hold_for_every_passage_of_the_note(pix):
    got = {(h["kind"], h["line"]) for h in search(pix, "title:tides nets", Filters())}
    assert got == {("highlight", 20)}
    assert {h["line"] for h in search(pix, "author:marsh", Filters(kinds=["highlight"]))} == {16, 18, 20}
    assert {h["line"] for h in search(pix, "tag:biology", Filters(kinds=["highlight"]))} == {18}
    assert list(search(pix, "tag:biology -barnacles", Filters())) == []
    # the note is a hit for its title; its paragraphs without the word are not its match lines
    assert [h["match_lines"] for h in search(pix, "title:tides", Filters(kinds=["note"]))] == [[1]]


def test_claims_are_found_through_their_passage(pix):
    claims = list(search(pix, "tide", Filters(kinds=["claim"])))
    tide = next(r for r in search(pix, "tide", Filters()) if r["kind"] == "highlight")
    assert [(c["kind"], c["passage_id"]) for c in claims] == [("claim", tide["id"])]
    pair = next(r for r in search(pix, "燈塔", Filters()))
    assert {c["passage_id"] for c in search(pix, "燈塔", Filters(kinds=["claim"]))} == {pair["id"]}
    # the passage matches, the claim sentence does not: no claim
    assert list(search(pix, "gauge", Filters(kinds=["claim"]))) == []
    # the claim's own fields filter, its note's title holds for it
    assert len(list(search(pix, "tide", Filters(kinds=["claim"], where=[("source", "highlight")])))) == 1
    assert len(list(search(pix, "title:harbour 1998", Filters(kinds=["claim"])))) == 2
    assert list(search(pix, "tide -quay", Filters(kinds=["claim"]))) == []


def test_traditional_simplified_and_short_cjk_words_in_pairs(pix):
    lines = {h["line"] for h in search(pix, "灯塔", Filters(kinds=["pair"]))}
    assert lines == {h["line"] for h in search(pix, "燈塔", Filters(kinds=["pair"]))} == {9}
    assert {h["kind"] for h in search(pix, "灯", Filters())} == {"note", "pair"}  # title 燈光, pair 點燈
    assert {h["line"] for h in search(pix, "海灣", Filters())} == {13}


def test_every_word_of_a_note_finds_a_hit_in_it(pix):
    """Every word a reader sees in a fixture note (its visible text, front matter values)
    finds a hit in that note: nothing fell between the passages and the parts."""
    import re

    from hlkb.index.plain import plain_line

    for path in sorted(PASSAGES.iterdir()):
        words = set()
        lines = path.read_text(encoding="utf-8").splitlines()
        end = lines.index("---", 1) if lines[0] == "---" else -1
        for i, line in enumerate(lines):
            if 0 <= i <= end:  # front matter: its values, not its keys
                line = line.split(":", 1)[1] if ":" in line else ""
            line = re.sub(r"^\s*- (Note|Tags):", "", line)  # the labels of a highlight's sublines
            words.update(w.lower() for w in re.findall(r"[A-Za-z]{4,}", plain_line(line)[0]))
        words -= {"https", "readwise", "kindle", "action", "open", "asin", "location"} & words
        assert len(words) > 10
        for word in sorted(words):
            got = {h["path"] for h in search(pix, word, Filters(kinds=["note", "highlight", "pair"]))}
            assert path.name in got, (path.name, word)


def test_search_json_hit_fields_follow_the_record_schema(pix):
    import jsonschema

    from hlkb.export import schema_text

    schema = json.loads(schema_text())
    assert "passage_id" in schema["$defs"]["claim"]["properties"]
    assert "match_lines" in schema["$defs"]["note"]["properties"]
    for query, kinds in (("kelp", []), ("tide", ["claim"]), ("barnacles fishermen", []), ("1998", [])):
        for text in search_json(pix, query, Filters(kinds=kinds)):
            rec = json.loads(text)
            jsonschema.validate(rec, schema)
            assert isinstance(rec["rank"], float)
            if rec["kind"] == "note":
                assert rec["match_lines"] and all(isinstance(n, int) for n in rec["match_lines"])
            if rec["kind"] == "claim":
                assert rec["passage_id"]


def test_snippets_are_plain_text(pix):
    for query in ("nets", "logbook", "lighthouse", "Tides"):
        for rec in search(pix, query, Filters(), snippets=True):
            assert "**" not in rec["snippet"] and "](" not in rec["snippet"] and "##" not in rec["snippet"]


def _lines_fit(out: str, width: int) -> None:
    from rich.cells import cell_len

    for line in out.splitlines():
        assert cell_len(line) <= width, line


@pytest.mark.parametrize("width", [40, 80, 132])
def test_terminal_view_is_grouped_by_note_and_fits_the_width(run_cli, tmp_path, monkeypatch, width):
    vault = tmp_path / "v"
    shutil.copytree(PASSAGES, vault)
    (vault / "a-rather-long-folder-name-for-field-notes" / "and-another-level").mkdir(parents=True)
    shutil.copy(
        PASSAGES / "walks.txt",
        vault
        / "a-rather-long-folder-name-for-field-notes"
        / "and-another-level"
        / "evening-walks-along-the-canal-towpath-notes.txt",
    )
    monkeypatch.setenv("COLUMNS", str(width))
    code, out, err = run_cli("search", "the OR 灯", "--vault", vault)
    assert code == 0, err
    _lines_fit(out, width)
    assert "](" not in out and "**" not in out and "##" not in out
    # one header per note, the hits under it with their line numbers; a footer
    headers = [ln for ln in out.splitlines() if ln and not ln.startswith(" ")]
    assert sum(1 for h in headers if h.startswith("tides.md")) == 1
    assert out.rstrip().splitlines()[-1].startswith(tuple("0123456789")) and " hits in " in out
    assert any(ln.lstrip().startswith("20 ") for ln in out.splitlines())  # the nets highlight's line


def test_terminal_view_marks_claims_and_shows_the_across_note(run_cli, tmp_path, monkeypatch):
    vault = tmp_path / "v"
    shutil.copytree(PASSAGES, vault)
    monkeypatch.setenv("COLUMNS", "100")
    code, out, _ = run_cli("search", "tide", "--vault", vault)
    assert "+1 claim" in out and "Location 210" in out and "1 hit in 1 note" in out
    code, out, _ = run_cli("search", "barnacles fishermen", "--vault", vault)
    assert "different passages" in out and "18" in out and "20" in out
    code, out, _ = run_cli("search", "tide", "--kind", "claim", "--vault", vault)
    assert "claim" in out and " in h_" in out


def test_show_is_a_card(run_cli, tmp_path, monkeypatch):
    vault = tmp_path / "v"
    shutil.copytree(PASSAGES, vault)
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run_cli("search", "barnacles", "--vault", vault, "--jsonl")
    hid = json.loads(out)["id"]
    code, out, err = run_cli("show", hid, "--vault", vault)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Reading the Tides — Ada Marsh"
    assert lines[1] == "tides.md:18"
    assert "Location 340" in lines[2]
    assert "Barnacles grip the stones where the waves break hardest." in out
    assert "Tags  #biology" in out and "←" in out and "→" in out
    assert "{" not in out and '"kind"' not in out
    _lines_fit(out, 80)
    code, out, _ = run_cli("show", hid, "--vault", vault, "--json")
    assert json.loads(out)["id"] == hid
    code, out, _ = run_cli("search", "1998", "--kind", "pair", "--vault", vault, "--jsonl")
    code, out, _ = run_cli("show", json.loads(out)["id"], "--vault", vault)
    assert "EN, line 17" in out and "ZH, line 19" in out and "舊碼頭" in out


def test_open_uses_the_editor_at_the_line(run_cli, tmp_path, monkeypatch):
    import sys

    vault = tmp_path / "v"
    shutil.copytree(PASSAGES, vault)
    code, out, _ = run_cli("search", "fishermen", "--vault", vault, "--jsonl")
    hid = json.loads(out)["id"]
    code, out, _ = run_cli("open", hid, "--print", "--vault", vault)
    assert code == 0 and out.strip() == f"{vault.resolve() / 'tides.md'}:20"
    got = tmp_path / "editor-args.json"
    editor = f"{sys.executable} -c \"import json, sys; json.dump(sys.argv[1:], open({str(got)!r}, 'w'))\""
    monkeypatch.setenv("VISUAL", editor)
    code, out, err = run_cli("open", hid[:8], "--vault", vault)
    assert code == 0, err
    assert json.loads(got.read_text()) == ["+20", str(vault.resolve() / "tides.md")]
    monkeypatch.delenv("VISUAL")
    monkeypatch.delenv("EDITOR", raising=False)
    code, out, err = run_cli("open", hid, "--vault", vault)
    assert code == 2 and "$EDITOR" in err and len(err.strip().splitlines()) == 1
    monkeypatch.setenv("EDITOR", "/no/such/editor-here")
    code, out, err = run_cli("open", hid, "--vault", vault)
    assert code == 2 and "editor" in err


def _fzf():
    import os

    found = shutil.which("fzf")
    if found is None and not os.environ.get("CI"):
        pytest.skip("fzf is not installed (.ci/run installs Debian's fzf; apt-get install fzf)")
    assert found, "fzf must be installed in CI (.ci/run installs it)"
    return found


def test_interactive_search_runs_the_real_fzf(tmp_path):
    """`search -i` with the real fzf: FZF_DEFAULT_OPTS=--filter makes fzf choose without a
    terminal, as if the user had typed the filter and accepted every line."""
    import os
    import subprocess
    import sys

    _fzf()
    vault = tmp_path / "v"
    shutil.copytree(PASSAGES, vault)
    env = dict(os.environ, FZF_DEFAULT_OPTS="--filter=barnacles")
    proc = subprocess.run(
        [sys.executable, "-m", "hlkb", "search", "-i", "the", "--vault", str(vault)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    chosen = [line.split("\t") for line in proc.stdout.splitlines()]
    assert len(chosen) == 1 and chosen[0][1] == "tides.md:18"
    # the chosen id is what `hlkb show` (the preview) and `hlkb open` take
    shown = subprocess.run(
        [sys.executable, "-m", "hlkb", "show", chosen[0][0], "--vault", str(vault)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Barnacles grip" in shown.stdout
    # nothing chosen: no output, exit 0
    env["FZF_DEFAULT_OPTS"] = "--filter=zzzznothing"
    proc = subprocess.run(
        [sys.executable, "-m", "hlkb", "search", "-i", "the", "--vault", str(vault)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0 and proc.stdout == ""


def test_interactive_search_without_fzf_is_one_clear_error(run_cli, tmp_path, monkeypatch):
    vault = tmp_path / "v"
    shutil.copytree(PASSAGES, vault)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    code, out, err = run_cli("search", "-i", "tide", "--vault", vault)
    assert code == 2 and out == "" and "fzf" in err and len(err.strip().splitlines()) == 1
    code, out, err = run_cli("search", "-i", "tide", "--jsonl", "--vault", vault)
    assert code == 2 and "--interactive" in err


def test_plain_text_of_markdown_lines():
    from hlkb.index.plain import plain_line, plain_markdown

    assert plain_line("## Notes on *tides*") == ("Notes on tides", [])
    assert plain_line("- Author: [[Ada Marsh|Ada]]") == ("Author: Ada", [])
    assert plain_line("![cover](https://x.example/c.png)") == ("", ["https://x.example/c.png"])
    assert plain_line("- Nets dry. ([View Highlight](https://read.example/1))") == (
        "Nets dry.",
        ["https://read.example/1"],
    )
    assert plain_line("> [!note] a _quiet_ snake_case word ^block-1") == ("a quiet snake_case word", [])
    assert plain_line("1. \\*not emphasis\\* &amp; more") == ("*not emphasis* & more", [])
    assert plain_line("---") == ("", [])
    assert plain_markdown("**Bold** start\nsecond [link](https://l.example)") == "Bold start second link"


def test_excerpt_cuts_on_word_and_character_boundaries():
    from hlkb.index.search import excerpt

    text = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu"
    cut = excerpt(text, (text.index("theta"), text.index("theta") + 5), 30)
    assert "theta" in cut and cut.startswith("…") and cut.endswith("…") and len(cut) <= 30
    assert all(w in text.split() for w in cut.strip("…").split())
    zh = "一二三四五六七八九十" * 5
    cut = excerpt(zh, (20, 22), 12)
    assert len(cut) <= 12 and cut.strip("…") in zh
    assert excerpt("short", None, 30) == "short"


@pytest.mark.parametrize(
    "text",
    [
        "The library opened in 1998.\nIt grew.\n圖書館於一九九八年開放。",
        "An English line\n乾隆皇帝的書\nanother English line 後來",
        "Prefix “quoted” café\n\n\n簡單 网络 網絡\n",
        "no newline before 中文 in this line",
        "\n開頭就是中文",
        "English only line\n",
        "ＡＢＣ fullwidth letters\nｈｅｌｌｏ 臺灣",
    ],
)
def test_fold_for_index_leaves_the_lines_before_the_first_cjk_as_they_are(text):
    # only the text from the first CJK line on is converted: the same as converting it all
    from hlkb.index.cjk import CJK_RUN, _fold_run, _t2s

    assert fold_for_index(text) == CJK_RUN.sub(_fold_run, _t2s().convert(text))


def test_fold_for_index_rejects_a_lone_surrogate_before_the_chinese_as_before():
    with pytest.raises(UnicodeEncodeError):
        fold_for_index("bad \udc80 byte\n中文")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \n.,“”é乾隆後來發髮國国網络〇一二三ー・ｶ")), max_size=40))
def test_fold_for_index_is_the_whole_text_converted(text):
    from hlkb.index.cjk import CJK_RUN, _fold_run, _t2s

    expected = text if not text or text.isascii() else CJK_RUN.sub(_fold_run, _t2s().convert(text))
    assert fold_for_index(text) == expected


# What a CJK word matches, defined without the index: a query word of CJK characters
# matches a text where those characters stand next to each other inside one run of CJK
# characters (not across punctuation, a space or a Latin word), Traditional and
# Simplified alike. The folding (one token per character, a run's last one marked) and
# the query (its characters as a phrase, the last one a prefix) must give exactly that.
_CJK_ALPHABET = list("中国國经經济濟网網红紅的了，。 ab")


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(st.text(alphabet=st.sampled_from(_CJK_ALPHABET), max_size=14), min_size=1, max_size=6),
    word=st.text(alphabet=st.sampled_from(list("中国國经經济濟网網红紅的")), min_size=1, max_size=4),
)
def test_a_cjk_word_matches_exactly_where_its_characters_stand_together_in_one_run(texts, word):
    import sqlite3

    from hlkb.index.cjk import CJK_RUN, strip_particles, to_simplified

    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE VIRTUAL TABLE t USING fts5(title, body, note, meta, tokenize = 'unicode61 remove_diacritics 2')"
    )
    conn.executemany("INSERT INTO t(rowid, body) VALUES (?, ?)", [(i, fold_for_index(x)) for i, x in enumerate(texts)])
    match = parse_query(word).match
    got = {rid for (rid,) in conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (match,))}
    simple = strip_particles(to_simplified(word))  # (亞馬遜的 is searched as 亞馬遜)
    want = {i for i, x in enumerate(texts) if any(simple in run for run in CJK_RUN.findall(to_simplified(x)))}
    assert got == want, (texts, word, match)


def test_a_cjk_run_ending_is_marked_inside_one_token():
    # the index relies on unicode61 keeping the private-use mark inside the token (its
    # default categories include Co); an SQLite that split it off would break every search
    import sqlite3

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')")
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'row')")
    conn.execute("INSERT INTO t(body) VALUES (?)", (fold_for_index("中国，经济"),))
    assert {term for (term,) in conn.execute("SELECT term FROM v")} == {"中", "国\ue000", "经", "济\ue000"}


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("中國经〇々あカ") + [chr(0x20000), chr(0x2A6D6)]), min_size=1, max_size=30)
)
def test_a_long_run_folds_as_a_short_one_does(run):
    # (a run of 8 or more characters is laid out in an array of code points: cjk._fold_run)
    from hlkb.index.cjk import CJK_RUN, RUN_END, to_simplified

    runs = CJK_RUN.findall(to_simplified(run))
    assert "".join(runs) == to_simplified(run)
    assert fold_for_index(run) == "".join(" " + " ".join(r) + RUN_END + " " for r in runs)


def test_what_a_cjk_word_counts_against_the_term_limit():
    # a one-character word stands for its two tokens (cjk.py), a longer one for one phrase,
    # with or without a "*": it is a prefix of at most two terms
    six = "的 一 是 在 不 了"
    assert parse_query(" OR ".join(six.split())).match  # 6 x 2 = 12: accepted
    with pytest.raises(UsageError, match="too many terms"):
        parse_query(" OR ".join((six + " 有").split()))  # 14
    words = ["中国", "经济", "网红", "亚马逊", "时间", "国家", "发展", "社会", "文化", "历史", "科学", "技术"]
    assert parse_query(" OR ".join(w + "*" for w in words)).match  # 12 x 1
    with pytest.raises(UsageError, match="too many terms"):
        parse_query(" OR ".join(words + ["政治"]))
