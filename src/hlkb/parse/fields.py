"""Note-level fields from front matter, Metadata lists and Logseq properties.

Front matter is read as parsed (any key case); ``## Metadata`` values are strings as
written. Where both say something, front matter wins for title/tags, the Metadata list
for author/category (it is what Readwise wrote).
"""

from __future__ import annotations

import datetime as _dt
import re
from urllib.parse import unquote

from hlkb.parse.blocks import parse_tags
from hlkb.parse.inline import plain_text, strip_wikilink

# Front-matter keys (lower-cased) and Metadata keys that date a note, in priority order.
DATE_KEYS = (
    "date",
    "published",
    "publishedon",
    "published_on",
    "created",
    "date created",
    "date_created",
    "imported-to-readwise",
    "last highlighted",
    "date highlighted",
    "synced",
    "updated",
)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_LOGSEQ_NAMESPACE = re.compile(
    r"^(?:readwise/)(?:(?:highlights|books|articles|tweets|podcasts|supplementals)/)?", re.IGNORECASE
)
_HIGHLIGHTS_SUFFIX = re.compile(r"\s*\((?:highlights)\)\s*$", re.IGNORECASE)


class Folded:
    """A mapping looked up case- and space-insensitively, folded once for many lookups."""

    def __init__(self, mapping):
        self.folded: dict = {}
        if isinstance(mapping, dict):
            for k, v in mapping.items():
                self.folded.setdefault(" ".join(str(k).split()).casefold(), v)

    def get(self, *keys: str):
        """First non-empty value among ``keys``."""
        for key in keys:
            v = self.folded.get(key.casefold())
            if v not in (None, "", [], {}):
                return v
        return None


def get_ci(mapping: dict, *keys: str):
    """First non-empty value among ``keys``, matching keys case- and space-insensitively."""
    if not isinstance(mapping, dict):
        return None
    return Folded(mapping).get(*keys)


def as_text(value) -> str | None:
    """A front-matter or metadata value as one display string (lists joined with ", ")."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        parts = [as_text(v) for v in value]
        return ", ".join(p for p in parts if p) or None
    if isinstance(value, dict):
        return None
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    text = strip_wikilink(str(value))
    # "[example.org]()" / "[Ada](https://…)": the link's words
    text = re.sub(r"(?<!!)\[([^\[\]\n]+)\]\([^()\s]*\)", r"\1", text)
    # "[[A]], [[B]]" -> "A, B"
    text = re.sub(r"\[\[([^\[\]|]*?)(?:\|([^\[\]]*))?\]\]", lambda m: m.group(2) or m.group(1), text)
    return text.strip() or None


def clean_category(value) -> str | None:
    text = as_text(value)
    if not text:
        return None
    text = text.strip().lstrip("#").strip()
    if "/" in text and text.lower().startswith("readwise/"):
        text = text.split("/", 1)[1]
    if text.lower().startswith("category/"):  # "#Readwise/category/articles"
        text = text.split("/", 1)[1]
    return text or None


def front_matter_tags(value) -> list[str]:
    """Every shape VARIANTS.md lists: list, flow list, space/comma string, single, null."""
    if value is None or value is False:
        return []
    items = value if isinstance(value, (list, tuple, set)) else [value]
    tags: list[str] = []
    for item in items:
        if item is None or isinstance(item, dict):
            continue
        text = str(item)
        if "[[" in text:
            parts = parse_tags(text)
        else:
            parts = [p for p in re.split(r"[\s,]+", text) if p]
        for p in parts:
            p = p.strip().lstrip("#").strip()
            if p and p not in tags:
                tags.append(p)
    return tags


def iso_date(value) -> str | None:
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if value is None:
        return None
    m = _ISO_DATE.search(str(value))
    if not m:
        return None
    try:
        return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


def note_date(front_matter: dict, metadata: dict) -> str | None:
    for source in (front_matter, metadata):
        if not isinstance(source, dict):
            continue
        folded = {" ".join(str(k).split()).casefold(): v for k, v in source.items()}
        for key in DATE_KEYS:
            if key in folded:
                d = iso_date(folded[key])
                if d:
                    return d
    return None


def clean_title(value) -> str | None:
    text = as_text(value)
    if not text:
        return None
    text = _LOGSEQ_NAMESPACE.sub("", text.strip())
    text = _HIGHLIGHTS_SUFFIX.sub("", text)
    return plain_text(text) or None


def title_from_file_name(file_name: str | None) -> str | None:
    if not file_name:
        return None
    name = file_name.rsplit("/", 1)[-1]
    for suffix in (".markdown", ".md", ".txt"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return unquote(name).strip() or None
