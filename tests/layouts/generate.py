"""Random export templates and highlights, rendered into notes, with what a reader expects.

A template is drawn the way users write theirs into Readwise's settings: a container for
each highlight (a bullet, a quote, a callout, a paragraph, a heading, a label heading, a
Logseq block), a location link in one of the forms exporters use (or none, or on a line
of its own), a note and tags written as sublines, labelled lines, callouts or unlabelled
paragraphs, before or after each other, a separator between highlights, with or without
title, metadata and header. Highlights are drawn with multi-line text, Chinese, Markdown
inside, empty notes. ``generate(rng)`` returns the rendered note and the expected fields.

Combinations a careful human reader could not read back either are not drawn (an
unanchored paragraph followed by an unlabelled paragraph note with nothing between
highlights but blank lines is two paragraphs, nothing says which is the note).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from hlkb.parse.inline import plain_text
from hlkb.templates import Template, render_note

_WORDS = (
    "river road light shadow garden memory silence window harbour lantern orchard clock paper "
    "signal bridge winter margin question answer habit library reader letter evening morning "
    "distance promise engine market history method evidence pattern island thread mirror "
    "attention practice courage patience system network archive theory voice"
).split()
_ZH = [
    "图书馆",
    "记忆的河流",
    "安静的花园",
    "阅读改变思考",
    "时间的重量",
    "城市与乡村",
    "习惯的力量",
    "窗外的雪",
    "我们需要更多耐心",
    "历史并不重复",
    "每一本书都是一扇门",
]
_TAGS = ["pink", "blue", "to-read", "deep-work", "history", "method", "favorite", "思考", "later", "idea-1"]
_SEPARATED = ("\n\n", "\n\n---\n\n", "\n---\n")


@dataclass
class Generated:
    note: str
    template: Template
    expected: list[dict]
    description: str
    anchored: bool = True
    highlights: list[dict] = field(default_factory=list)


def _line(rng: random.Random, markup: bool, zh: bool) -> str:
    n = rng.randint(3, 10)
    words = [rng.choice(_WORDS) for _ in range(n)]
    words[0] = words[0].capitalize()
    if zh and rng.random() < 0.5:
        words.insert(rng.randint(1, len(words)), rng.choice(_ZH))
    if markup:
        for _ in range(rng.randint(1, 2)):
            i = rng.randint(1, len(words) - 1)
            kind = rng.choice(["bold", "em", "code", "link"])
            w = words[i]
            words[i] = {
                "bold": f"**{w}**",
                "em": f"*{w}*",
                "code": f"`{w}`",
                "link": f"[{w}](https://example.org/{w})",
            }[kind]
    text = " ".join(words)
    if rng.random() < 0.3:
        return rng.choice(_ZH) + "，" + text + "。"
    return text + rng.choice([".", ".", "!", "?", ";", ""])


def _text(rng: random.Random, max_lines: int, paragraphs: bool) -> str:
    lines = [_line(rng, rng.random() < 0.4, rng.random() < 0.3)]
    for _ in range(rng.randint(0, max_lines - 1)):
        if paragraphs and rng.random() < 0.3:
            lines.append("")
        lines.append(_line(rng, rng.random() < 0.3, rng.random() < 0.3))
    if rng.random() < 0.15:
        lines = [rng.choice(_ZH) + rng.choice(["，", ""]) + rng.choice(_ZH) + "。"]
    return "\n".join(lines)


def _ulid(rng: random.Random) -> str:
    return "01" + "".join(rng.choice("0123456789abcdefghjkmnpqrstvwxyz") for _ in range(24))


def _highlight(rng: random.Random, i: int, max_lines: int, paragraphs: bool, notes: bool, note_lines: int) -> dict:
    loc = rng.randint(10, 9000)
    kind = rng.choice(["Location", "Page"])
    note = None
    if notes and rng.random() < 0.55:
        note = "\n".join(_line(rng, False, rng.random() < 0.3) for _ in range(rng.randint(1, note_lines)))
    tags = rng.sample(_TAGS, rng.choice([0, 0, 1, 1, 2, 3]))
    return {
        "text": _text(rng, max_lines, paragraphs),
        "note": note,
        "tags": tags,
        "location": f"{kind} {loc}",
        "location_n": loc,
        "location_url": f"https://readwise.io/to_kindle?action=open&asin=B0TEST{i:04d}&location={loc}",
        "ulid": _ulid(rng),
        "number": str(rng.randint(100000000, 999999999)),
    }


# -- the pieces of a highlight template ---------------------------------------------------------
# Each location form: (jinja after the text, expected (label, value, readwise id) from a highlight)


def _loc_readwise(h):
    return h["location"], float(h["location_n"]), None


_LOCATIONS = {
    "readwise": (" ([{{highlight_location}}]({{highlight_location_url}}))", _loc_readwise),
    "view": (
        " ([View Highlight](https://read.readwise.io/read/{{highlight_id}}))",
        lambda h: ("View Highlight", None, h["ulid"]),
    ),
    "bare-view": (
        " [View Highlight](https://read.readwise.io/read/{{highlight_id}})",
        lambda h: ("View Highlight", None, h["ulid"]),
    ),
    "empty-link": (" [](https://read.readwise.io/read/{{highlight_id}})", lambda h: ("", None, h["ulid"])),
    "arrow": (" [⤴️](https://omnivore.app/me/some-article-18e7#{{highlight_id}})", lambda h: ("⤴️", None, None)),
    "kindle-plugin": (
        " — location: [{{highlight_location | replace('Location ', '') | replace('Page ', '')}}]"
        "({{highlight_location_url}})",
        lambda h: (f"Location {h['location_n']}", float(h["location_n"]), None),
    ),
    "unlinked": (" ({{highlight_location}})", _loc_readwise),
    "block-id": (" ^rw{{highlight_id}}", lambda h: (None, None, h["number"])),
    "open-in-readwise": (
        " ([View Highlight](https://instapaper.com/read/1/{{highlight_id}})) "
        "[Open in Readwise](https://readwise.io/open/{{highlight_id}}) ^rw{{highlight_id}}",
        lambda h: ("View Highlight", None, h["number"]),
    ),
    "none": ("", lambda h: (None, None, None)),
}
_NUMERIC_ID = {"block-id", "open-in-readwise"}


def _id_for(form: str, h: dict) -> str:
    return h["number"] if form in _NUMERIC_ID else h["ulid"]


@dataclass
class _Design:
    container: str
    location: str
    note_form: str | None
    tags_form: str | None
    tags_first: bool
    separator: str
    header: str | None
    page: str
    sub: str = "    "  # subline indent under a bullet
    marker: str = "-"


def _design(rng: random.Random) -> _Design:
    container = rng.choice(
        ["bullet", "bullet", "bullet", "quote", "callout", "paragraph", "heading", "label-heading", "logseq"]
    )
    locs = list(_LOCATIONS)
    if container == "heading":
        locs = [x for x in locs if x not in ("kindle-plugin",)]
    location = rng.choice(locs)
    anchored = location != "none"
    notes = {
        "bullet": ["sub", "sub-bold", "sibling", "sub-dataview", "sub-unguarded"]
        + (["sub-unlabelled"] if anchored else []),
        "quote": ["quote-field", "para", "callout", "bullet-after"],
        "callout": ["quote-field", "callout", "para"],
        "paragraph": ["para-field", "para-bold"] + (["para"] if anchored else []),
        "heading": ["para-field", "note-heading"],
        "label-heading": ["note-heading", "bullet-after", "para-field"],
        "logseq": ["logseq"],
    }[container]
    tags = {
        "bullet": ["sub-links", "sub-hash"] + (["inline"] if anchored else []),
        "quote": ["para-field"] + (["inline"] if anchored else []),
        "callout": ["quote-field"] + (["inline"] if anchored else []),
        "paragraph": ["para-field"] + (["inline"] if anchored else []),
        "heading": ["para-field"],
        "label-heading": ["para-field", "bullet-after"],
        "logseq": ["logseq"] + (["inline"] if anchored else []),
    }[container]
    note_form = rng.choice(notes + [None])
    tags_form = rng.choice(tags + [None])
    if container in ("paragraph", "quote", "callout", "heading", "label-heading"):
        separator = rng.choice(_SEPARATED)
    elif container == "logseq":
        separator = "\n"
    else:
        separator = rng.choice(["\n", "\n", "\n\n"])
    if note_form == "sibling" and separator != "\n":
        separator = "\n"
    header = rng.choice(["## Highlights", "# Highlights", "### Highlights", None])
    if container in ("heading", "label-heading") and header == "### Highlights":
        header = "## Highlights"  # a section header sits above the headings it holds
    page = rng.choice(["readwise", "title", "none", "front-matter"])
    if header is None and not anchored:
        page = "readwise"  # a note that says nothing of being an export is a note of one's own
    d = _Design(container, location, note_form, tags_form, rng.random() < 0.5, separator, header, page)
    if note_form == "para" and tags_form == "quote-field":
        d.tags_first = True  # quote lines after a plain paragraph would start a new quote
    if note_form in ("quote-field", "callout") and tags_form in ("para-field",):
        d.tags_first = False
    d.sub = rng.choice(["    ", "  ", "\t"])
    d.marker = rng.choice(["-", "-", "*", "+"])
    return d


def _note_piece(d: _Design, guarded: bool = True) -> str:
    n = "{{ highlight_note }}"
    piece = {
        "sub": f"\n{d.sub}- Note: {n}",
        "sub-bold": f"\n{d.sub}- **Note:** {n}",
        "sibling": f"\n- Note: {n}",
        "sub-dataview": f"\n{d.sub}- Note:: {n}",
        "sub-unguarded": f"\n{d.sub}- Note: {n}",
        "sub-unlabelled": f"\n{d.sub}- {n}",
        "quote-field": f"\n>\n> **Note:** {n}",
        "para": f"\n\n{n}",
        "callout": f"\n>> [!note]\n> {n}",
        "bullet-after": f"\n\n- Note: {n}",
        "para-field": f"\n\nNote: {n}",
        "para-bold": f"\n\n**Note:** {n}",
        "note-heading": f"\n\n#### Note\n{n}",
        "logseq": f"\n\t\t- **Note**: {n}",
    }[d.note_form]
    if d.note_form == "sub-unguarded":
        return piece
    return "{% if highlight_note %}" + piece + "{% endif %}"


def _tags_piece(d: _Design) -> str:
    loop_links = "{% for tag in highlight_tags %}[[{{tag}}]] {% endfor %}"
    loop_hash = "{% for tag in highlight_tags %}#{{tag}} {% endfor %}"
    piece = {
        "sub-links": f"\n{d.sub}- Tags: {loop_links}",
        "sub-hash": f"\n{d.sub}- Tags: {loop_hash}",
        "para-field": f"\n\nTags: {loop_hash}",
        "quote-field": f"\n> Tags: {loop_hash}",
        "bullet-after": f"\n\n- Tags: {loop_links}",
        "logseq": f"\n\t\t- Tags: {loop_links}",
        "inline": "",
    }[d.tags_form]
    if not piece:
        return ""
    return "{% if highlight_tags %}" + piece + "{% endif %}"


def _highlight_template(d: _Design) -> str:
    text = "{{ highlight_text }}"
    loc = _LOCATIONS[d.location][0]
    inline_tags = "{% for tag in highlight_tags %} #{{tag}}{% endfor %}" if d.tags_form == "inline" else ""
    head = {
        "bullet": f"{d.marker} {text}{loc}{inline_tags}",
        "quote": f"> {text}{loc}{inline_tags}",
        "callout": f"> [!quote]\n> {text}{loc}{inline_tags}",
        "paragraph": f"{text}{loc}{inline_tags}",
        "heading": f"### {text}{loc}",
        "label-heading": f"## Highlight\n\n{text}{loc}{inline_tags}",
        "logseq": f"\t- {text}{loc}{inline_tags}",
    }[d.container]
    fields = []
    if d.note_form:
        fields.append(_note_piece(d))
    if d.tags_form and d.tags_form != "inline":
        fields.append(_tags_piece(d))
    if d.tags_first:
        fields.reverse()
    body = head + "".join(fields)
    if d.container == "heading" and d.tags_form == "para-field" and d.note_form == "para-field":
        pass
    return body


def _page(d: _Design, title: str) -> tuple[str, str | None]:
    if d.container == "logseq":
        return "", None
    if d.page == "readwise":
        return (
            "# {{ title }}\n\n![rw-book-cover](https://images.example.org/cover.jpg)\n\n## Metadata\n"
            "- Author: [[{{ author }}]]\n- Full Title: {{ title }}\n- Category: #books\n"
        ), None
    if d.page == "title":
        return "# {{ title }}\n", None
    if d.page == "front-matter":
        return "", 'title: "{{ title }}"\nauthor: {{ author }}\ntags: [books]'
    return "", None


def generate(rng: random.Random) -> Generated:
    d = _design(rng)
    anchored = d.location != "none"
    single_line = d.container == "heading"
    paragraphs = d.container in ("bullet", "quote", "callout", "logseq") or (
        d.container in ("paragraph", "label-heading")
        and anchored
        and d.note_form not in ("para",)
        and d.separator != "\n\n"
    )
    note_lines = (
        1 if d.note_form in ("para", "sibling", "para-field", "para-bold", "bullet-after") and not anchored else 2
    )
    n = rng.randint(1, 6)
    hs = [
        _highlight(rng, i, 1 if single_line else 3, paragraphs and not single_line, d.note_form is not None, note_lines)
        for i in range(n)
    ]
    if d.location in ("block-id",) and d.container == "heading":
        d.location = "view"
    values = []
    for h in hs:
        hid = _id_for(d.location, h)
        values.append(
            {
                "highlight_text": h["text"],
                "highlight_note": h["note"] or "",
                "highlight_tags": h["tags"],
                "highlight_location": h["location"],
                "highlight_location_url": h["location_url"],
                "highlight_id": hid,
            }
        )
    title = " ".join(w.capitalize() for w in rng.sample(_WORDS, 3))
    page, front = _page(d, title)
    header = d.header or ""
    if d.container == "logseq":
        header = "- Highlights first synced by [[Readwise]] [[Apr 13th, 2023]]"
    template = Template(
        highlight=_highlight_template(d), header=header, page=page, front_matter=front, separator=d.separator
    )
    book = {"title": title, "author": "Ada " + rng.choice(_WORDS).capitalize()}
    note = render_note(template, book, values)
    if d.container == "logseq":
        note = f"title:: {title} (highlights)\nauthor:: [[{book['author']}]]\ncategory:: #books\n\n" + note
    expected = []
    for h in hs:
        label, value, rid = _LOCATIONS[d.location][1](h)
        exp_note = h["note"] if d.note_form else None
        tags = list(h["tags"]) if d.tags_form else []
        expected.append(
            {
                "text": plain_text(h["text"]),
                "note": exp_note,
                "tags": tags,
                "location_label": label,
                "location_value": value,
                "readwise_id": rid,
            }
        )
    desc = (
        f"{d.container} loc={d.location} note={d.note_form} tags={d.tags_form}"
        f"{' (tags first)' if d.tags_first else ''} sep={d.separator!r} header={d.header!r} page={d.page}"
    )
    return Generated(note, template, expected, desc, anchored, hs)


def compare(note, gen: Generated) -> list[str]:
    """What the parsed ``note`` gets wrong against ``gen.expected`` (empty when exact)."""
    problems = []
    got = note.highlights
    if len(got) != len(gen.expected):
        return [f"{len(got)} highlights, want {len(gen.expected)}"]

    def norm(s):
        return " ".join((s or "").split())

    for i, (h, e) in enumerate(zip(got, gen.expected)):
        if norm(h.text) != norm(e["text"]):
            problems.append(f"h{i} text {h.text!r} want {e['text']!r}")
        if norm(h.note) != norm(e["note"]):
            problems.append(f"h{i} note {h.note!r} want {e['note']!r}")
        if list(h.tags) != e["tags"]:
            problems.append(f"h{i} tags {h.tags!r} want {e['tags']!r}")
        label = h.location.label if h.location else None
        value = h.location.value if h.location else None
        if e["location_label"] is not None and (label != e["location_label"] or value != e["location_value"]):
            problems.append(f"h{i} location {label!r}/{value!r} want {e['location_label']!r}/{e['location_value']!r}")
        if e["location_label"] is None and label is not None:
            problems.append(f"h{i} location {label!r} want none")
        if h.readwise_id != e["readwise_id"]:
            problems.append(f"h{i} readwise id {h.readwise_id!r} want {e['readwise_id']!r}")
    return problems
