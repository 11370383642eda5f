"""Issue 20, case 12: an index this user cannot write (another user's vault, `chmod 555 .hlkb`).

Reading must work: the index is opened read-only, a refresh is skipped with one line
saying so (the results may be stale), and nothing calls the index something to remove.
Run as root, the commands run in a forked child that has become another user (root could
write anyway); otherwise the index is made read-only with chmod.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path

import pytest

from hostile.cases import build_tagged_vault

NOBODY = 65534
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _run_as_other_user(argv) -> tuple[int, str, str]:
    """hlkb.cli.run(argv) in a forked child that is user and group 65534 (root only)."""
    from hlkb.cli import run

    # not with-blocks: the forked child writes into them and the parent reads them after it
    out_file, err_file = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # noqa: SIM115
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 70
        try:
            import sys

            sys.stdout = io.TextIOWrapper(os.fdopen(os.dup(out_file.fileno()), "wb"), encoding="utf-8")
            sys.stderr = io.TextIOWrapper(os.fdopen(os.dup(err_file.fileno()), "wb"), encoding="utf-8")
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            code = run([str(a) for a in argv])
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    out_file.seek(0)
    err_file.seek(0)
    return os.waitstatus_to_exitcode(status), out_file.read().decode(), err_file.read().decode()


@pytest.fixture
def read_only(run_cli):
    """(vault, run): a vault with an index, and a way to run hlkb for which it is read-only."""
    top = Path(tempfile.mkdtemp(prefix="hlkb-ro-"))
    try:
        top.chmod(0o755)  # others may read the vault (it is someone else's)
        root = top / "vault"
        build_tagged_vault(root, 3)
        for folder in [root, *[p for p in root.rglob("*") if p.is_dir()]]:
            folder.chmod(0o755)
        assert run_cli("index", "--vault", root)[0] == 0
        # warm every module the commands use, so the child needs no imports as another user
        for args in (
            ["search", "rivers"],
            ["stats"],
            ["show", "01tagged0000000000000000001"],
            ["tag", "list"],
            ["export", "--format", "jsonl"],
        ):
            run_cli(*args, "--vault", root, "--no-refresh")
        index_dir = root / ".hlkb"
        if IS_ROOT:
            runner = _run_as_other_user
        else:
            index_dir.chmod(0o555)
            (index_dir / "index.sqlite").chmod(0o444)

            def runner(argv):
                return run_cli(*argv)

        yield root, runner
    finally:
        for path in top.rglob("*"):
            if path.is_dir() and not path.is_symlink():
                path.chmod(stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP)
        shutil.rmtree(top, ignore_errors=True)


def test_reading_a_read_only_index_works(read_only):
    root, run = read_only
    before = {p.name: p.read_bytes() for p in (root / ".hlkb").iterdir()}
    for no_refresh in (True, False):
        extra = ["--no-refresh"] if no_refresh else []
        code, out, err = run(["search", "--vault", root, "rivers", "--jsonl", *extra])
        assert code == 0 and "Traceback" not in err and "remove it" not in err, err
        assert len([json.loads(line) for line in out.splitlines()]) >= 3, err
        assert err == "", err  # nothing changed: the refresh found that without writing
        code, out, err = run(["stats", "--vault", root, "--json", *extra])
        assert code == 0 and json.loads(out)["files"] == 3, err
        code, out, err = run(["show", "--vault", root, "01tagged0000000000000000001", "--json", *extra])
        assert code == 0 and json.loads(out)["kind"] == "highlight", err
    # a note changed since: the refresh cannot be written, which is said in one line
    note = root / "shelf1" / "note-0001.md"
    note.write_text(note.read_text(encoding="utf-8") + "- One more highlight about hills.\n", encoding="utf-8")
    code, out, err = run(["search", "--vault", root, "rivers", "--jsonl"])
    assert code == 0 and out and "Traceback" not in err, err
    assert "read-only" in err and "stale" in err and len(err.strip().splitlines()) == 1, err
    after = {p.name: p.read_bytes() for p in (root / ".hlkb").iterdir()}
    assert after == before  # not a byte written, no file added


def test_index_command_on_a_read_only_index_is_one_line(read_only):
    root, run = read_only
    code, out, err = run(["index", "--vault", root, "--full"])
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert "read-only" in err and "remove it" not in err, err
