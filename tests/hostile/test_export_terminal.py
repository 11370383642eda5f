"""Issue 20, case 11: `hlkb export` to a terminal escapes what a terminal would act on.

Note text can hold escape sequences (an OSC 8 hyperlink, a clear-screen, a carriage return
that overwrites the line, C1 controls, bidi overrides). On a TTY every format shows them as
visible escapes, as every other view does (JSON with JSON escapes, so it still reads back);
a pipe or an `-o` file gets the exact text.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from hostile.procs import env, hlkb_cmd, run

EVIL = (
    "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\ \x1b[2J cleared \x1b[1A\x1b[2KOVERWRITE "
    "\x9b31m c1 \u202ereversed\u202c done"
)


@pytest.fixture(scope="module")
def vault(tmp_path_factory):
    root = tmp_path_factory.mktemp("tty") / "vault"
    root.mkdir()
    (root / "evil.md").write_text(
        "---\ntitle: Escapes\n---\n# Escapes\n\n## Highlights\n"
        f"- {EVIL} ([View Highlight](https://read.readwise.io/read/01escapesescapesescapes001))\n",
        encoding="utf-8",
    )
    assert run("index", "--vault", root).returncode == 0
    return root


def _on_a_tty(*args) -> str:
    """Run hlkb with stdout on a pseudo-terminal; what it wrote there."""
    import pty

    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(hlkb_cmd(*args), stdout=slave, stderr=subprocess.PIPE, env=env(COLUMNS="200"))
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed its end
                break
            if not chunk:
                break
            chunks.append(chunk)
        proc.wait(timeout=60)
        assert proc.returncode == 0, proc.stderr.read()
    finally:
        os.close(master)
    # the terminal's line discipline turns "\n" into "\r\n": undo only that
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


@pytest.mark.parametrize("fmt", ["md", "csv", "json", "jsonl", "tmx"])
def test_export_to_a_terminal_escapes_control_characters(vault, fmt):
    kinds = [] if fmt == "tmx" else ["--kind", "highlight"]
    out = _on_a_tty("export", "--vault", vault, "--no-refresh", "--format", fmt, *kinds)
    if fmt == "tmx":
        assert "<tmx" in out  # no pairs here, but the document itself must come through
        return
    for raw in ("\x1b", "\x9b", "\u202e", "\r"):  # "\r": CSV's CRLF comes out as a plain line end
        assert raw not in out, (fmt, raw, out)
    assert "OVERWRITE" in out and "cleared" in out
    if fmt in ("json", "jsonl"):
        lines = out.splitlines()
        records = json.loads(out)["records"] if fmt == "json" else [json.loads(line) for line in lines[1:]]
        assert records[0]["text"].startswith(EVIL)  # still the exact text once read back
    else:
        assert "\\x1b]8;;https://evil.example/" in out and "\\x1b[2J" in out and "\\x9b31m" in out


@pytest.mark.parametrize("fmt", ["md", "csv"])
def test_pipes_and_files_get_the_exact_text(vault, tmp_path, fmt):
    piped = run("export", "--vault", vault, "--no-refresh", "--format", fmt, "--kind", "highlight")
    assert piped.returncode == 0 and "\x1b]8;;https://evil.example/" in piped.stdout
    target = tmp_path / f"out.{fmt}"
    assert (
        run("export", "--vault", vault, "--no-refresh", "--format", fmt, "--kind", "highlight", "-o", target).returncode
        == 0
    )
    assert "\x1b[2J" in target.read_text(encoding="utf-8")
