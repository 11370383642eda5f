"""The filters shared by `search` and `export` (docs/commands.md#filters), as one plain dataclass."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from hlkb.errors import UsageError

KINDS = ("note", "highlight", "pair", "claim")
LANGS = ("en", "zh", "mixed", "other")
MAX_LIMIT = 2**63 - 1  # SQLite's largest integer; a --limit past it is not a number to it


@dataclass
class Filters:
    kinds: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)  # all must match
    author: str | None = None
    category: str | None = None
    lang: str | None = None
    where: list[tuple[str, str]] = field(default_factory=list)  # front-matter key = value
    since: str | None = None  # ISO date, inclusive
    until: str | None = None  # ISO date, inclusive
    limit: int | None = None


def parse_date(value: str, option: str) -> str:
    try:
        return _dt.date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError:
        raise UsageError(f"{option} takes a date as YYYY-MM-DD, not {value!r}") from None


def build_filters(
    kind: Sequence[str] | None = None,
    tag: Sequence[str] | None = None,
    author: str | None = None,
    category: str | None = None,
    lang: str | None = None,
    where: Sequence[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int | None = None,
) -> Filters:
    """The filters of docs/commands.md#filters from the CLI's option values, checked as the
    options are (a bad value is a ``UsageError`` naming the option). ``kind``, ``tag`` and
    ``where`` take one string or several."""
    kind, tag, where = ([v] if isinstance(v, str) else v for v in (kind, tag, where))
    kinds = []
    for k in kind or []:
        k = k.strip().lower()
        if k not in KINDS:
            raise UsageError(f"--kind must be one of {', '.join(KINDS)}, not {k!r}")
        kinds.append(k)
    if lang is not None and lang.strip().lower() not in LANGS:
        raise UsageError(f"--lang must be one of {', '.join(LANGS)}, not {lang!r}")
    pairs = []
    for w in where or []:
        if "=" not in w:
            raise UsageError(f"--where takes KEY=VALUE, not {w!r}")
        key, value = w.split("=", 1)
        if not key.strip():
            raise UsageError(f"--where takes KEY=VALUE, not {w!r}")
        pairs.append((key.strip(), value.strip()))
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"--limit must be between 1 and {MAX_LIMIT}, not {limit}")
    return Filters(
        kinds=kinds,
        tags=[t.lstrip("#").strip() for t in tag or [] if t.strip()],
        author=author,
        category=category.lstrip("#") if category else None,
        lang=lang.strip().lower() if lang else None,
        where=pairs,
        since=parse_date(since, "--since") if since else None,
        until=parse_date(until, "--until") if until else None,
        limit=limit,
    )
