"""Built-in front-matter checks, read off the yaml node tree so every finding has a line and column.

The checks never construct a whole document with PyYAML in one go: a single bad value (a
``2024-02-30`` date) would then hide every other finding. Instead the tree is composed once
and each scalar is converted on its own, so one bad value is one diagnostic.
"""

from __future__ import annotations

import datetime as _dt
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from hlkb.frontmatter import FrontMatter, FrontMatterError, compose, split
from hlkb.model import Diagnostic

# code -> (severity, what it means); the stable list shown by docs and checked by config.
RULES: dict[str, tuple[str, str]] = {
    "unreadable": ("error", "the file cannot be read or decoded"),
    "yaml-syntax": ("error", "the front matter is not valid YAML"),
    "unclosed-front-matter": ("error", "an opening '---' without a closing one"),
    "not-a-mapping": ("error", "the front matter is a list or a scalar, not key: value pairs"),
    "tab-indent": ("error", "a tab in the indentation (YAML allows spaces only)"),
    "duplicate-key": ("error", "the same key twice in one mapping (YAML keeps the last silently)"),
    "implicit-bool": ("error", "unquoted yes/no/on/off, read as a boolean"),
    "implicit-date": ("error", "an unquoted date under a key that is not a date"),
    "implicit-float": ("error", "an unquoted number that loses digits (1.10 -> 1.1)"),
    "implicit-int": ("error", "an unquoted octal, sexagesimal or underscored number (12:30 -> 750)"),
    "comment-value": ("error", "a value starting with '#', which YAML reads as a comment"),
    "missing-key": ("error", "a Readwise note without a required key (title by default)"),
    "wrong-type": ("error", "tags/aliases not a list of strings, or another key of the wrong type"),
    "bad-url": ("error", "a url key whose value is not an absolute URL"),
    "bad-date": ("error", "a date key whose value is not a valid date"),
    "empty-value": ("warning", "a key with no value"),
    "schema": ("error", "the front matter does not match the user's JSON Schema"),
}

LIST_KEYS = ("tags", "aliases", "cssclasses")
_DATE_KEY = re.compile(
    r"(^|[\s_\-])(date|dated|created|updated|modified|published|highlighted|synced|"
    r"due|deadline|birthday|imported|added|accessed)([\s_\-]|$)|(_at|_on)$",
    re.IGNORECASE,
)
_URL_KEY = re.compile(r"(^|[\s_\-])(url|link|href)$", re.IGNORECASE)
_BOOL_WORDS = re.compile(r"^(yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N)$")
_INT_PLAIN = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_READWISE_MARK = re.compile(
    r"readwise\.io|rw-book-cover|^#{1,3} ?Metadata\s*$|^- Full Title:|^Full Title:", re.IGNORECASE | re.MULTILINE
)
_H1 = re.compile(r"^# \S|^\S.*\n=+\s*$", re.MULTILINE)
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_NULL_TAG = "tag:yaml.org,2002:null"
_STR_TAG = "tag:yaml.org,2002:str"


_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def is_date_key(key: str) -> bool:
    """``date``, ``date created``, ``published_at``, and camelCase ``publishedOn``/``createdAt``."""
    return bool(_DATE_KEY.search(_CAMEL_BOUNDARY.sub(" ", key.strip())))


def is_url_key(key: str) -> bool:
    return bool(_URL_KEY.search(key.strip()))


_COLLECTION_TAGS = {
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:omap",
    "tag:yaml.org,2002:pairs",
    "tag:yaml.org,2002:set",
}


@dataclass
class Settings:
    """What the built-in checks enforce (from config; defaults are the documented ones)."""

    disabled: frozenset[str] = frozenset()
    required: tuple[str, ...] = ("title",)  # keys a Readwise note must have


@dataclass
class CheckedFile:
    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    fm: FrontMatter | None = None
    node: Any = None  # yaml node tree of the front matter (None if absent or broken)
    data: Any = None  # the front matter as JSON values (for user schemas)
    line_offset: int = 0  # add to a 0-based node mark line for the 1-based file line

    @property
    def has_front_matter(self) -> bool:
        return self.fm is not None and self.fm.present

    def add(self, line: int, column: int, code: str, message: str, severity: str | None = None) -> None:
        self.diagnostics.append(
            Diagnostic(self.path, line, column, code, severity or RULES[code][0], " ".join(message.split()))
        )

    def at(self, node, code: str, message: str, severity: str | None = None) -> None:
        mark = node.start_mark
        self.add(mark.line + self.line_offset, mark.column + 1, code, message, severity)


def check_text(text: str, path: str, settings: Settings | None = None) -> CheckedFile:
    """Run every built-in check on one note's text (newlines already normalised)."""
    settings = settings or Settings()
    result = CheckedFile(path)
    fm = split(text)
    result.fm = fm
    if not fm.present:
        return result
    result.line_offset = fm.first_yaml_line
    if not fm.closed:
        result.add(1, 1, "unclosed-front-matter", "front matter opened with '---' on line 1 is never closed with '---'")
        return _finish(result, settings)
    tab_lines = _check_tabs(result, fm)
    try:
        node = compose(fm, path)
    except FrontMatterError as exc:
        if exc.line not in tab_lines:
            result.add(exc.line or fm.first_yaml_line, exc.column or 1, "yaml-syntax", exc.message)
        return _finish(result, settings)
    result.node = node
    if node is None:
        result.data = {}
        return _finish(result, settings)
    if not isinstance(node, yaml.MappingNode):
        what = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
        result.at(node, "not-a-mapping", f"front matter is {what}, not 'key: value' lines")
    result.data = _Converter(result).value(node, key=None)
    if isinstance(node, yaml.MappingNode):
        lines = text.split("\n")
        _check_top_level(result, node, lines)
        _check_required(result, node, text[fm.body_offset :], settings)
    return _finish(result, settings)


def _finish(result: CheckedFile, settings: Settings) -> CheckedFile:
    if settings.disabled:
        result.diagnostics = [d for d in result.diagnostics if d.code not in settings.disabled]
    result.diagnostics.sort(key=lambda d: (d.line, d.column, d.code))
    return result


def _check_tabs(result: CheckedFile, fm: FrontMatter) -> set[int]:
    lines = set()
    for i, line in enumerate(fm.raw.split("\n")):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and line.strip():
            file_line = fm.first_yaml_line + i
            lines.add(file_line)
            result.add(
                file_line, indent.index("\t") + 1, "tab-indent", "tab in indentation; YAML indents with spaces only"
            )
    return lines


class _Converter:
    """Node tree -> JSON values, one scalar at a time, reporting what YAML silently converts."""

    def __init__(self, result: CheckedFile):
        self.result = result
        self.constructor = SafeConstructor()
        self.active: set[int] = set()  # nodes on the current path (recursive aliases)

    def value(self, node, key: str | None, in_list_key: bool = False):
        if id(node) in self.active:
            return None
        self.active.add(id(node))
        try:
            if not isinstance(node, yaml.ScalarNode) and node.tag not in _COLLECTION_TAGS:
                # `!!python/object/apply:…` and other application tags: hlkb never constructs them
                self.result.at(node, "yaml-syntax", f"tag '{node.tag}' is not allowed in front matter")
                return None
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node)
            if isinstance(node, yaml.SequenceNode):
                return [self.value(item, key, in_list_key) for item in node.value]
            return self._scalar(node, key)
        finally:
            self.active.discard(id(node))

    def _mapping(self, node) -> dict:
        out: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.result.at(key_node, "wrong-type", "a key must be a plain value, not a list or mapping")
                continue
            key = key_node.value
            line = key_node.start_mark.line + self.result.line_offset
            if key in first_line:
                self.result.at(
                    key_node,
                    "duplicate-key",
                    f"duplicate key '{key}' (first on line {first_line[key]}); YAML keeps only the last",
                )
            else:
                first_line[key] = line
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged = self.value(value_node, key)  # `<<: *base`: its keys, unless given here
                for part in merged if isinstance(merged, list) else [merged]:
                    if isinstance(part, dict):
                        for k, v in part.items():
                            out.setdefault(k, v)
                continue
            out[key] = self.value(value_node, key)
        return out

    def _scalar(self, node, key: str | None):
        tag = node.tag
        try:
            value = self.constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            # e.g. `!custom x`: the safe loader hlkb reads notes with refuses the whole front matter
            self.result.at(node, "yaml-syntax", f"cannot read '{node.value[:60]}': {exc.problem}")
            return node.value
        except (ValueError, OverflowError, yaml.YAMLError) as exc:
            what = str(exc).split("\n")[0]
            if "integer string conversion" in what:
                what = "a number with more than 4300 digits; quote it to keep it as text"
            shown = node.value if len(node.value) <= 60 else node.value[:57] + "..."
            self.result.at(
                node,
                "bad-date" if tag == _TIMESTAMP_TAG else "wrong-type",
                f"'{shown}' is not a valid {'date' if tag == _TIMESTAMP_TAG else 'value'} ({what})",
            )
            return node.value
        if node.style is None and tag != _STR_TAG:
            self._implicit(node, key, value)
        if isinstance(value, (_dt.date, _dt.datetime)):
            return value.isoformat()
        if isinstance(value, bytes):
            return value.decode("utf-8", "replace")
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            return str(value)
        return value

    def _implicit(self, node, key: str | None, value) -> None:
        text = node.value
        quote = f"quote it ('{text}') if you mean text"
        if isinstance(value, bool) and _BOOL_WORDS.match(text):
            self.result.at(
                node,
                "implicit-bool",
                f"unquoted '{text}' is read as the boolean {str(value).lower()}; {quote}, "
                f"or write {str(value).lower()}",
            )
        elif isinstance(value, _dt.date) and not (key and is_date_key(key)):
            self.result.at(
                node,
                "implicit-date",
                f"unquoted '{text}' is read as a date under '{key}', which is not a date key; {quote}",
            )
        elif isinstance(value, float) and not isinstance(value, bool):
            # 1.10 -> 1.1 (a version number) and 1:30.5 -> 90.5 lose what was written; .5 does not
            lossy = re.search(r"\.[0-9_]*0$", text) or "_" in text or ":" in text
            if lossy and value == value and text.lstrip("+") != repr(value):
                self.result.at(node, "implicit-float", f"unquoted '{text}' is read as the number {value!r}; {quote}")
        elif isinstance(value, int) and not isinstance(value, bool):
            if not _INT_PLAIN.match(text):
                self.result.at(node, "implicit-int", f"unquoted '{text}' is read as the number {value}; {quote}")


def _check_top_level(result: CheckedFile, root, lines: list[str]) -> None:
    for key_node, value_node in root.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        key = key_node.value
        lower = key.strip().lower()
        if _is_empty(value_node):
            _empty(result, key_node, value_node, key, lines)
            continue
        if lower in LIST_KEYS:
            _check_string_list(result, key, value_node)
        elif is_url_key(lower):
            _check_url(result, key, value_node)
        elif is_date_key(lower):
            _check_date(result, key, value_node)


def _is_empty(node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG and node.value == "" and node.style is None


def _empty(result: CheckedFile, key_node, value_node, key: str, lines: list[str]) -> None:
    line_index = key_node.end_mark.line + result.line_offset - 1
    rest = lines[line_index][key_node.end_mark.column :] if 0 <= line_index < len(lines) else ""
    rest = rest.lstrip()[1:].lstrip() if rest.lstrip().startswith(":") else ""
    if rest.startswith("#"):
        result.add(
            line_index + 1,
            key_node.end_mark.column + 1 + (len(lines[line_index][key_node.end_mark.column :]) - len(rest)),
            "comment-value",
            f"'{key}' is empty because '{rest.split()[0]}' is read as a YAML comment; "
            f"quote it (\"{rest.strip()}\") or drop the '#'",
        )
        return
    result.at(key_node, "empty-value", f"'{key}' has no value")


def _check_string_list(result: CheckedFile, key: str, node) -> None:
    if not isinstance(node, yaml.SequenceNode):
        kind = "a mapping" if isinstance(node, yaml.MappingNode) else f"the single value '{node.value}'"
        result.at(
            node,
            "wrong-type",
            f"'{key}' should be a list of strings, not {kind}; write [{_flow_hint(node)}] or one '- item' a line",
        )
        return
    for item in node.value:
        if isinstance(item, yaml.ScalarNode):
            if item.tag == _STR_TAG:
                continue
            if item.style is None and item.tag != _NULL_TAG:
                # an implicit-* finding already explains a converted plain scalar; a plain
                # number (2024) is still not a string
                if item.tag in (_TIMESTAMP_TAG,) or _BOOL_WORDS.match(item.value):
                    continue
            what = "an empty item" if item.tag == _NULL_TAG else f"'{item.value}' ({item.tag.rsplit(':', 1)[-1]})"
            result.at(item, "wrong-type", f"'{key}' items should be strings; {what} is not; quote it")
        else:
            result.at(item, "wrong-type", f"'{key}' items should be strings, not a nested list or mapping")


def _flow_hint(node) -> str:
    if isinstance(node, yaml.ScalarNode):
        parts = [p for p in re.split(r"[,\s]+", node.value) if p]
        return ", ".join(parts[:5])
    return "..."


def _check_url(result: CheckedFile, key: str, node) -> None:
    if not isinstance(node, yaml.ScalarNode):
        result.at(node, "wrong-type", f"'{key}' should be one URL, not a list or mapping")
        return
    if not is_valid_url(node.value):
        result.at(node, "bad-url", f"'{key}' is not an absolute URL: '{node.value[:120]}'")


def is_valid_url(value: str) -> bool:
    value = value.strip()
    if not value or any(ch.isspace() for ch in value):
        return False
    try:
        parts = urllib.parse.urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return False
    if not re.fullmatch(r"[a-zA-Z][a-zA-Z0-9+.\-]*", parts.scheme or ""):
        return False
    if parts.scheme.lower() in ("http", "https", "ftp"):
        host = parts.hostname or ""
        return bool(host) and (host == "localhost" or "." in host or host.startswith("[") or ":" in host)
    return bool(parts.netloc or parts.path)


def _check_date(result: CheckedFile, key: str, node) -> None:
    if not isinstance(node, yaml.ScalarNode):
        result.at(node, "wrong-type", f"'{key}' should be one date, not a list or mapping")
        return
    if node.tag in (_TIMESTAMP_TAG, "tag:yaml.org,2002:bool"):
        return  # a date (valid, or already reported by the converter), or a yes/no flag named like a date
    text = node.value.strip()
    if parse_date_text(text) is None:
        result.at(node, "bad-date", f"'{key}' is not a date: '{text[:60]}' (write YYYY-MM-DD, optionally with a time)")


def parse_date_text(text: str) -> _dt.date | None:
    """A date written as text: ISO date or datetime, optionally wrapped in [[wikilink]] brackets."""
    text = text.strip()
    if text.startswith("[[") and text.endswith("]]"):
        text = text[2:-2].strip()
    try:
        return _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        return None


def _check_required(result: CheckedFile, root, body: str, settings: Settings) -> None:
    """Readwise exports identify their source by title; a note that looks like one must have it.

    A note looks like a Readwise export when its body has readwise.io links, a ``rw-book-cover``
    image or a Metadata section. ``title`` is also satisfied by a ``# Heading`` or a
    ``Full Title:`` line in the body, which is where Readwise's default template puts it.
    """
    if not settings.required or not _READWISE_MARK.search(body):
        return
    keys = {k.value.strip().lower() for k, _ in root.value if isinstance(k, yaml.ScalarNode)}
    for required in settings.required:
        name = required.strip().lower()
        if name in keys:
            continue
        if name == "title" and (_H1.search(body) or re.search(r"^(- )?Full Title:\s*\S", body, re.MULTILINE)):
            continue
        result.add(result.fm.open_line, 1, "missing-key", f"Readwise note has no '{required}' in its front matter")
