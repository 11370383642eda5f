"""Note text on a terminal: made safe (rich markup and control characters print literally),
fitted to the width, and the search results and record cards built from it."""

from __future__ import annotations

from hlkb.cli.escape import terminal_safe
from hlkb.index.plain import plain_markdown
from hlkb.index.search import first_span, match_spans, window


def rich_text(text: str | None, style: str = ""):
    """A rich Text (never parsed as markup) holding terminal-safe note text."""
    from rich.text import Text

    return Text(terminal_safe(text), style=style)


def records_by_path(records: list[dict]) -> dict[str, list[dict]]:
    """Records grouped by their note file, files in the order first met (a view per file)."""
    groups: dict[str, list[dict]] = {}
    for rec in records:
        groups.setdefault(rec["path"], []).append(rec)
    return groups


# ------------------------------------------------------------------ fitting text ---


def cells(text: str) -> int:
    from rich.cells import cell_len

    return cell_len(text)


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal cells, with ``…`` where cut."""
    if width <= 0:
        return ""
    if cells(text) <= width:
        return text
    out = []
    used = 0
    for ch in text:
        w = cells(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out).rstrip() + "…"


def fit_middle(text: str, width: int) -> str:
    """``text`` cut in the middle to ``width`` cells (a path keeps its start and its name)."""
    if cells(text) <= width:
        return text
    if width < 8:
        return fit(text, width)
    tail_w = (width - 1) * 2 // 3
    tail = []
    used = 0
    for ch in reversed(text):
        w = cells(ch)
        if used + w > tail_w:
            break
        tail.append(ch)
        used += w
    head = fit(text, width - used)[:-1]
    return head + "…" + "".join(reversed(tail))


MATCH_STYLE = "bold red"


def highlighted(text: str, terms, style: str = "", marks: list[tuple[int, int]] = ()):
    """A rich Text of note text (made terminal-safe) with the query's terms styled and the
    ``marks`` spans (of the safe text) underlined."""
    from rich.text import Text

    safe = terminal_safe(text)
    out = Text(safe, style=style)
    for start, end in marks:
        out.stylize("underline", start, end)
    for start, end in match_spans(safe, terms):
        out.stylize(MATCH_STYLE, start, end)
    return out


# ------------------------------------------------------------------ search results ---


def note_header(group, terms, width: int):
    """``path  Title — Author  category · date`` in one line of ``width`` cells."""
    from rich.text import Text

    path = terminal_safe(group.path)
    if cells(path) >= width - 8:
        return Text(fit_middle(path, width), style="magenta bold")
    out = Text(path, style="magenta bold")
    room = width - cells(path) - 2
    about = " — ".join(terminal_safe(x) for x in (group.title, group.author) if x)
    facts = " · ".join(terminal_safe(x) for x in (group.category, (group.date or "")[:10]) if x)
    if facts and cells(about) + 2 + cells(facts) <= room:
        about_text, facts_text = about, facts
    else:
        about_text, facts_text = fit(about, room), ""
    if about_text:
        out.append("  ")
        out.append_text(highlighted(about_text, terms, "bold"))
    if facts_text:
        out.append("  ")
        out.append(facts_text, style="dim")
    return out


def _claim_marks(text: str, start: int, end: int, lead: int, claims) -> list[tuple[int, int]]:
    """Spans (in the shown piece) of the claims' sentences inside text[start:end]."""
    marks = []
    for _cid, claim in claims:
        at = text.find(claim) if claim else -1
        if at < 0:
            continue
        a, b = max(at, start), min(at + len(claim), end)
        if a < b:
            marks.append((a - start + lead, b - start + lead))
    return marks


SNIPPET_LINES = 2


def _wrap(content, width: int) -> list:
    """``content`` (a rich Text) as lines of at most ``width`` cells, broken at spaces where
    it can be and anywhere in a run without spaces (CJK)."""
    from rich.console import Console

    console = Console(width=width, file=None, color_system=None, legacy_windows=False)
    return list(content.wrap(console, width, overflow="fold"))


def hit_line(shown, terms, width: int) -> list:
    """The lines of one shown hit: ``LINE  text  label id``, the text cut around its first
    match to at most SNIPPET_LINES lines of ``width`` cells, wrapped under itself, the
    label and id after it (or on a line of their own when they do not fit there)."""
    from rich.text import Text

    number = f"{shown.line:>6}  "
    meta_parts = [shown.label] if shown.label else []
    if shown.claims:  # their sentences are underlined; `--kind claim` lists them
        meta_parts.append(f"+{len(shown.claims)} claim{'s' * (len(shown.claims) != 1)}")
    if shown.passage_id:
        meta_parts.append(f"in {shown.passage_id}")
    if shown.rec_id:
        meta_parts.append(shown.rec_id)
    meta = terminal_safe("  ".join(meta_parts))
    avail = max(12, width - len(number))
    # room for the text: the lines, less what breaking lines at spaces can lose, less the
    # label and id after it (unless they are so long that they take a line of their own)
    budget = SNIPPET_LINES * avail - (avail // 6) * (SNIPPET_LINES - 1) - 1
    if meta and cells(meta) + 2 <= avail // 2:
        budget -= cells(meta) + 2
    budget = max(10, budget)
    text = terminal_safe(" ".join(shown.text.split()))
    start, end = window(text, first_span(text, terms), budget, cells)
    lead = 1 if start > 0 else 0
    piece = ("…" if start > 0 else "") + text[start:end] + ("…" if end < len(text) else "")
    marks = _claim_marks(text, start, end, lead, [(c, terminal_safe(" ".join(t.split()))) for c, t in shown.claims])
    lines = _wrap(highlighted(piece, terms, "dim" if shown.dim else "", marks), avail)[:SNIPPET_LINES] or [Text("")]
    for ln in lines:
        ln.rstrip()
    if meta:
        if cells(lines[-1].plain) + 2 + cells(meta) <= avail:
            lines[-1].append("  ")
            lines[-1].append(meta, style="dim")
        else:
            lines.append(Text(fit(meta, avail), style="dim"))
    out = []
    for i, ln in enumerate(lines):
        row = Text(number if i == 0 else " " * len(number), style="green")
        row.append_text(ln)
        out.append(row)
    return out


def search_view(groups, terms, width: int, total_hits: int, total_notes: int, shown_hits: int, more_hint: bool) -> list:
    """The rich lines of a search on a terminal: per note a header and its hit lines, then
    ``N hits in M notes``."""
    from rich.text import Text

    out = []
    for i, group in enumerate(groups):
        if i:
            out.append(Text(""))
        out.append(note_header(group, terms, width))
        if group.across:
            out.append(Text(fit("        the words are in different passages of this note:", width), style="dim"))
        for shown in group.lines:
            out.extend(hit_line(shown, terms, width))
    footer = f"{total_hits} hit{'s' * (total_hits != 1)} in {total_notes} note{'s' * (total_notes != 1)}"
    if more_hint:
        footer += f"; showing the best {shown_hits} (--limit N for more, --jsonl for all)"
    out.append(Text(""))
    out.append(Text(fit(footer, width), style="bold"))
    return out


# ------------------------------------------------------------------ record cards ---


def _title_line(note: dict | None, width: int):
    from rich.text import Text

    if not note:
        return None
    about = " — ".join(terminal_safe(x) for x in (note.get("title"), note.get("author")) if x)
    return Text(fit(about, width), style="bold") if about else None


def _field(name: str, value: str, width: int):
    from rich.text import Text

    out = Text(f"{name}  ", style="cyan")
    out.append(terminal_safe(value))
    return out


def record_card(view: dict, note: dict | None, siblings: list[dict], width: int) -> list:
    """`hlkb show` on a terminal: a record as a reader wants it (title — author, where it
    is, its text, the reader's note, tags, its neighbours), not a dump of its fields."""
    from rich.text import Text

    kind = view["kind"]
    out = []
    head = _title_line(note if kind != "note" else view, width)
    if head is not None:
        out.append(head)
    # the path on a line of its own, whole (a terminal folds it if it must; never cut)
    out.append(Text(terminal_safe(f"{view['path']}:{view['line']}"), style="magenta"))
    facts = [f"{kind} {view['id']}"]
    if kind == "highlight" and (view.get("location") or {}).get("label"):
        facts.append(view["location"]["label"])
    if kind == "note":
        facts += [x for x in (view.get("category"), (view.get("date") or "")[:10]) if x]
    if kind == "pair" and view.get("score") is not None:
        facts.append(f"alignment {view['score']:.2f}")
    out.append(Text(terminal_safe(" · ".join(facts)), style="dim"))
    out.append(Text(""))
    if kind == "highlight":
        out.append(rich_text(view.get("text") or ""))
        if view.get("note"):
            out.append(Text(""))
            out.append(_field("Note", view["note"], width))
        if view.get("section"):
            out.append(_field("Section", view["section"], width))
    elif kind == "pair":
        for label, paras, lines in (
            ("EN", view.get("en") or [], view.get("en_lines") or []),
            ("ZH", view.get("zh") or [], view.get("zh_lines") or []),
        ):
            for i, para in enumerate(paras):
                line = lines[i] if i < len(lines) else None
                out.append(Text(f"{label}, line {line}" if line else label, style="cyan"))
                out.append(rich_text(plain_markdown(para)))
        for rep in view.get("repairs") or []:
            out.append(_field("Repaired", f"line {rep.get('line')}: {rep.get('from')!r} → {rep.get('to')!r}", width))
    elif kind == "claim":
        out.append(rich_text(plain_markdown(view.get("text") or "")))
        out.append(Text(""))
        figures = ", ".join(str(f.get("raw")) for f in view.get("figures") or [])
        if figures:
            out.append(_field("Figures", figures, width))
        if view.get("attribution"):
            out.append(_field("Said by", view["attribution"], width))
        check = view.get("check") or "unverified"
        if view.get("counterpart"):
            check += f" (other language: {view['counterpart']})"
        out.append(_field("Check", check, width))
        passage = view.get("highlight_id") or view.get("pair_id")
        if passage:
            out.append(_field("In", passage, width))
    elif kind == "note":
        if view.get("url"):
            out.append(_field("URL", view["url"], width))
        if view.get("summary"):
            out.append(_field("Summary", view["summary"], width))

        def count(n, word):
            return f"{n} {word}{'s' * (n != 1)}"

        counts = [count(view.get("highlight_count", 0), "highlight")]
        if view.get("pair_count"):
            counts.append(count(view["pair_count"], "pair"))
        if view.get("claim_count"):
            counts.append(count(view["claim_count"], "claim"))
        out.append(Text(", ".join(counts), style="dim"))
    tags = view.get("tags") or []
    if tags:
        out.append(_field("Tags", " ".join("#" + str(t).lstrip("#") for t in tags), width))
    if kind == "note":
        highlights = view.get("highlights") or []
        if highlights:
            out.append(Text(""))
        for h in highlights:
            line = Text(f"{h['line']:>6}  ", style="green")
            rest = width - 8 - len(h["id"]) - 2
            line.append(fit(terminal_safe(h.get("text") or ""), max(10, rest)))
            line.append("  ")
            line.append(h["id"], style="dim")
            out.append(line)
    else:
        prev_id, next_id = view.get("previous_id"), view.get("next_id")
        if prev_id or next_id:
            out.append(Text(""))
            nav = Text(style="dim")
            nav.append(f"← {prev_id}" if prev_id else "← (first)")
            nav.append("    ")
            nav.append(f"{next_id} →" if next_id else "(last) →")
            out.append(nav)
    return out
