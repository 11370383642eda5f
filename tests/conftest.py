"""Shared test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
SHARED = REPO.parent / "shared"


@pytest.fixture
def shared_dir() -> Path:
    """../shared (the real corpus); tests that need it skip when it is absent."""
    if not (SHARED / "corpus").is_dir():
        pytest.skip(f"{SHARED} is absent: the shared corpus is only beside the project checkout in CI and dev")
    return SHARED


@pytest.fixture
def run_cli(capsys):
    """Run the CLI in-process: returns (exit_code, stdout, stderr)."""
    from hlkb.cli import run

    def _run(*args: str):
        code = run([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return _run
