"""Running hlkb as a separate process, as a user (or a script, or `kill`) would.

The hostile tests that race, kill or redirect hlkb need a real process: its own signals,
its own stdout file descriptor, its own locks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[2] / "src")


def hlkb_cmd(*args) -> list[str]:
    return [sys.executable, "-m", "hlkb", *[os.fsdecode(a) if isinstance(a, bytes) else str(a) for a in args]]


def env(**extra) -> dict:
    out = dict(os.environ)
    # the checkout's hlkb even where the test runs without an install (an editable install
    # points at the same place)
    out["PYTHONPATH"] = SRC + (os.pathsep + out["PYTHONPATH"] if out.get("PYTHONPATH") else "")
    out.update(extra)
    return out


def run(*args, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    """hlkb ARGS in a child process; (returncode, stdout, stderr) as text unless told otherwise."""
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    kwargs.setdefault("env", env())
    return subprocess.run(hlkb_cmd(*args), timeout=timeout, **kwargs)


def start(*args, **kwargs) -> subprocess.Popen:
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    kwargs.setdefault("text", True)
    kwargs.setdefault("env", env())
    return subprocess.Popen(hlkb_cmd(*args), **kwargs)


def no_traceback(err: str) -> None:
    assert "Traceback" not in err and "Exception ignored" not in err, err
