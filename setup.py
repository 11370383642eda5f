"""hlkb's build: the modules that parse, pair and index every note are compiled to C with
mypyc when the build can (a wheel or ``pip install .``), and stay Python otherwise.

Compiled, a cold index takes about a fifth less CPU and a note parses about a third
faster (benchmarks/bench_parse.py and bench_index.py time the build users get). The
Python files ship either way, and the compiled modules behave as they do: the test suite
runs on both builds (.ci/run).

Pure Python:
- ``pip install -e .`` (editable): an edit to a module takes effect without a rebuild;
- ``HLKB_PURE_PYTHON=1`` in the environment;
- no C compiler, or mypyc missing, or the compile failing: the build says so on stderr
  and carries on without the extensions.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent

# The modules on the hot paths of `hlkb index` and `hlkb parse` (and what they call for
# every note). Their type annotations are checked at run time once compiled: an annotation
# that lies is a TypeError there, so keep them true (tests/test_build.py).
COMPILED = [
    "src/hlkb/model.py",
    "src/hlkb/lang.py",
    "src/hlkb/parse/*.py",
    "src/hlkb/align/*.py",
    "src/hlkb/claims/*.py",
    "src/hlkb/index/rows.py",
    "src/hlkb/index/cjk.py",
    "src/hlkb/index/plain.py",
]

# mypy's options for the compile alone (pyproject's [tool.mypy] is the linters' strict set
# over a few modules): these modules are compiled with the types they have.
MYPYC_OPTIONS = [
    "--config-file",
    os.devnull,
    "--ignore-missing-imports",
    "--follow-imports=silent",
    "--disable-error-code=annotation-unchecked",
    "--python-version",
    f"{sys.version_info.major}.{sys.version_info.minor}",
]


def compiled_sources() -> list[str]:
    out: list[str] = []
    for pattern in COMPILED:
        out += sorted(str(p.relative_to(ROOT)) for p in ROOT.glob(pattern))
    return out


def _warn(message: str) -> None:
    print(f"hlkb build: {message}; installing the pure-Python modules", file=sys.stderr)


def mypyc_extensions() -> list:
    if os.environ.get("HLKB_PURE_PYTHON"):
        return []
    if not {"bdist_wheel", "build", "build_ext", "install"} & set(sys.argv[1:]):
        return []  # metadata, an sdist or an editable install (build_ext skips those too)
    try:
        from mypyc.build import mypycify
    except ImportError:
        _warn("mypyc is not installed")
        return []
    try:
        return mypycify(MYPYC_OPTIONS + compiled_sources(), opt_level="3", debug_level="1")
    except (SystemExit, Exception) as exc:  # mypycify exits on a type error it cannot compile past
        _warn(f"mypyc could not compile the modules ({type(exc).__name__}: {exc})")
        return []


class OptionalBuildExt(build_ext):
    """The extensions, or none of them: a module compiled without the others would call
    their compiled code, so a failed compile drops every one (the .py files remain)."""

    def run(self) -> None:
        if getattr(self, "editable_mode", False):
            self.extensions = []  # editable: the sources are what runs
            return
        # A module compiled by an earlier build in this tree and no longer listed would be
        # packaged from build/ and shadow its .py: only this build's outputs stay.
        keep = {os.path.abspath(p) for p in self.get_outputs()}
        for stale in [*Path(self.build_lib).rglob("*.so"), *Path(self.build_lib).rglob("*.pyd")]:
            if os.path.abspath(stale) not in keep:
                stale.unlink()
        try:
            super().run()
        except Exception as exc:  # no compiler, a compile error: the Python modules serve
            _warn(f"compiling the C extensions failed ({type(exc).__name__}: {exc})")
            for output in self.get_outputs():
                Path(output).unlink(missing_ok=True)
            self.extensions = []


if __name__ == "__main__":  # (tests/test_build.py reads the names above without building)
    setup(ext_modules=mypyc_extensions(), cmdclass={"build_ext": OptionalBuildExt})
