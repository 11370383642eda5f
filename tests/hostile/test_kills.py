"""Issue 20, case 2: `export -o` and `tag` killed at any moment (SIGTERM, SIGHUP, kill -9).

SIGTERM and SIGHUP clean up as SIGINT does: no temporary file is left and the target is
either the old file or the whole new one. kill -9 cannot be caught, so a later run removes
(and reports) the leftovers, which carry hlkb's name; the index never lists them as notes.

Each round waits until the temporary file exists, then signals after a short random delay
(seeded), so the signal lands inside the write most of the time; the assertions hold
wherever it lands. Rounds are bounded.
"""

from __future__ import annotations

import json
import random
import signal
import time

import pytest

from hostile.cases import tagged_note
from hostile.procs import no_traceback, run, start

SIGNALS = [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL]
ROUNDS = 3
TMP_SUFFIXES = (".tmp", ".hlkb-tmp")


def _leftovers(folder):
    return sorted(p.name for p in folder.rglob(".*") if p.name.endswith(TMP_SUFFIXES))


def _wait_for_temp(folder, proc, timeout=60.0, recursive=False) -> bool:
    """Poll (tightly) until a temporary file appears in ``folder``, or the process ends."""
    import os

    deadline = time.monotonic() + timeout
    folders = [folder] + ([p for p in folder.iterdir() if p.is_dir()] if recursive else [])
    while time.monotonic() < deadline and proc.poll() is None:
        for f in folders:
            if any(name.endswith(TMP_SUFFIXES) and name.startswith(".") for name in os.listdir(f)):
                return True
    return False


def _big_vault(root, count, kilobytes):
    """Notes of about ``kilobytes`` each (a fenced block: big to write, quick to parse), so
    that much of a rename's time is spent writing them."""
    root.mkdir(parents=True)
    filler = "```\n" + ("x" * 1000 + "\n") * kilobytes + "```\n"
    for n in range(count):
        (root / f"note-{n:03d}.md").write_text(tagged_note(n) + "\n## Notes\n\n" + filler, encoding="utf-8")


@pytest.fixture(scope="module")
def indexed_vault(tmp_path_factory):
    """Enough records (8,000 highlights) that an export takes a while to write."""
    root = tmp_path_factory.mktemp("kill") / "vault"
    root.mkdir()
    for n in range(80):
        lines = [f"---\ntitle: Long note {n}\ntags: [alpha]\n---\n# Long note {n}\n\n## Highlights"]
        lines += [
            f"- Highlight {h} of long note {n}, a sentence about the weather in the hills. "
            f"([View Highlight](https://read.readwise.io/read/01long{n:04d}{h:017d}))"
            for h in range(100)
        ]
        (root / f"long-{n:03d}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("index", "--vault", root)
    assert result.returncode == 0, result.stderr
    return root


@pytest.mark.slow
@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_export_killed_at_any_moment(indexed_vault, tmp_path, sig):
    rng = random.Random(20 + sig)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "export.jsonl"
    for round_ in range(ROUNDS):
        proc = start("export", "--vault", indexed_vault, "--no-refresh", "--format", "jsonl", "-o", target, "--force")
        _wait_for_temp(out_dir, proc)
        time.sleep(rng.uniform(0, 0.05))
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
        no_traceback(err)
        if sig != signal.SIGKILL:
            assert _leftovers(out_dir) == [], (sig.name, round_, err)
            assert proc.returncode in (0, 128 + sig), (proc.returncode, err)
        if target.exists():  # never half a file: the old export or the whole new one
            lines = target.read_text(encoding="utf-8").splitlines()
            assert json.loads(lines[0])["kind"] == "header"
            assert all(json.loads(line) for line in lines)
    # a later run removes (and reports) what a kill -9 left
    result = run("export", "--vault", indexed_vault, "--no-refresh", "--format", "jsonl", "-o", target, "--force")
    assert result.returncode == 0, result.stderr
    assert _leftovers(out_dir) == []
    no_traceback(result.stderr)


@pytest.mark.slow
@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_tag_rename_killed_at_any_moment(tmp_path, sig):
    rng = random.Random(40 + sig)
    root = tmp_path / "vault"
    _big_vault(root, 30, 400)
    names = [("alpha", "gamma"), ("gamma", "alpha")]
    for round_ in range(ROUNDS):
        old, new = names[round_ % 2]
        proc = start("tag", "rename", old, new, "--vault", root, "--yes")
        _wait_for_temp(root, proc)
        time.sleep(rng.uniform(0, 0.003))
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
        no_traceback(err)
        if sig != signal.SIGKILL:
            assert _leftovers(root) == [], (sig.name, round_, err)
            assert proc.returncode in (0, 128 + sig), (proc.returncode, err)
        for path in root.glob("*.md"):  # every note whole: old or new tag, never half of each
            text = path.read_text(encoding="utf-8")
            assert text.count("tags: [") == 1 and text.endswith("```\n"), path
    # finish the rename (and, after kill -9, remove the leftovers on the way, saying so)
    result = run("tag", "rename", old, new, "--vault", root, "--yes")
    assert result.returncode == 0, result.stderr
    assert _leftovers(root) == []
    if sig == signal.SIGKILL and ".hlkb-tmp" in result.stderr:
        assert "removed a leftover temporary file" in result.stderr
    assert all(
        f"[[{new}]]" in p.read_text(encoding="utf-8") and f"[[{old}]]" not in p.read_text(encoding="utf-8")
        for p in root.glob("*.md")
    )


def test_leftovers_are_never_indexed_and_a_refresh_removes_them(tmp_path):
    """What kill -9 leaves (a hidden temp file beside the note) is not a note."""
    import fcntl
    import os

    root = tmp_path / "vault"
    _big_vault(root, 2, 1)
    dead = root / ".note-000.md.k9x2ab.hlkb-tmp"
    dead.write_text(tagged_note(99, ("ghost",)), encoding="utf-8")
    alive = root / ".note-001.md.q7w3cd.hlkb-tmp"  # a writer still at work holds its lock
    alive.write_text("being written", encoding="utf-8")
    fd = os.open(alive, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        result = run("index", "--vault", root)
        assert result.returncode == 0, result.stderr
        assert not dead.exists() and alive.exists()
        assert ".note-000.md.k9x2ab.hlkb-tmp" in result.stderr and "removed" in result.stderr
        found = run("search", "--vault", root, "--no-refresh", "", "--jsonl").stdout
        assert found and "hlkb-tmp" not in found and "ghost" not in found
    finally:
        os.close(fd)
