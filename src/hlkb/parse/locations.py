"""The link that ends a Readwise highlight, read into a Location and a Readwise id.

Forms (VARIANTS.md): ``([View Highlight](https://read.readwise.io/read/<id>))``,
``([Location␣220](…to_kindle…&location=220))``, legacy ``([165](…&location=165))``,
unlinked ``(Page␣0)``, ``([Time␣0:11:12](https://www.airr.io/quote/…))``, Snipd,
``([View Tweet](…))``, Instapaper, and the same wrapped in ``_…_`` inside callouts.
"""

from __future__ import annotations

import re

from hlkb.model import Location

_SP_CHARS = " \t\u00a0\u2002\u2003\u202f"
_SP = f"[{_SP_CHARS}]"
# "([label](url))" at the very end, optionally wrapped in _..._ or *...* (callouts).
LINK_AT_END = re.compile(
    r"(?P<lead>"
    + _SP
    + r"*)(?P<wrap>[_*]?)\(\[(?P<label>[^\[\]\n]*)\]\((?P<url>[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)\)\)(?P=wrap)"
    + _SP
    + r"*$"
)
UNLINKED_AT_END = re.compile(
    r"(?P<lead>"
    + _SP
    + r"*)\((?P<label>(?:Location|Page|Time|Loc\.?|p\.)"
    + _SP
    + r"+[0-9][0-9:,.\-]*)\)"
    + _SP
    + r"*$",
    re.IGNORECASE,
)

# A trailing "([label](url))" is a highlight link only with a label or host Readwise writes;
# "(see [the post](https://…))" at the end of a sentence stays text.
_KNOWN_LABEL = re.compile(
    r"^(?:view\b.*|open\b.*|location\b.*|loc\.?\s.*|page\b.*|p\.\s.*|time\b.*|\d[\d,.:]*)$", re.IGNORECASE
)
_KNOWN_HOST = re.compile(
    r"readwise\.io|to_kindle|airr\.io|snipd\.com|instapaper\.com|twitter\.com|//x\.com|"
    r"kindle|medium\.com/.*#|hypothes\.is",
    re.IGNORECASE,
)
_READWISE_ID = re.compile(r"read\.readwise\.io/read/(?P<a>[0-9a-z]{10,})|readwise\.io/open/(?P<b>\d+)", re.IGNORECASE)
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_TIME = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2})(?!\d)")
_URL_LOCATION = re.compile(r"[?&]location=(\d+)")


def readwise_id_from_url(url: str | None) -> str | None:
    if not url:
        return None
    m = _READWISE_ID.search(url)
    if not m:
        return None
    return m.group("a") or m.group("b")


def _normalised_label(label: str) -> str:
    """The label with no-break spaces and runs of whitespace as single spaces, trimmed."""
    return " ".join(label.replace("\u00a0", " ").split())


def location_value(label: str, url: str | None = None) -> float | None:
    """220 for "Location 220" or "220", 12 for "Page 12", seconds for "Time 0:11:12"."""
    return _value_of_normalised(_normalised_label(label), url)


def _value_of_normalised(norm: str, url: str | None) -> float | None:
    lowered = norm.lower()
    if lowered.startswith("time") or _TIME.fullmatch(norm):
        m = _TIME.search(norm)
        if m:
            hours = int(m.group(1) or 0)
            return float(hours * 3600 + int(m.group(2)) * 60 + int(m.group(3)))
    if lowered.startswith(("view ", "open ")) or not norm:
        return None
    m = _NUMBER.search(norm)
    if m:
        return float(m.group(0).replace(",", ""))
    if url:
        m = _URL_LOCATION.search(url)
        if m:
            return float(m.group(1))
    return None


def is_highlight_link(label: str, url: str | None) -> bool:
    return _is_known_link(_normalised_label(label), url)


def _is_known_link(norm_label: str, url: str | None) -> bool:
    return bool(_KNOWN_LABEL.match(norm_label) or (url and _KNOWN_HOST.search(url)))


def _link_end(text: str) -> str:
    """``text`` up to where a match of the patterns above could end: they end with
    ``_SP*$``, and ``$`` also matches before a final newline."""
    if text.endswith("\n"):
        text = text[:-1]
    return text.rstrip(_SP_CHARS)


def _start_of_lead(text: str, pos: int, wrap: bool) -> int:
    """Where a match whose ``(`` is at ``pos`` starts: before an optional wrap character
    and the spaces before it (greedy, so the leftmost start of that match)."""
    if wrap and pos and text[pos - 1] in "_*":
        pos -= 1
    while pos and text[pos - 1] in _SP_CHARS:
        pos -= 1
    return pos


def _search_link(text: str, end: str) -> re.Match | None:
    """``LINK_AT_END.search(text)``, without scanning the text before the first ``([``.

    Every match holds a ``([`` and starts in the run of spaces/wrap before it, so none
    starts before the run that precedes the first ``([`` of the text; nor before the last
    line (a match holds no newline and ends at the end or before a final newline)."""
    if not end.endswith(("))", "))_", "))*")):
        return None
    first = text.find("([", text.rfind("\n", 0, len(text) - 1) + 1)
    if first == -1:
        return None
    return LINK_AT_END.search(text, _start_of_lead(text, first, wrap=True))


def _search_unlinked(text: str, end: str) -> re.Match | None:
    """``UNLINKED_AT_END.search(text)``: a match's ``(`` is the last one of the text
    (nothing after it may hold one), so it starts in the run of spaces before that ``(``,
    and its greedy lead takes the whole run: one ``match`` there, not a search that tries
    every later position (every character of a URL ending the line)."""
    if not end.endswith(")"):
        return None
    last = text.rfind("(")
    if last == -1:
        return None
    return UNLINKED_AT_END.match(text, _start_of_lead(text, last, wrap=False))


def has_highlight_link(text: str) -> bool:
    end = _link_end(text)
    m = _search_link(text, end)
    if m and is_highlight_link(m.group("label"), m.group("url")):
        return True
    return bool(_search_unlinked(text, end))


def split_location(markdown: str) -> tuple[str, Location | None]:
    """(markdown without the trailing location link, Location or None)."""
    end = _link_end(markdown)
    m = _search_link(markdown, end)
    if m:
        label = _normalised_label(m.group("label"))
        url = m.group("url")
        if _is_known_link(label, url):
            url = url or None
            return markdown[: m.start()], Location(label=label, url=url, value=_value_of_normalised(label, url))
    m = _search_unlinked(markdown, end)
    if m:
        label = _normalised_label(m.group("label"))
        return markdown[: m.start()], Location(label=label, url=None, value=_value_of_normalised(label, None))
    return markdown, None
