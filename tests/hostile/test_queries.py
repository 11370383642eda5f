"""Issue 20, case 9: queries and numbers that are too big.

500 nested parentheses were a RecursionError; a 10k-character query of one repeated word
took over a minute (3,000 notes); `--limit 9223372036854775808` was an IntegrityError
traceback. Query size, nesting and breadth are bounded with a one-line usage error, a
repeated term counts once, and numeric options are range-checked. (That the queries
accepted stay under a second at 10,000 notes is measured by benchmarks/bench_query.py,
not timed here.)
"""

from __future__ import annotations

import pytest

from hlkb.errors import UsageError
from hlkb.index import query as q
from hostile.cases import build_tagged_vault


@pytest.fixture(scope="module")
def vault(tmp_path_factory):
    from hlkb.cli import run

    root = tmp_path_factory.mktemp("queries") / "vault"
    build_tagged_vault(root, 5)
    assert run(["index", "--vault", str(root)]) == 0
    return root


def _usage_error(run_cli, *args):
    code, out, err = run_cli(*args)
    assert code == 2 and out == "" and "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(
    "query,why",
    [
        ("(" * 500 + "rivers" + ")" * 500, "long"),
        ("(" * 400 + "rivers" + ")" * 400, "nest"),
        ("(" * (q.MAX_DEPTH + 1) + "rivers" + ")" * (q.MAX_DEPTH + 1), "nest"),
        ("rivers " * 1500, "long"),  # 10,500 characters
        ("rivers OR " * 2000 + "rivers", "long"),
        (" ".join(f"word{i}" for i in range(q.MAX_TERMS + 1)), "terms"),
        (" OR ".join(f"word{i}" for i in range(q.MAX_TERMS + 1)), "terms"),
        ("r* OR h*", "terms"),  # one-letter prefixes stand for most words
        ("ri* OR hi* OR mi*", "terms"),
        ("r* OR ri*", "terms"),
    ],
)
def test_oversized_queries_are_one_line_usage_errors(run_cli, vault, query, why):
    line = _usage_error(run_cli, "search", "--vault", vault, "--no-refresh", "--", query)
    assert why in line, line
    with pytest.raises(UsageError):
        q.parse_query(query)


@pytest.mark.parametrize(
    "query",
    [
        "rivers " * 100,  # 700 characters of one word: one term
        "rivers OR " * 90 + "rivers",
        "(" * q.MAX_DEPTH + "rivers" + ")" * q.MAX_DEPTH,
        " ".join(f"word{i}" for i in range(q.MAX_TERMS - 1)) + " rivers",
        "riv*",
        "r* OR rivers",
        "ri* OR hi*",
    ],
)
def test_queries_within_the_bounds_work(run_cli, vault, query):
    code, out, err = run_cli("search", "--vault", vault, "--no-refresh", "--jsonl", "--", query)
    assert code == 0 and "Traceback" not in err, err


def test_repeated_terms_count_once():
    one = q.parse_query("rivers").match
    assert q.parse_query("rivers " * 100).match == one
    assert q.parse_query("rivers OR " * 90 + "rivers").match == one
    assert q.parse_query("rivers hills rivers hills").match == q.parse_query("rivers hills").match
    assert q.parse_query("(rivers OR hills) (hills OR rivers)").match.count("hills") == 2  # not merged
    assert len(q.parse_query("rivers " * 100).terms) == 1


@pytest.mark.parametrize("command", [["search", "rivers"], ["export"], ["tag", "add", "x", "--query", "rivers"]])
@pytest.mark.parametrize("limit", ["9223372036854775808", "99999999999999999999999", "0", "-1"])
def test_limit_out_of_range_is_a_usage_error(run_cli, vault, command, limit):
    line = _usage_error(run_cli, *command, "--vault", vault, "--no-refresh", "--limit", limit)
    assert "--limit" in line, line


def test_largest_limit_is_accepted(run_cli, vault):
    code, out, err = run_cli(
        "search", "--vault", vault, "--no-refresh", "--jsonl", "--limit", "9223372036854775807", "rivers"
    )
    assert code == 0 and out, err
