"""hlkb's settings files: ``hlkb.toml`` (tables at the top level) or ``pyproject.toml``
(under ``[tool.hlkb]``), found by walking up from a folder to the repository root (the
folder holding ``.git``), which is where a vault's settings live. One home for reading
them; each feature reads its own table (``[validate]``, ``[template]``).
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

from hlkb.errors import InputError, UsageError
from hlkb.textio import read_regular_file

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser from PyPI (a dependency there, pyproject.toml)
    import tomli as tomllib


def load_toml(path: Path) -> dict:
    try:
        return tomllib.loads(read_regular_file(path, str(path))[0].decode("utf-8"))
    except InputError as exc:
        raise UsageError(f"cannot read config: {exc.message}", str(path)) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"invalid TOML: {exc}", str(path)) from None


def section_of(path: Path, name: str):
    """The ``name`` table of one settings file (``[name]``, or ``[tool.hlkb.name]`` in pyproject)."""
    data = load_toml(path)
    if path.name == "pyproject.toml":
        return data.get("tool", {}).get("hlkb", {}).get(name)
    return data.get(name)


def find_section(start: Path, name: str) -> tuple[dict | None, Path | None]:
    """The nearest settings file from ``start`` up that has a ``name`` table, and that file."""
    folder = start.resolve()
    if folder.is_file():
        folder = folder.parent
    for candidate_dir in (folder, *folder.parents):
        for file_name in ("hlkb.toml", "pyproject.toml"):
            candidate = candidate_dir / file_name
            if candidate.is_file():
                section = section_of(candidate, name)
                if section is not None:
                    return section, candidate
        if (candidate_dir / ".git").exists():
            break
    return None, None


@lru_cache(maxsize=64)
def _template_in(folder: str):

    section, source = find_section(Path(folder), "template")
    if section is None:
        return None
    # (imported here: the template compiler imports the parser, which a command that
    # reads no note, such as a search answered from the index, does not need)
    from hlkb.parse.template_hints import compile_template
    from hlkb.templates import template_from_section

    return compile_template(template_from_section(section, str(source)))


def template_for(path) -> object | None:
    """The compiled export template (parse/template_hints.py) that applies to a note file:
    the nearest ``[template]`` table above it, or None."""
    p = Path(path)
    folder = p.parent if p.suffix else p
    try:
        return _template_in(str(folder.resolve()))
    except OSError:
        return None
