"""The real pre-commit, running this checkout's `hlkb-validate` hook on a throw-away git repo.

pre-commit builds the hook's virtualenv from the checkout (pip, so PyPI must be reachable);
the environment is cached per session under pytest's temp folder, so the test costs one build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _pre_commit() -> list[str] | None:
    exe = Path(sys.executable).with_name("pre-commit")
    if exe.is_file():
        return [str(exe)]
    found = shutil.which("pre-commit")
    return [found] if found else None


pytestmark = [
    pytest.mark.skipif(_pre_commit() is None, reason="pre-commit is not installed (pip install 'hlkb[test]')"),
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env={
            **os.environ,
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.org",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.org",
        },
    )


@pytest.mark.slow
def test_hook_fails_on_bad_note_and_passes_good_one(tmp_path_factory):
    project = tmp_path_factory.mktemp("notes")
    _git(project, "init", "-q")
    (project / "good.md").write_text("---\ntitle: A tidy note\ntags: [ok]\n---\nSome text.\n")
    (project / "bad.md").write_text("---\ntitle: A note about Norway\ncountry: no\n---\nSome text.\n")
    (project / "pipeline.yaml").write_text("---\nsteps: []\n")  # a text file the hook also receives
    _git(project, "add", ".")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path_factory.getbasetemp() / "pre-commit-home"),
        "PRE_COMMIT_COLOR": "never",
        # the hook's behaviour is under test, not the build: pip installs it as Python
        # (setup.py), not compiled, which would add minutes to each of the two installs
        "HLKB_PURE_PYTHON": "1",
    }

    def run(*files: str) -> subprocess.CompletedProcess:
        try:
            return subprocess.run(
                [*_pre_commit(), "try-repo", str(REPO), "hlkb-validate", "--files", *files],
                cwd=project,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
        except subprocess.TimeoutExpired:
            pytest.fail("pre-commit try-repo took over 10 minutes (is PyPI reachable?)")

    bad = run("bad.md", "good.md")
    output = bad.stdout + bad.stderr
    if bad.returncode != 0 and "hlkb validate" not in output and "Failed" not in output:
        pytest.fail(f"pre-commit could not set up the hook:\n{output[-3000:]}")
    assert bad.returncode == 1, output
    assert "bad.md:3:10: implicit-bool unquoted 'no' is read as the boolean false" in output
    assert "good.md" not in output.split("hlkb validate", 1)[-1]

    good = run("good.md", "pipeline.yaml")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout
