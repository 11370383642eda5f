"""Issue 20, case 8: stdout that cannot take the output.

A full disk (simulated with a file-size limit on a temporary file: the write fails as on
/dev/full, without touching a device), a reader that closed the pipe, and a stdout whose
encoding cannot hold the text (PYTHONIOENCODING=ascii). A full disk is one line on stderr
and exit 2; a closed pipe is quiet (as for other Unix tools); text the encoding cannot hold
is escaped (in JSON as JSON escapes, so the JSON still reads back the same).
"""

from __future__ import annotations

import json
import subprocess

import pytest

from hostile.cases import BILINGUAL_ARTICLE, build_text_vault
from hostile.procs import env, hlkb_cmd, no_traceback, run


@pytest.fixture(scope="module")
def vault(tmp_path_factory):
    import sqlite3

    root = tmp_path_factory.mktemp("stdout") / "vault"
    paths = build_text_vault(root, 40)
    (root / "article.md").write_text(BILINGUAL_ARTICLE, encoding="utf-8")
    result = run("index", "--vault", root)
    assert result.returncode == 0, result.stderr
    # Held open so the index's WAL files stay as they are: a reader under the file-size
    # limit then has nothing to create or grow but its stdout.
    conn = sqlite3.connect(str(root / ".hlkb" / "index.sqlite"))
    conn.execute("SELECT count(*) FROM records").fetchone()
    yield root, paths
    conn.close()


def _commands(root, paths):
    first = str(paths[0])
    return {
        "parse": ["parse", first],
        "parse --jsonl": ["parse", "--jsonl", first],
        "search": ["search", "--vault", root, "--no-refresh", "river"],
        "search --jsonl": ["search", "--vault", root, "--no-refresh", "river", "--jsonl"],
        "show": ["show", "--vault", root, "--no-refresh", "01bilingualbilingual000011"],
        "stats": ["stats", "--vault", root, "--no-refresh"],
        "stats --json": ["stats", "--vault", root, "--no-refresh", "--json"],
        "tag list": ["tag", "list", "--vault", root, "--no-refresh"],
        "export": ["export", "--vault", root, "--no-refresh"],
        "export md": ["export", "--vault", root, "--no-refresh", "--format", "md"],
        "export csv": ["export", "--vault", root, "--no-refresh", "--format", "csv"],
        "validate --format json": ["validate", "--format", "json", root],
        "pairs --jsonl": ["pairs", "--jsonl", root / "article.md"],
        "claims --jsonl": ["claims", "--jsonl", root / "article.md"],
        "--help": ["--help"],
    }


COMMANDS = [
    "parse",
    "parse --jsonl",
    "search",
    "search --jsonl",
    "show",
    "stats",
    "stats --json",
    "tag list",
    "export",
    "export md",
    "export csv",
    "validate --format json",
    "pairs --jsonl",
    "claims --jsonl",
    "--help",
]


def _file_size_limit(limit: int):
    def apply():
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.parametrize("name", COMMANDS)
def test_full_stdout_is_one_line_and_exit_2(vault, tmp_path, name):
    root, paths = vault
    args = _commands(root, paths)[name]
    with open(tmp_path / "out", "wb") as out:
        proc = subprocess.run(
            hlkb_cmd(*args),
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            env=env(PYTHONDONTWRITEBYTECODE="1"),
            preexec_fn=_file_size_limit(2),
        )
    no_traceback(proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert lines[-1].startswith("hlkb: cannot write the output") and "File too large" in lines[-1], proc.stderr
    assert sum("cannot write" in line for line in lines) == 1, proc.stderr


@pytest.mark.parametrize("name", ["parse --jsonl", "search", "export", "export md", "validate --format json"])
def test_closed_pipe_is_quiet(vault, tmp_path, name):
    root, paths = vault
    args = _commands(root, paths)[name]
    if name.startswith("parse"):
        args = ["parse", "--jsonl", *map(str, paths)]
    proc = subprocess.Popen(hlkb_cmd(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env())
    proc.stdout.read(10)
    proc.stdout.close()  # the reader goes away, as `| head -c 10` does
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    no_traceback(err)
    assert err == "" and proc.returncode == 0, (proc.returncode, err)


@pytest.mark.parametrize("name", COMMANDS)
def test_ascii_stdout_escapes_what_it_cannot_encode(vault, name):
    root, paths = vault
    proc = run(*_commands(root, paths)[name], env=env(PYTHONIOENCODING="ascii"))
    no_traceback(proc.stderr)
    assert proc.returncode == 0, proc.stderr  # validate too: the vault's front matter is valid
    assert proc.stdout.isascii()
    if name in ("search --jsonl", "parse --jsonl", "pairs --jsonl", "claims --jsonl"):
        records = [json.loads(line) for line in proc.stdout.splitlines()]
        assert any("河" in json.dumps(r, ensure_ascii=False) for r in records)
    elif name in ("export", "stats --json", "validate --format json"):
        data = json.loads(proc.stdout)
        if name == "export":
            texts = json.dumps(data, ensure_ascii=False)
            assert "河水在到达老磨坊" in texts and "🌊" in texts
    elif name not in ("--help", "validate --format json"):
        assert "\\u" in proc.stdout, proc.stdout
