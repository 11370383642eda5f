"""Issue 20, case 10: FILE arguments that are not regular files, and files too big to read.

A FIFO with no writer blocked `parse` forever; one fed endlessly (what /dev/zero is, made
here with a FIFO and a writing thread, never a real device) grew the process without
bound; `index` read a whole 1 GB file before refusing it. Type and size are checked
before reading and reads are bounded: one line naming the file, never a hang.
"""

from __future__ import annotations

import os
import threading

import pytest

from hostile.cases import BILINGUAL_ARTICLE, build_tagged_vault
from hostile.procs import no_traceback, run

# Enough for hlkb, far too little for the old code's read of 1 GB (or of an endless FIFO).
MEMORY_LIMIT = 1 << 30


def _memory_limit():
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


class EndlessWriter:
    """Writes zeros into a FIFO until the reader goes away (a stand-in for /dev/zero)."""

    def __init__(self, fifo):
        self.fifo = fifo
        self.thread = threading.Thread(target=self._write, daemon=True)
        self.thread.start()

    def _write(self):
        try:
            with open(self.fifo, "wb") as fh:  # blocks until a reader opens it
                block = b"\0" * 65536
                while True:
                    fh.write(block)
        except OSError:
            pass  # the reader closed its end

    def stop(self):
        # a reader that never opened the FIFO leaves the writer blocked in open(): release it
        fd = os.open(self.fifo, os.O_RDONLY | os.O_NONBLOCK)
        os.close(fd)
        self.thread.join(timeout=10)


def _argv(kind, path, vault):
    return {
        "parse": ["parse", path],
        "parse --jsonl": ["parse", "--jsonl", path],
        "validate": ["validate", path],
        "validate --schema": ["validate", "--schema", path, vault / "shelf0"],
        "validate --config": ["validate", "--config", path, vault / "shelf0"],
        "pairs": ["pairs", path],
        "claims": ["claims", path],
    }[kind]


KINDS = ["parse", "parse --jsonl", "validate", "validate --schema", "validate --config", "pairs", "claims"]


@pytest.fixture
def vault(tmp_path):
    root = tmp_path / "vault"
    build_tagged_vault(root, 2)
    (root / "article.md").write_text(BILINGUAL_ARTICLE, encoding="utf-8")
    return root


def _refused(proc, path):
    """One line naming the file. validate reports a note it cannot read as an `unreadable`
    finding on stdout (exit 1, as for any finding); a schema or config it cannot read, like
    every other command's unreadable input, is exit 2."""
    no_traceback(proc.stderr)
    finding = proc.args[3:4] == ["validate"] and not {"--schema", "--config"} & set(proc.args)
    assert proc.returncode == (1 if finding else 2), (proc.args, proc.stderr)
    lines = [line for line in (proc.stdout + proc.stderr).strip().splitlines() if str(path) in line]
    assert len(lines) == 1 and "not a regular file" in lines[0], proc.stdout + proc.stderr


@pytest.mark.parametrize("kind", KINDS)
def test_fifo_without_a_writer_is_refused_not_waited_on(vault, tmp_path, kind):
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    proc = run(*_argv(kind, fifo, vault), timeout=15)
    _refused(proc, fifo)


@pytest.mark.parametrize("kind", KINDS)
def test_endless_stream_is_refused_not_read(vault, tmp_path, kind):
    fifo = tmp_path / "zero.md"
    os.mkfifo(fifo)
    writer = EndlessWriter(fifo)
    try:
        proc = run(*_argv(kind, fifo, vault), timeout=15, preexec_fn=_memory_limit)
    finally:
        writer.stop()
    _refused(proc, fifo)


def test_index_refuses_a_huge_file_without_reading_it(tmp_path):
    root = tmp_path / "vault"
    build_tagged_vault(root, 2)
    huge = root / "huge.md"
    with open(huge, "wb") as fh:  # sparse: 1 GiB long, no disk used
        fh.truncate(1 << 30)
    proc = run("index", "--vault", root, timeout=60, preexec_fn=_memory_limit)
    no_traceback(proc.stderr)
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "huge.md" in line]
    assert len(lines) == 1 and "too large" in lines[0], proc.stderr
    # and a later refresh does not read it again: nothing changed, nothing to report anew
    again = run("index", "--vault", root, timeout=60, preexec_fn=_memory_limit)
    assert again.returncode == 0 and "0 changed" in again.stderr, again.stderr


def test_reads_stop_at_the_limit_even_if_the_size_lied(tmp_path, monkeypatch):
    """A file that grows after its size was checked is still read only up to the limit."""
    from hlkb import textio
    from hlkb.errors import InputError

    path = tmp_path / "growing.md"
    path.write_bytes(b"x" * 5000)
    monkeypatch.setattr(textio, "MAX_FILE_BYTES", 1000)
    real_fstat = os.fstat
    monkeypatch.setattr(os, "fstat", lambda fd: os.stat_result((*real_fstat(fd)[:6], 10, *real_fstat(fd)[7:])))
    with pytest.raises(InputError, match="too large"):
        textio.read_bytes(path, "growing.md")
