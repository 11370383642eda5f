"""A user's own export template, compiled into line rules the parser reads their notes with.

The layout inference (layout.py) finds the structure of any note by itself; what it cannot
know are the words a user put into their template: a note label of their own (``💡 My
take —``), a mark before the text (``Highlight ⟶``), a link of their own after it (``⟶ p.
{{highlight_location}}``). Rendering the template once with marker values shows where each
variable sits and which literal text surrounds it; each such line becomes a rule that
rewrites a note's matching line into the form the parser knows (``Note: …``, ``Tags: …``,
``text ([Location 12](url))``), line for line, so every line number stays true.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hlkb.templates import Template, render

_TEXT, _NOTE, _TAG, _LOC, _URL, _ID = "\x01T\x01", "\x01N\x01", "\x01G\x01", "\x01L\x01", "\x01U\x01", "\x01I\x01"
_SENTINELS = {"text": _TEXT, "note": _NOTE, "tag": _TAG, "location": _LOC, "url": _URL, "id": _ID}
_PLAIN_NOTE_LABEL = re.compile(r"(?i)\s*(?:\*\*)?notes?(?:\*\*)?\s*::?\s*(?:\*\*)?\s*")
_PLAIN_TAGS_LABEL = re.compile(r"(?i)\s*(?:\*\*)?tags?(?:\*\*)?\s*::?\s*(?:\*\*)?\s*")
_CONTAINER = re.compile(r"^(?:[ \t]*(?:>[ \t]?|[-*+][ \t]+|\d{1,3}[.)][ \t]+))*[ \t]*")


@dataclass
class LineRule:
    kind: str  # "prefix", "suffix", "note", "tags"
    pattern: re.Pattern
    label: str = ""  # the literal it stands for (for messages and tests)
    token: re.Pattern | None = None  # tags: one tag as the template writes it ("[[x]]", "#x")


@dataclass
class TemplateHints:
    rules: list[LineRule] = field(default_factory=list)
    source: str | None = None

    def rewrite(self, lines: list[str]) -> list[str]:
        """``lines`` with every line a rule matches in the parser's own form."""
        if not self.rules:
            return lines
        out = []
        for line in lines:
            for rule in self.rules:
                m = rule.pattern.match(line)
                if m:
                    line = _apply(rule, m, line)
            out.append(line)
        return out


def _apply(rule: LineRule, m: re.Match, line: str) -> str:
    g = m.groupdict()
    if rule.kind == "prefix":
        return g["lead"] + g["rest"]
    if rule.kind == "note":
        return g["lead"] + "Note: " + g["value"]
    if rule.kind == "tags":
        return (
            g["lead"] + "Tags: " + " ".join(f"#{t}" if " " not in t else f"#[[{t}]]" for t in _tags(g["value"], rule))
        )
    if rule.kind in ("suffix", "locline"):
        loc, url, hid = g.get("loc"), g.get("url"), g.get("id")
        text = g["text"] if rule.kind == "suffix" else g["lead"].rstrip()
        if url:
            return f"{text} ([{(loc or 'View Highlight').strip()}]({url.strip()}))"
        if hid and hid.strip().isdigit():
            return f"{text} ^rw{hid.strip()}"
        if loc:
            label = loc.strip()
            if re.fullmatch(r"[0-9][0-9,.:]*", label):
                label = f"Location {label}"
            return f"{text} ({label})"
        return text
    return line


def _tags(value: str, rule: LineRule) -> list[str]:
    if rule.token is None:
        return [t for t in re.split(r"[\s,]+", value) if t]
    return [m.group("tag") for m in rule.token.finditer(value)]


def _literal(text: str) -> str:
    """A regex for template literal text: spaces stretch and trailing space is optional."""
    out = []
    for part in re.split(r"([ \t]+)", text):
        if not part:
            continue
        out.append(r"[ \t]+" if part.isspace() else re.escape(part))
    return "".join(out)


def compile_template(template: Template) -> TemplateHints:
    """Line rules for ``template.highlight`` (see the module doc)."""
    values = {
        "highlight_text": _TEXT,
        "highlight_note": _NOTE,
        "highlight_tags": [_TAG + "1", _TAG + "2"],
        "highlight_location": _LOC,
        "highlight_location_url": _URL,
        "highlight_id": _ID,
        "highlight_url": _URL,
    }
    rendered = render(template.highlight, values)
    hints = TemplateHints(source=template.source)
    for line in rendered.split("\n"):
        lead_m = _CONTAINER.match(line)
        container = lead_m.group(0)  # type: ignore[union-attr]  # (_CONTAINER matches any line)
        body = line[len(container) :]
        if _TEXT in body:
            before, after = body.split(_TEXT, 1)
            if before.strip():
                hints.rules.append(
                    LineRule(
                        "prefix",
                        re.compile(
                            r"^(?P<lead>" + _container_regex(container) + r")" + _literal(before) + r"(?P<rest>.*)$"
                        ),
                        before.strip(),
                    )
                )
            rule = _suffix_rule(after)
            if rule is not None:
                hints.rules.append(rule)
        elif any(x in body for x in (_LOC, _URL, _ID)) and not any(x in body for x in (_NOTE, _TAG)):
            rule = _suffix_rule(body)  # the location on a line of its own
            if rule is not None:
                rule.kind = "locline"
                rule.pattern = re.compile(
                    r"^(?P<lead>"
                    + _container_regex(container)
                    + r")"
                    + rule.pattern.pattern[len(r"^(?P<text>.*?\S)") :]
                )
                hints.rules.append(rule)
        elif _NOTE in body:
            label = body.split(_NOTE, 1)[0]
            if label.strip() and not _PLAIN_NOTE_LABEL.fullmatch(label):
                hints.rules.append(
                    LineRule(
                        "note",
                        re.compile(
                            r"^(?P<lead>"
                            + _container_regex(container)
                            + r")"
                            + _literal(label.rstrip())
                            + r"[ \t]*(?P<value>.*)$"
                        ),
                        label.strip(),
                    )
                )
        elif _TAG in body:
            first = body.index(_TAG + "1")
            start = first
            while start > 0 and body[start - 1] in "[#":
                start -= 1
            end = first + len(_TAG) + 1
            stop = end
            while stop < len(body) and body[stop] == "]":
                stop += 1
            prefix, suffix = body[start:first], body[end:stop]
            label = body[:start]
            if label.strip() and not _PLAIN_TAGS_LABEL.fullmatch(label):
                rule = LineRule(
                    "tags",
                    re.compile(
                        r"^(?P<lead>"
                        + _container_regex(container)
                        + r")"
                        + _literal(label.rstrip())
                        + r"[ \t]*(?P<value>.*)$"
                    ),
                    label.strip(),
                )
                rule.token = re.compile(
                    re.escape(prefix) + r"(?P<tag>[^\s\[\]#,]+(?: [^\s\[\]#,]+)*?)" + re.escape(suffix) + r"(?=[\s,]|$)"
                )
                hints.rules.append(rule)
    return hints


def _container_regex(container: str) -> str:
    """The template's container prefix ("    - ", "> ") with any indentation."""
    core = container.strip(" \t")
    if not core:
        return r"[ \t]*"
    return r"[ \t]*" + _literal(core) + r"[ \t]*"


def _suffix_rule(after: str) -> LineRule | None:
    """The literal after the text on its line, with its location/url/id variables."""
    if not any(s in after for s in (_LOC, _URL, _ID)) or not after.strip():
        return None
    # keep only what sits between the text and the end of the line (tags loops excluded)
    after = after.split(_TAG, 1)[0]
    pattern = ""
    pos = 0
    for m in re.finditer("|".join(re.escape(s) for s in (_LOC, _URL, _ID)), after):
        pattern += _literal(after[pos : m.start()])
        name = {_LOC: "loc", _URL: "url", _ID: "id"}[m.group(0)]
        if f"(?P<{name}>" in pattern:
            pattern += ".*?"
        else:
            pattern += {"loc": r"(?P<loc>[^\]\n()]*?)", "url": r"(?P<url>[^\s()<>]+)", "id": r"(?P<id>[\w-]+)"}[name]
        pos = m.end()
    tail = after[pos:].rstrip()
    pattern += _literal(tail)
    if pattern.startswith(r"[ \t]+"):
        pattern = r"[ \t]*" + pattern[len(r"[ \t]+") :]
    return LineRule("suffix", re.compile(r"^(?P<text>.*?\S)" + pattern + r"[ \t]*$"), after.strip())
