"""Readwise-style export templates: the Jinja text users paste into Readwise's export settings.

Readwise renders one template per part of a note (page metadata, highlights header, one
highlight); users rewrite them freely. hlkb renders notes with such templates (``hlkb
import``, the parser's generated tests) and compiles a user's highlight template into the
hints the parser reads their notes with (parse/template_hints.py).

Variables of a highlight: ``highlight_text``, ``highlight_note``, ``highlight_tags`` (a list
of names), ``highlight_location`` ("Location 220", "Page 12"), ``highlight_location_url``,
``highlight_id``, ``highlight_url`` (the highlight's Readwise link), ``highlighted_at``,
``highlight_color``, ``highlight_chapter``. Of a book: ``title``, ``full_title``, ``author``,
``category``, ``url``, ``image_url``, ``document_tags``, ``date``, ``time``, ``is_new_page``,
``has_new_highlights``, ``book_id``, ``highlights_url``, ``summary``, ``source``,
``document_note``, ``asin``.

Filters: Readwise's ``date`` (PHP format letters) and ``yaml`` (a value as a YAML scalar
that reads back as the same string or number, for front-matter templates).

A multi-line value keeps the lines inside the block it starts in, as Readwise does: each
further line starts with the container prefix of the line the value starts on (list
markers become spaces, ``>`` stays), so ``- {{ highlight_text }}`` continues at two spaces
and ``> {{ highlight_text }}`` with ``> ``.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from functools import lru_cache

from hlkb.errors import UsageError

DEFAULT_HIGHLIGHT = (
    "- {{ highlight_text }}{% if highlight_location and highlight_location_url %}"
    " ([{{highlight_location}}]({{highlight_location_url}})){% elif highlight_location %}"
    " ({{highlight_location}}){% endif %}{% if highlight_tags %}\n"
    "    - Tags: {% for tag in highlight_tags %}[[{{tag}}]] {% endfor %}{% endif %}{% if highlight_note %}\n"
    "    - Note: {{ highlight_note }}{% endif %}"
)
DEFAULT_HEADER = (
    "{% if is_new_page %}## Highlights{% elif has_new_highlights %}"
    "## New highlights added {{date|date('F j, Y')}} at {{time}}{% endif %}"
)
DEFAULT_PAGE = (
    "# {{ full_title or title }}\n\n"
    "{% if image_url %}![rw-book-cover]({{image_url}})\n\n{% endif %}"
    "## Metadata\n"
    "- Author: {% if author %}[[{{author}}]]{% endif %}\n"
    "- Full Title: {{ full_title or title }}\n"
    "- Category: #{{category}}\n"
    "{% if document_tags %}- Document Tags: {% for tag in document_tags %}[[{{tag}}]] {% endfor %}\n{% endif %}"
    "{% if summary %}- Summary: {{summary}}\n{% endif %}"
    "{% if url %}- URL: {{url}}\n{% endif %}"
)
# What `hlkb import` writes between the "---" fences when the user's template has no
# front_matter of its own: values quoted by the ``yaml`` filter, so that any title stays
# valid YAML. ``book_id`` is what later imports find the note by (key readwise_book_id).
DEFAULT_FRONT_MATTER = (
    "title: {{ title | yaml }}\n"
    "{% if author %}author: {{ author | yaml }}\n{% endif %}"
    "category: {{ category | yaml }}\n"
    "{% if url %}url: {{ url | yaml }}\n{% endif %}"
    "readwise_book_id: {{ book_id | yaml }}\n"
)

HIGHLIGHT_VARIABLES = (
    "highlight_text",
    "highlight_note",
    "highlight_tags",
    "highlight_location",
    "highlight_location_url",
    "highlight_id",
    "highlight_url",
    "highlighted_at",
    "highlight_color",
    "highlight_chapter",
)


@dataclass
class Template:
    """The parts of an export template (any may be left at Readwise's default)."""

    highlight: str = DEFAULT_HIGHLIGHT
    header: str = DEFAULT_HEADER
    page: str = DEFAULT_PAGE
    front_matter: str | None = None  # YAML lines between "---" fences, if any
    separator: str = "\n"  # between two rendered highlights
    source: str | None = None  # where it was configured (for messages)


# -- the Jinja environment -----------------------------------------------------------------

_PHP_DATE = {
    "d": "%d",
    "j": "{day}",
    "D": "%a",
    "l": "%A",
    "N": "{isoweekday}",
    "w": "{weekday}",
    "F": "%B",
    "M": "%b",
    "m": "%m",
    "n": "{month}",
    "Y": "%Y",
    "y": "%y",
    "H": "%H",
    "G": "{hour}",
    "h": "%I",
    "g": "{hour12}",
    "i": "%M",
    "s": "%S",
    "A": "%p",
    "a": "{ampm}",
}


def _date_filter(value, fmt: str = "Y-m-d") -> str:
    """Readwise's ``date`` filter (PHP format letters: ``F j, Y`` → "July 27, 2026")."""
    if isinstance(value, str):
        try:
            value = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        value = _dt.datetime(value.year, value.month, value.day)
    if not isinstance(value, _dt.datetime):
        return str(value)
    out = []
    for ch in fmt:
        spec = _PHP_DATE.get(ch)
        if spec is None:
            out.append(ch)
        elif spec.startswith("{"):
            out.append(
                spec.format(
                    day=value.day,
                    month=value.month,
                    hour=value.hour,
                    hour12=(value.hour % 12) or 12,
                    ampm=value.strftime("%p").lower(),
                    isoweekday=value.isoweekday(),
                    weekday=value.isoweekday() % 7,
                )
            )
        else:
            out.append(value.strftime(spec))
    return "".join(out)


# YAML's printable set (YAML 1.1 as PyYAML reads it) less the line breaks it folds inside
# a quoted scalar (NEL, U+2028, U+2029): anything else must be escaped, or the front
# matter cannot be read back as the same text.
_YAML_UNPRINTABLE = re.compile("[^\x09\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def yaml_scalar(value) -> str:
    """``value`` as a YAML scalar that reads back as itself: numbers and booleans as they
    are, None as ``null``, lists as flow sequences, anything else as a double-quoted string."""
    import json

    if value is None or value == "":
        return '""' if value == "" else "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)) and value == value and value not in (float("inf"), float("-inf")):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(yaml_scalar(v) for v in value) + "]"
    text = json.dumps(str(value), ensure_ascii=False)
    return _YAML_UNPRINTABLE.sub(
        lambda m: f"\\u{ord(m.group(0)):04x}" if ord(m.group(0)) <= 0xFFFF else f"\\U{ord(m.group(0)):08x}", text
    )


@lru_cache(maxsize=1)
def environment():
    from jinja2 import ChainableUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(undefined=ChainableUndefined, autoescape=False, keep_trailing_newline=True)
    env.filters["date"] = _date_filter
    env.filters["yaml"] = yaml_scalar
    return env


@lru_cache(maxsize=256)
def _compiled(source: str):
    from jinja2 import TemplateSyntaxError

    try:
        return environment().from_string(source)
    except TemplateSyntaxError as exc:
        raise UsageError(f"template error: {exc.message}", None, exc.lineno) from None


@lru_cache(maxsize=256)
def _render_function(source: str):
    """``values -> text``: what ``_compiled(source).render(**values)`` gives, without
    flattening the template's globals (a ChainMap) anew for every call (an import renders
    a template per highlight: 10k renders 0.22 s -> 0.07 s)."""
    template = _compiled(source)
    env = template.environment
    flat = dict(template.globals)

    def run(values: dict) -> str:
        context = env.context_class(env, {**flat, **values}, template.name, template.blocks, globals=flat)
        try:
            return env.concat(template.root_render_func(context))  # type: ignore[attr-defined]
        except Exception:
            env.handle_exception()  # raises it again, as Template.render does

    return run


def check(source: str, where: str | None = None) -> None:
    """Raise UsageError (with the template's line) when ``source`` is not a valid template."""
    try:
        _compiled(source)
    except UsageError as exc:
        raise UsageError(exc.message, where, exc.line) from None


# -- rendering --------------------------------------------------------------------------------

_CONTAINER_PREFIX = re.compile(r"^(?:[ \t]*(?:>[ \t]?|[-*+][ \t]+|\d{1,3}[.)][ \t]+))*[ \t]*")
_TOKEN = re.compile("\x00(\\d+)\x00")


def continuation_prefix(line_start: str) -> str:
    """What begins every further line of a value that starts after ``line_start``: its
    indentation and ``>`` markers, with list markers turned into spaces."""
    m = _CONTAINER_PREFIX.match(line_start)
    out = []
    for ch in m.group(0):
        out.append(ch if ch in " \t>" else " ")
    return "".join(out)


def render(source: str, values: dict) -> str:
    """Render ``source`` with ``values``; multi-line string values stay in their block."""
    tokens: list[str] = []
    safe = values
    for key, value in values.items():
        if isinstance(value, str) and "\n" in value:
            if safe is values:
                safe = dict(values)  # the caller's dict stays as it was
            tokens.append(value)
            safe[key] = f"\x00{len(tokens) - 1}\x00"
    try:
        out = _render_function(source)(safe)
    except UsageError:
        raise
    except Exception as exc:  # a sandboxed template can still fail on bad data: say so
        raise UsageError(f"template error: {exc}") from None
    if not tokens:
        return out

    def expand(m: re.Match) -> str:
        value = tokens[int(m.group(1))]
        start = out.rfind("\n", 0, m.start()) + 1
        prefix = continuation_prefix(out[start : m.start()])
        lines = value.split("\n")
        return lines[0] + "".join("\n" + (prefix + ln if ln.strip() else prefix.rstrip()) for ln in lines[1:])

    return _TOKEN.sub(expand, out)


def highlight_values(h: dict) -> dict:
    """Template variables for one highlight given as a dict of hlkb fields or variables."""
    values = {k: h.get(k) for k in HIGHLIGHT_VARIABLES}
    aliases = {
        "text": "highlight_text",
        "note": "highlight_note",
        "tags": "highlight_tags",
        "location": "highlight_location",
        "location_url": "highlight_location_url",
        "id": "highlight_id",
        "url": "highlight_url",
        "color": "highlight_color",
        "highlighted_at": "highlighted_at",
        "chapter": "highlight_chapter",
    }
    for short, var in aliases.items():
        if values.get(var) is None and h.get(short) is not None:
            values[var] = h[short]
    values["highlight_tags"] = list(values.get("highlight_tags") or [])
    values["highlight_note"] = values.get("highlight_note") or ""
    values["highlight_location"] = values.get("highlight_location") or ""
    values["highlight_location_url"] = values.get("highlight_location_url") or ""
    return values


def render_highlight(template: Template, h: dict) -> str:
    return render(template.highlight, highlight_values(h))


def render_note(template: Template, book: dict, highlights: list[dict], new_page: bool = True) -> str:
    """A whole note: front matter, page part, header, and each highlight (joined by the
    template's separator), ending with a newline."""
    rendered = [render_highlight(template, h).strip("\n") for h in highlights]
    text = render_head(template, book, bool(highlights), new_page) + template.separator.join(rendered)
    return text.rstrip("\n") + "\n"


def render_head(template: Template, book: dict, has_highlights: bool = True, new_page: bool = True) -> str:
    """What comes before the first highlight: front matter, page part and header (each
    part ending with a newline; "" when the template renders none of them)."""
    values = dict(book)
    values.setdefault("is_new_page", new_page)
    values.setdefault("has_new_highlights", has_highlights)
    values.setdefault("date", _dt.date.today())
    values.setdefault("time", "")
    parts = []
    if template.front_matter:
        parts.append("---\n" + render(template.front_matter, values).strip("\n") + "\n---\n")
    page = render(template.page, values) if template.page else ""
    if page.strip():
        parts.append(page.rstrip("\n") + "\n\n")
    header = render(template.header, values) if template.header else ""
    if header.strip():
        parts.append(header.strip("\n") + "\n")
    return "".join(parts)


# -- configuration ----------------------------------------------------------------------------

TEMPLATE_KEYS = ("highlight", "header", "page", "front_matter", "separator")


def template_from_section(section: dict, where: str) -> Template:
    """A ``[template]`` table of hlkb.toml (``[tool.hlkb.template]`` in pyproject.toml)."""
    if not isinstance(section, dict):
        raise UsageError("the template settings must be a table", where)
    unknown = sorted(set(section) - set(TEMPLATE_KEYS))
    if unknown:
        raise UsageError(f"unknown template setting {unknown[0]!r} (known: {', '.join(TEMPLATE_KEYS)})", where)
    for key, value in section.items():
        if not isinstance(value, str):
            raise UsageError(f"template setting {key!r} must be a string", where)
        if key != "separator":
            check(value, where)
    if "highlight" not in section:
        raise UsageError("a template needs a 'highlight' template", where)
    t = Template(source=where)
    for key, value in section.items():
        setattr(t, key, value)
    return t
