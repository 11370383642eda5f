"""YAML front matter: split it off a note, load it safely, and know the line of every key.

We split ourselves rather than with python-frontmatter because every diagnostic and every
in-place edit needs exact line numbers and byte-exact boundaries, which its regex split
does not give. Loading uses PyYAML's SafeLoader on the composed node tree, so tags such as
``!!python/object`` are never constructed and alias bombs are refused before expansion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from hlkb.errors import InputError

# Refuse documents whose aliases could expand beyond this many nodes ("billion laughs").
MAX_ALIASES = 200
MAX_DEPTH = 64
# ...and documents that hold more values than this once aliases are expanded.
MAX_VALUES = 100_000


class FrontMatterError(InputError):
    """Invalid YAML front matter; path/line/column point into the note file."""

    def __init__(self, message, path=None, line=None, column=None, code="yaml-syntax"):
        super().__init__(message, path, line, column)
        self.code = code


@dataclass
class FrontMatter:
    present: bool = False
    raw: str = ""  # YAML text between the fences
    open_line: int = 0  # line of the opening "---"
    close_line: int = 0  # line of the closing "---" (0 if never closed)
    body_line: int = 1  # first line after the front matter
    body_offset: int = 0  # character offset of the body in the text
    closed: bool = True
    data: Any = None  # loaded value (a dict for a valid note)
    node: Any = None  # the yaml node tree (for validate)
    key_lines: dict[str, int] = field(default_factory=dict)  # top-level key -> file line
    key_columns: dict[str, int] = field(default_factory=dict)  # top-level key -> file column
    value_lines: dict[str, int] = field(default_factory=dict)  # top-level key -> line of its value

    @property
    def first_yaml_line(self) -> int:
        return self.open_line + 1


def _is_fence(line: str) -> bool:
    return line.rstrip(" \t\r") == "---"


def split(text: str) -> FrontMatter:
    """Find a front-matter block at the very start of ``text`` (newlines already "\\n")."""
    fm = FrontMatter()
    if not text.startswith("---"):
        return fm
    first_end = text.find("\n")
    first = text if first_end == -1 else text[:first_end]
    if not _is_fence(first):
        return fm
    pos = first_end + 1 if first_end != -1 else len(text)
    line_no = 2
    while pos < len(text):
        end = text.find("\n", pos)
        line = text[pos:] if end == -1 else text[pos:end]
        if _is_fence(line) or line.rstrip(" \t") == "...":
            fm.present = True
            fm.raw = text[first_end + 1 : pos]
            fm.open_line = 1
            fm.close_line = line_no
            fm.body_line = line_no + 1
            fm.body_offset = len(text) if end == -1 else end + 1
            return fm
        if end == -1:
            break
        pos = end + 1
        line_no += 1
    # An opening fence that never closes: Obsidian shows such a file as plain text.
    fm.present = True
    fm.closed = False
    fm.open_line = 1
    fm.raw = text[first_end + 1 :] if first_end != -1 else ""
    return fm


class _CountingLoader(yaml.SafeLoader):
    """SafeLoader that refuses alias bombs and absurd nesting before constructing anything."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self._aliases = getattr(self, "_aliases", 0) + 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise yaml.YAMLError(f"too many aliases (more than {MAX_ALIASES}) at line {mark.line + 1}")
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.YAMLError(f"nesting deeper than {MAX_DEPTH} levels at line {mark.line + 1}")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _expanded_size(root) -> int:
    """How many values the document holds once every alias is expanded (what a consumer that
    walks it, e.g. JSON output, will visit). Shared nodes are counted once per reference."""
    sizes: dict[int, int] = {}

    def size(node, depth=0) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        sizes[key] = 1  # a recursive alias counts once rather than looping
        total = 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                total += size(k) + size(v)
        elif isinstance(node, yaml.SequenceNode):
            for v in node.value:
                total += size(v)
        sizes[key] = total
        return total

    return size(root)


_FAST_LOADER = getattr(yaml, "CSafeLoader", None)


def _loader_for(raw: str):
    """libyaml's loader (about 10x faster) when the text cannot hold an alias bomb or deep
    nesting — no anchors/aliases and few brackets; the counting loader otherwise."""
    if (
        _FAST_LOADER is not None
        and "&" not in raw
        and "*" not in raw
        and raw.count("[") + raw.count("{") < MAX_DEPTH
        and raw.count("\n") < 500
    ):
        return _FAST_LOADER(raw)
    return _CountingLoader(raw)


# Timestamps stay as YAML gives them (date/datetime); json_safe() turns them into ISO strings.


def load(fm: FrontMatter, path: str = "<string>") -> FrontMatter:
    """Load ``fm.raw`` into ``fm.data`` with key lines; raise FrontMatterError on bad YAML."""
    if not fm.present:
        return fm
    if not fm.closed:
        raise FrontMatterError(
            "front matter opened with '---' on line 1 is never closed", path, 1, 1, code="unclosed-front-matter"
        )
    offset = fm.first_yaml_line - 1  # yaml marks are 0-based lines within raw
    node, data = _run_loader(_loader_for, fm, path, construct=True, prefix="invalid YAML front matter")
    fm.node = node
    fm.data = data
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = key_node.value
                if key not in fm.key_lines:
                    fm.key_lines[key] = key_node.start_mark.line + 1 + offset
                    fm.key_columns[key] = key_node.start_mark.column + 1
                    fm.value_lines[key] = value_node.start_mark.line + 1 + offset
    return fm


def parse(text: str, path: str = "<string>") -> FrontMatter:
    return load(split(text), path)


def compose(fm: FrontMatter, path: str = "<string>"):
    """The yaml node tree of ``fm.raw`` without constructing any value (for ``hlkb validate``).

    Node marks are 0-based and relative to ``fm.raw``; add ``fm.open_line + 1`` for file lines.
    Returns None for empty front matter; raises FrontMatterError (exact line/column) on bad YAML.
    """
    node, _ = _run_loader(_CountingLoader, fm, path, construct=False, prefix="invalid YAML")
    return node


def _run_loader(make_loader, fm: FrontMatter, path: str, construct: bool, prefix: str):
    """Compose (and optionally construct) with ``make_loader(fm.raw)``; every failure, alias
    bombs and control characters included, becomes a FrontMatterError at the file's line
    and column."""
    offset = fm.first_yaml_line - 1
    loader = None
    try:
        loader = make_loader(fm.raw)  # PyYAML's reader already rejects control characters here
        node = loader.get_single_node()
        if node is not None and _expanded_size(node) > MAX_VALUES:
            raise FrontMatterError(
                f"YAML aliases expand to more than {MAX_VALUES:,} values (an alias bomb?)",
                path,
                fm.first_yaml_line,
                1,
                code="yaml-syntax",
            )
        data = loader.construct_document(node) if construct and node is not None else None
        return node, data
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + offset) if mark else fm.first_yaml_line
        col = (mark.column + 1) if mark else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise FrontMatterError(f"{prefix}: {problem}", path, line, col) from None
    except ValueError as exc:
        if "integer string conversion" in str(exc):
            exc = "a number with more than 4300 digits (quote it to keep it as text)"
        raise FrontMatterError(f"{prefix}: {exc}", path, fm.first_yaml_line, 1) from None
    except yaml.reader.ReaderError as exc:
        line = fm.raw.count("\n", 0, exc.position) + 1 + offset
        column = exc.position - (fm.raw.rfind("\n", 0, exc.position) + 1) + 1
        raise FrontMatterError(
            f"{prefix}: character U+{exc.character:04X} is not allowed in YAML", path, line, column
        ) from None
    except (yaml.YAMLError, RecursionError, OverflowError) as exc:
        raise FrontMatterError(f"{prefix}: {exc}", path, fm.first_yaml_line, 1) from None
    finally:
        if loader is not None:
            loader.dispose()
