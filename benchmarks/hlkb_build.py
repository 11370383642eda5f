"""The hlkb a benchmark times: the build users get from ``pip install .`` (setup.py: the hot
modules compiled with mypyc), or with ``--pure`` the Python sources in src/.

The compiled build is made once per version of the sources (a wheel, built by pip as
`pip install .` builds it, unpacked under benchmarks/.cache/build-<hash>/); the first run
takes a few minutes of compiling.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CACHE = Path(__file__).resolve().parent / ".cache"


def _sources_hash() -> str:
    h = hashlib.blake2b(digest_size=8)
    for p in sorted([REPO / "setup.py", REPO / "pyproject.toml", *(REPO / "src" / "hlkb").rglob("*.py")]):
        h.update(str(p.relative_to(REPO)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def hlkb_path(argv: list[str], log=print) -> tuple[Path, str]:
    """(the folder to put first on sys.path / PYTHONPATH, what it holds in words)."""
    if "--pure" in argv:
        return REPO / "src", "pure Python (src/)"
    target = CACHE / f"build-{_sources_hash()}"
    site = target / "site"
    if not (target / ".complete").exists():
        shutil.rmtree(target, ignore_errors=True)
        wheels = target / "wheel"
        wheels.mkdir(parents=True)
        log("building the compiled hlkb (mypyc; a few minutes, once per version of the sources) ...")
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "-q",
                "--no-deps",
                "-w",
                str(wheels),
                str(REPO),
            ],
            capture_output=True,
            text=True,
        )
        built = sorted(wheels.glob("hlkb-*.whl"))
        if proc.returncode or not built:
            log(f"  could not build it ({proc.stderr.strip().splitlines()[-1:] or proc.returncode}): timing src/")
            return REPO / "src", "pure Python (src/: the compiled build failed)"
        with zipfile.ZipFile(built[0]) as z:
            z.extractall(site)
        (target / ".complete").write_text(built[0].name)
    compiled = any((site / "hlkb" / "parse").glob("core.*.so")) or any((site / "hlkb" / "parse").glob("core.*.pyd"))
    return (
        site,
        "compiled (mypyc), as `pip install .` builds it" if compiled else "pure Python (the build compiled nothing)",
    )
