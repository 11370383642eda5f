"""What ends a highlight: its location link, ids, colour and tags, peeled off the text.

Exporters end each highlight's text with a run of machine-written trailers, in any order
the template chose::

    text ([View Highlight](https://read.readwise.io/read/ID)) [Open in Readwise](…/open/N) ^rwN
    text ([174](…to_kindle…&location=174)) %% Color: yellow %% ^61947229
    text ([View Highlight](…)) #Highlight #[[2023-11-01]]
    > text [⤴️](https://omnivore.app/me/slug#uuid)  #New_term
    text — location: [93]() ^ref-12743                      (Kindle Highlights plugin)
    text —[Updated on 2022-08-25](https://hyp.is/ID/url)—Group: #webNote   (Hypothesis)
    text [](https://read.readwise.io/read/ID)                (an empty-text link)

``peel`` takes them off the end one at a time until none is left. A line that ends with
such a trailer (a location link, a Readwise or plugin block id) is an *anchor*: the
strongest evidence of where a highlight ends, which the layout inference builds on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from hlkb.model import Location
from hlkb.parse.locations import _SP, _SP_CHARS, location_value, readwise_id_from_url, split_location

_BLOCK_ID = re.compile(r"(?:^|(?<=\s))\^(?P<id>[A-Za-z0-9][\w-]*)[ \t]*$")
_READWISE_BLOCK_ID = re.compile(r"^(?:rw(?:ID-)?(?P<rw>\d+)(?:-note)?|(?P<num>\d{5,}))$", re.IGNORECASE)
_PLUGIN_BLOCK_ID = re.compile(r"^(?:ref-\d+|rw\w+|hl-?\w+|\d{5,})$", re.IGNORECASE)
_FOOTNOTE_REF = re.compile(r"[ \t]*\[\^[^\]\s]{1,40}\][ \t]*$")
_COLOR = re.compile(r"[ \t]*%%[ \t]*Colou?r:[ \t]*(?P<color>[\w-]+)[ \t]*%%[ \t]*$", re.IGNORECASE)
_OPEN_IN_READWISE = re.compile(
    r"[ \t]*\[(?:Open in Readwise|Readwise)\]\((?P<url>https?://readwise\.io/open/\d+)\)"
    r"[ \t]*$",
    re.IGNORECASE,
)
# One "#tag" / "#[[tag]]" at the very end (peeled one at a time: a single regex over
# "#a #b … #z" backtracks quadratically).
_LAST_TAG = re.compile(r"[ \t]+#(?P<tag>\[\[[^\[\]\n]{1,200}\]\]|[^\s#()\[\]]{1,200})[ \t]*$")
_TAGS_FIELD = re.compile(
    r"[ \t]+(?:🏷️?|🔖)?[ \t]*(?:tags?|labels?)[ \t]*::?[ \t]*(?P<tags>(?:#\S+[ \t]*)+)$", re.IGNORECASE
)
_HYPOTHESIS = re.compile(
    r"[ \t]*[—–-]{1,2}[ \t]*\[(?P<label>Updated on [^\]\n]*|View (?:in context|annotation)[^\]\n]*)\]"
    r"\((?P<url>https?://(?:hyp\.is|hypothes\.is)/[^)\s]*)\)(?:[ \t]*[—–-]{1,2}[ \t]*Group:[ \t]*#?\S+)?[ \t]*$",
    re.IGNORECASE,
)
_KINDLE_PLUGIN = re.compile(
    r"[ \t]*[—–][ \t]*(?P<kind>location|loc\.?|page|position)[ \t]*:?[ \t]*\[(?P<n>[^\]\n]*)\]"
    r"\((?P<url>[^()\s]*)\)[ \t]*$",
    re.IGNORECASE,
)
# "[label](url)" at the end without the parentheses Readwise puts round it.
# URLs that point at one highlight (not at a book or an article).
_HIGHLIGHT_URL = re.compile(
    r"read\.readwise\.io/read/|readwise\.io/open/|readwise\.io/to_kindle|kindle://book\?.*location=|"
    r"hyp\.is/|share\.snipd\.com/snip/|airr\.io/quote|omnivore\.app/.+#|instapaper\.com/read/\d+/\d+|"
    r"(?:twitter|x)\.com/[^/]+/status/|[?&]location=\d+|#(?:highlight|hl|annotation)[-=]",
    re.IGNORECASE,
)
_SYMBOL_LABEL = re.compile(r"^[^\w]*$")


@dataclass
class Trailers:
    text: str  # the markdown without its trailers
    location: Location | None = None
    readwise_id: str | None = None
    block_id: str | None = None
    color: str | None = None
    tags: list[str] = field(default_factory=list)
    anchored: bool = False  # a location link or an exporter's id ended it


def _ends_with_block_id(text: str) -> bool:
    """``_BLOCK_ID.search(text)``: a match's "^" is the last one of the text (nothing after
    it may hold one), so the search starts there rather than at every position."""
    caret = text.rfind("^")
    return caret != -1 and _BLOCK_ID.search(text, caret) is not None


def _block_id(work: str, out: Trailers) -> str | None:
    if "^" not in work[-80:]:
        return None
    # A match's "^" is the last one of the text (nothing after it may hold one): the
    # search starts there, not at every position of the last 120 characters.
    m = _BLOCK_ID.search(work, work.rfind("^", max(0, len(work) - 120)))
    if not m:
        return None
    bid = m.group("id")
    bm = _READWISE_BLOCK_ID.match(bid)
    if out.block_id is None:
        out.block_id = bid
    if bm and out.readwise_id is None:
        out.readwise_id = bm.group("rw") or bm.group("num")
    if _PLUGIN_BLOCK_ID.match(bid):
        out.anchored = True
    return work[: m.start()]


def _bare_link(work: str) -> tuple[str, Location] | None:
    """``[label](url)`` ending ``work`` when it is a highlight link: an empty label with a
    highlight URL, a symbol (``⤴️``, ``🔗``), ``View …``/``Open …``, or a location label."""
    if not work.endswith((")", ")_", ")*")):
        return None
    last = work.rfind("](")
    start = work.rfind("[", 0, last) if last != -1 else -1
    if start == -1:
        return None
    m = _BARE_LINK_TAIL.match(work, start)
    if not m:
        return None
    label = " ".join(m.group("label").replace("\u00a0", " ").split())
    url = m.group("url")
    if not url:
        return None
    if label[:1] == "(" and label[-1:] == ")" and _LOCATION_LABEL.match(label[1:-1]):
        label = label[1:-1]  # "[(Location 366)](…)": the default's "([Location 366](…))" turned inside out
    if not label:
        ok = bool(_HIGHLIGHT_URL.search(url))
    else:
        ok = bool(_SYMBOL_LABEL.match(label) or _VIEW_LABEL.match(label) or _LOCATION_LABEL.match(label))
    if not ok:
        return None
    cut = start
    wrap = m.group("wrap")
    if wrap and cut and work[cut - 1] == wrap:
        cut -= 1
    return work[:cut], Location(label=label, url=url, value=location_value(label, url))


_BARE_LINK_TAIL = re.compile(
    r"\[(?P<label>[^\[\]\n]*)\]\((?P<url>[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)\)"
    r"(?P<wrap>[_*]?)" + _SP + r"*$"
)
_VIEW_LABEL = re.compile(r"^[(\[]?(?:view|open)\b", re.IGNORECASE)
_LOCATION_LABEL = re.compile(r"^(?:location|loc\.?|page|p\.|time)\s*[0-9]|^[0-9][0-9,.:]*$", re.IGNORECASE)


def peel(markdown: str, peel_tags: bool = False) -> Trailers:
    """Take the trailers off the end of a highlight's markdown (see ``_peel``). The result is
    shared between calls with the same text within one note (the layout asks first, the note
    builder again): treat it as read-only."""
    if peel_tags and "#" not in markdown:
        peel_tags = False  # it only decides about "#tags", so the plain peel's result serves
    if len(markdown) > 2000:
        return _peel(markdown, peel_tags)
    return _peel_cached(markdown, peel_tags)


@lru_cache(maxsize=4096)
def _peel_cached(markdown: str, peel_tags: bool) -> Trailers:
    return _peel(markdown, peel_tags)


def new_note() -> None:
    """Forget the previous note's peeled lines. Notes share almost no lines, so a cache kept
    across notes buys nothing in a vault; what it would do is let a benchmark that parses one
    note again and again (bench_parse's best of N) skip the peeling it measures."""
    _peel_cached.cache_clear()


def _peel(markdown: str, peel_tags: bool = False) -> Trailers:
    """Take the trailers off the end of a highlight's markdown (see the module doc).

    Inline ``#tags`` at the end count as trailers only after a location link, or anywhere
    when ``peel_tags`` (the note ends every highlight with tags: Apple Books' ``#hl-green``)."""
    out = Trailers(text=markdown)
    work = markdown.rstrip(_SP_CHARS + "\n")
    got_location = False
    pending_tags: list[str] = []
    for _ in range(12):
        if not work:
            break
        if work[-1] in _SP_CHARS:
            work = work.rstrip(_SP_CHARS)
        nxt = _block_id(work, out)
        if nxt is not None:
            work = nxt.rstrip(_SP_CHARS)
            continue
        if work.endswith("]") and "[^" in work[-44:]:
            m = _FOOTNOTE_REF.search(work, max(0, len(work) - 50))
            if m:  # the reader's footnote reference "[^1]"
                work = work[: m.start()].rstrip(_SP_CHARS)
                continue
        if "%%" in work[-60:]:
            m = _COLOR.search(work, max(0, len(work) - 80))
            if m:
                out.color = out.color or m.group("color").lower()
                work = work[: m.start()].rstrip(_SP_CHARS)
                continue
        if work.endswith(")") and "readwise.io/open/" in work[-80:]:
            m = _OPEN_IN_READWISE.search(work, max(0, len(work) - 120))
            if m and got_location or m and _ends_with_location(work[: m.start()]):
                out.readwise_id = out.readwise_id or readwise_id_from_url(m.group("url"))
                out.anchored = True
                work = work[: m.start()].rstrip(_SP_CHARS)
                continue
        if not got_location and ("—" in work or "–" in work) and "](" in work[-400:]:
            m = _hypothesis_at_end(work)
            if m:  # "—[Updated on …](hyp.is/…)—Group: #webNote": the group is no tag
                out.location = Location(label=" ".join(m.group("label").split()), url=m.group("url"), value=None)
                work = work[: m.start()].rstrip(_SP_CHARS)
                got_location = out.anchored = True
                continue
        if "#" in work[-250:] and not got_location:
            m = _tags_field_at_end(work)
            if m and (peel_tags or _ends_with_location(work[: m.start()])):
                pending_tags = [t.lstrip("#") for t in m.group("tags").split()] + pending_tags
                work = work[: m.start()].rstrip(_SP_CHARS)
                continue
            rest, tags = _peel_trailing_tags(work)
            if tags and rest.strip() and (peel_tags or _ends_with_location(rest)):
                pending_tags = tags + pending_tags
                work = rest.rstrip(_SP_CHARS)
                continue
        if got_location:
            break
        if "—" in work or "–" in work or "-" in work[-200:]:
            m = _hypothesis_at_end(work) if "](" in work[-400:] else None
            if m:
                out.location = Location(label=" ".join(m.group("label").split()), url=m.group("url"), value=None)
                work = work[: m.start()].rstrip(_SP_CHARS)
                got_location = out.anchored = True
                continue
            m = _kindle_plugin_at_end(work) if "](" in work[-300:] else None
            if m:
                kind = "Page" if m.group("kind").lower().startswith("page") else "Location"
                n = m.group("n").strip()
                label = f"{kind} {n}" if n else kind
                url = m.group("url") or None
                out.location = Location(label=label, url=url, value=location_value(label, url))
                work = work[: m.start()].rstrip(_SP_CHARS)
                got_location = out.anchored = True
                continue
        rest, location = split_location(work)
        if location is None:
            bare = _bare_link(work)
            if bare:
                rest, location = bare
        if location is not None:
            out.location = location
            work = rest.rstrip(_SP_CHARS)
            got_location = out.anchored = True
            continue
        break
    if out.readwise_id is None and out.location is not None:
        out.readwise_id = readwise_id_from_url(out.location.url)
    if out.readwise_id is not None:
        out.anchored = True
    out.tags = pending_tags
    if got_location:
        # what a template put between the text and its link: " — ", "\- ", " | ", "*"
        work = _without_dangling(work)
    out.text = work
    return out


_DANGLING = re.compile(r"(?:(?:[ \t\u00a0]+|^|(?<=\n))(?:\\?[-–—]|[|·•*+])|[ \t\u00a0]*\n[ \t]*)+[ \t\u00a0]*$")
# Every character a _DANGLING match can hold.
_DANGLING_CHARS = " \t\u00a0\n\\-–—|·•*+"


# What a line holding only an anchor may also hold: spaces, dashes, bars, bullets, emphasis
# marks, a quote marker, a backslash (``\- [(View Highlight)](…)``: an exporter escaping the
# "- " that starts its line).
_SEPARATOR_CHARS = " \t\u00a0-–—|·•*_\\>"
# A backslash before any other ASCII punctuation makes that mark literal text (CommonMark):
# ``- \> (Location 0)`` is a highlight whose whole text is ">", not a lone anchor.
_ESCAPED_MARK = re.compile(r"\\[!-,./:-@\[-`{-~]")


def only_separators(text: str) -> bool:
    """Is ``text`` (what is left of a line once its anchor is peeled) no highlight text at
    all, only what a template puts around a link?"""
    return not text.strip(_SEPARATOR_CHARS) and not ("\\" in text and _ESCAPED_MARK.search(text))


def _without_dangling(work: str) -> str:
    """``_DANGLING.sub("", work)``, scanning only the run of separator characters that ends
    ``work``: a match holds nothing else and reaches the end (or the final newline), so it
    lies in that run, and the character before the run (no newline) cannot satisfy its
    ``(?<=\n)``. A sub over the whole text tries every position of it, which on a long
    highlight costs more than all the rest of the peeling."""
    start = len(work.rstrip(_DANGLING_CHARS))
    if start == len(work):
        return work
    pieces = []
    last = 0
    for m in _DANGLING.finditer(work, start):
        pieces.append(work[last : m.start()])
        last = m.end()
    if not pieces:
        return work
    pieces.append(work[last:])
    return "".join(pieces)


def _hypothesis_at_end(work: str) -> re.Match | None:
    """``_HYPOTHESIS`` in the last 400 characters; a match holds "](" right before its
    hyp.is / hypothes.is link, so without a "](" followed by "http(s)://hyp" (in any case:
    no character but H, Y, P matches these letters ignoring case) there is no regex scan,
    and no lowering of the whole tail (what most lines ending with a link cost here)."""
    start = max(0, len(work) - 400)
    i = work.find("](", start)
    while i != -1:
        if "://hyp" in work[i + 2 : i + 14].lower():
            return _HYPOTHESIS.search(work, start)
        i = work.find("](", i + 2)
    return None


def _kindle_plugin_at_end(work: str) -> re.Match | None:
    """``_KINDLE_PLUGIN`` in the last 300 characters; a match holds its "—" or "–" and its
    kind ("location", "loc", "page", "position": each holds "loc", "page" or "po"; no other
    character matches these letters ignoring case, as "ſ" does "s")."""
    start = max(0, len(work) - 300)
    tail = work[start:]
    if "—" not in tail and "–" not in tail:
        return None
    lowered = tail.lower()
    if "loc" not in lowered and "page" not in lowered and "po" not in lowered:
        return None
    return _KINDLE_PLUGIN.search(work, start)


def _tags_field_at_end(work: str) -> re.Match | None:
    """``_TAGS_FIELD`` in the last 250 characters; a match holds "tag" or "label" (in any
    case), which most text ending with a "#" in a link's URL does not."""
    start = max(0, len(work) - 250)
    lowered = work[start:].lower()
    if "tag" not in lowered and "label" not in lowered:
        return None
    return _TAGS_FIELD.search(work, start)


def _ends_with_location(text: str) -> bool:
    t = text.rstrip(_SP_CHARS)
    if not t.endswith((")", ")_", ")*")):
        return bool(_hypothesis_at_end(t) or "^" in t[-120:] and _ends_with_block_id(t[-120:]))
    return split_location(t)[1] is not None or _bare_link(t) is not None or bool(_kindle_plugin_at_end(t))


def _peel_trailing_tags(work: str) -> tuple[str, list[str]]:
    """("text", ["a", "b c"]) for "text #a #[[b c]]"; tags only when letters start them."""
    tags: list[str] = []
    while "#" in work:
        end = work[:-1] if work.endswith("\n") else work
        end = end.rstrip(" \t")
        # a match ends with its tag (then spaces, or a newline): "[[…]]" or a character
        # that is neither a space nor one of "#()[]" (a URL's ")" ends no tag)
        if not end or not (end.endswith("]]") or end[-1] not in "#()[]" and not end[-1].isspace()):
            break
        m = _last_tag(work)
        if not m:
            break
        tag = m.group("tag")
        tag = tag[2:-2] if tag.startswith("[[") else tag
        if not tag or not (tag[0].isalpha() or tag[0].isdigit() and m.group("tag").startswith("[[")):
            break
        tags.insert(0, tag.strip())
        work = work[: m.start()]
    return work, tags


def _last_tag(work: str) -> re.Match | None:
    """``_LAST_TAG`` in the last 240 characters. A match starts in the run of spaces before
    one of its "#", at or after the first "#" of that window (a run of spaces holds no "#"),
    so the search starts at the run before that first "#" instead of at every position."""
    start = max(0, len(work) - 240)
    h = work.find("#", start)
    if h == -1:
        return None
    while h > start and work[h - 1] in " \t":
        h -= 1
    return _LAST_TAG.search(work, h)


def trailing_tags(work: str) -> tuple[str, list[str]]:
    """Inline tags that end ``work`` (for notes whose every highlight ends with tags)."""
    return _peel_trailing_tags(work.rstrip(_SP_CHARS))


def is_anchor(line: str) -> bool:
    """Does this line (container prefixes removed) end with a location link or an exporter's id?"""
    if "(" not in line and "^" not in line:
        return False  # every anchor has a link's "(" or a block id's "^" (most lines have neither)
    t = line.rstrip(_SP_CHARS)
    if not t:
        return False
    last = t[-1]
    if last == ")" or last in "_*" and t.endswith((")_", ")*")):
        return peel(t).anchored
    tail = t[-300:]
    if "^" in tail[-60:] and _ends_with_block_id(tail):
        return peel(t).anchored
    if last == "%" and "%%" in tail or last == "]" and "[^" in tail[-44:]:
        return peel(t).anchored
    if "#" in tail and ("(" in tail or "^" in tail):
        return peel(t).anchored  # "… ([View Highlight](…)) #tag", "… ^rw12 #tag", Hypothesis groups
    return False
