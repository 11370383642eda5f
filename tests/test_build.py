"""The build (setup.py): which modules are compiled with mypyc, and that a compiled install
is whole. The compiled build itself is tested by running this whole suite on it (.ci/run)."""

from __future__ import annotations

import importlib
import runpy
from pathlib import Path

import hlkb.model

REPO = Path(__file__).resolve().parents[1]


def _setup() -> dict:
    # run_name other than "__main__": setup.py then defines its names without building
    return runpy.run_path(str(REPO / "setup.py"), run_name="hlkb_setup")


def _module(source: str) -> str:
    parts = Path(source).with_suffix("").parts
    assert parts[0] == "src", source
    name = ".".join(parts[1:])
    return name.removesuffix(".__init__")


def test_every_compiled_pattern_names_existing_modules():
    setup = _setup()
    sources = setup["compiled_sources"]()
    for pattern in setup["COMPILED"]:
        assert list(REPO.glob(pattern)), f"setup.py compiles {pattern}, which matches no file"
    assert "src/hlkb/parse/core.py" in sources and "src/hlkb/index/rows.py" in sources


def test_a_compiled_install_has_every_listed_module_compiled():
    """All or none (setup.py's OptionalBuildExt): a compiled module calls the others'
    compiled code directly, so a half-compiled install would run two versions at once."""
    compiled = not hlkb.model.__file__.endswith(".py")
    names = [_module(s) for s in _setup()["compiled_sources"]()]
    kinds = {n: not importlib.import_module(n).__file__.endswith(".py") for n in names}
    assert all(v == compiled for v in kinds.values()), kinds


def test_the_modules_outside_the_list_stay_python():
    # the CLI and the editors: start-up and safety matter there, not per-note speed
    import hlkb.atomicfile
    import hlkb.cli

    assert hlkb.cli.__file__.endswith(".py") and hlkb.atomicfile.__file__.endswith(".py")
