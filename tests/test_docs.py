"""The documentation is complete and true (in the spirit of sqlite-utils' test_docs.py).

- every command and subcommand of the CLI, and each of its long options, has its section
  and an options-table row in docs/commands.md;
- every field of every record definition in src/hlkb/schema/records.schema.json (nested
  ones by their path: ``location.label``, ``repairs[].kind``) has a table row in its
  record's section of docs/records.md;
- every relative link and ``#anchor`` in README.md and docs/*.md points at a file and a
  heading that exist;
- every ``>>>`` example in docs/*.md runs as a doctest, from a folder holding a copy of the
  sample vault as ``notes/``.

Each failure names what is missing and where it should go.
"""

# The Typer app, or a function returning it: repoint this one line when the CLI moves.
import doctest
import io
import json
import re
import shutil
from difflib import get_close_matches
from pathlib import Path

import pytest
import typer

from hlkb.cli import build_app as CLI_APP

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
COMMANDS_MD = DOCS / "commands.md"
RECORDS_MD = DOCS / "records.md"
SCHEMA = ROOT / "src" / "hlkb" / "schema" / "records.schema.json"
SAMPLE_VAULT = ROOT / "notes"
MARKDOWN_FILES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]

# the records.md heading of each schema definition (others: "<Name> record")
RECORD_SECTIONS = {"header": "JSONL header line", "envelope": "JSON export envelope"}


# ---------------------------------------------------------------------------- Markdown

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) of the lines outside fenced code blocks."""
    out, fence = [], None
    for number, line in enumerate(text.splitlines(), 1):
        m = FENCE.match(line)
        if m:
            if fence is None:
                fence = m.group(1)
            elif m.group(1) == fence:
                fence = None
            continue
        if fence is None:
            out.append((number, line))
    return out


def without_code_spans(line: str) -> str:
    return re.sub(r"(`+)(?:(?!\1).)+?\1", lambda m: " " * len(m.group(0)), line)


def heading_title(raw: str) -> str:
    """A heading as read: inline code, emphasis and link syntax taken off."""
    title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", raw)
    return title.replace("`", "").strip()


def slug(title: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def headings(text: str) -> list[tuple[int, int, str]]:
    """(line number, level, title) of every heading outside code."""
    out = []
    for number, line in prose_lines(text):
        m = HEADING.match(line)
        if m:
            out.append((number, len(m.group(1)), heading_title(m.group(2))))
    return out


def anchors(text: str) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for _, _, title in headings(text):
        base = slug(title)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    out.update(re.findall(r"""<a\s+(?:id|name)=["']([^"']+)["']""", text))
    return out


def section(text: str, title: str, stop_at=lambda title: False) -> list[str] | None:
    """The lines under the heading ``title`` up to the next heading of its level or higher
    (or a heading ``stop_at`` accepts), or None when there is no such heading."""
    lines = text.splitlines()
    found = headings(text)
    for i, (number, level, t) in enumerate(found):
        if t != title:
            continue
        end = len(lines) + 1
        for next_number, next_level, next_title in found[i + 1 :]:
            if next_level <= level or stop_at(next_title):
                end = next_number
                break
        return lines[number : end - 1]
    return None


def table_keys(lines: list[str]) -> set[str]:
    """The backticked names in the first cell of every table row (``|a\\|b|`` is one cell)."""
    keys = set()
    for line in lines:
        if not line.lstrip().startswith("|"):
            continue
        cells = re.split(r"(?<!\\)\|", line.strip())
        if len(cells) > 1:
            keys.update(re.findall(r"`([^`]+)`", cells[1]))
    return keys


# ---------------------------------------------------------------------------- commands


def cli_root(app=None):
    app = CLI_APP if app is None else app
    if not isinstance(app, typer.Typer) and callable(app):
        app = app()
    return typer.main.get_command(app)


def command_tree(app=None) -> list[tuple[str, list[str]]]:
    """("hlkb tag add", [its long options]) for the program and every visible (sub)command,
    groups walked through list_commands/get_command so lazily loaded commands count too."""
    out = []

    def walk(cmd, path, parent):
        ctx = cmd.context_class(cmd, info_name=path[-1], parent=parent)
        options = []
        for param in cmd.params:
            if param.param_type_name == "option" and not getattr(param, "hidden", False):
                options += [o for o in (*param.opts, *param.secondary_opts) if o.startswith("--")]
        out.append((" ".join(path), options))
        if hasattr(cmd, "list_commands"):
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                if sub is not None and not getattr(sub, "hidden", False):
                    walk(sub, [*path, name], ctx)

    walk(cli_root(app), ["hlkb"], None)
    return out


def undocumented_options(command: str, options: list[str], text: str, page: str = "docs/commands.md") -> list[str]:
    body = section(text, command, stop_at=lambda title: title.startswith("hlkb "))
    if body is None:
        parent = command.rsplit(" ", 1)[0]
        where = (
            "'## " + command + "'" if " " not in command or parent == "hlkb" else f"'### {command}' under '## {parent}'"
        )
        return [
            f"{page} has no section for `{command}`: add a heading {where} with a table of "
            f"its options (option | default | meaning)"
        ]
    documented = " ".join(table_keys(body))
    missing = []
    for option in options:
        if not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", documented):
            missing.append(
                f"{page}: option {option} of `{command}` is not documented: add a row "
                f"`| `{option}` | default | meaning |` to the options table under the heading "
                f"'{command}'"
            )
    return missing


_TREE: list | None = None


def command_tree_cached():
    global _TREE
    if _TREE is None:
        _TREE = command_tree()
    return _TREE


@pytest.mark.parametrize("command,options", command_tree_cached(), ids=[c for c, _ in command_tree_cached()])
def test_command_and_options_documented(command, options):
    problems = undocumented_options(command, options, COMMANDS_MD.read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems)


def test_the_command_check_finds_what_is_missing():
    demo = typer.Typer(add_completion=False)

    @demo.command()
    def go(flag: bool = typer.Option(False, "--flag/--no-flag"), level: int = typer.Option(1, "--level", "-l")):
        """A demo command."""

    @demo.command()
    def stop():
        """Another, so that the app is a group."""

    tree = dict(command_tree(demo))
    assert tree == {"hlkb": [], "hlkb go": ["--flag", "--no-flag", "--level"], "hlkb stop": []}
    page = (
        "## hlkb go\n\n| option | meaning |\n| --- | --- |\n| `--flag` / `--no-flag` | on or off |\n"
        "\n## hlkb other\n\n| `--level` | not here |\n"
    )
    problems = undocumented_options("hlkb go", tree["hlkb go"], page)
    assert len(problems) == 1 and "--level" in problems[0] and "hlkb go" in problems[0]
    assert "no section for `hlkb stop`" in undocumented_options("hlkb stop", [], page)[0]


# ---------------------------------------------------------------------------- records


def schema_fields(node: dict, prefix: str = ""):
    """Every property path under ``node``: ``a``, ``a.b`` (object), ``a[].b`` (array of objects)."""
    for name, sub in node.get("properties", {}).items():
        path = prefix + name
        yield path
        yield from nested_fields(sub, path)


def nested_fields(node: dict, path: str):
    for key in ("oneOf", "anyOf", "allOf"):
        for alternative in node.get(key, []):
            yield from nested_fields(alternative, path)
    if "properties" in node:
        yield from schema_fields(node, path + ".")
    items = node.get("items")
    if isinstance(items, dict):
        yield from nested_fields(items, path + "[]")


def record_definitions():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return [(name, d) for name, d in schema["$defs"].items() if "properties" in d]


def record_heading(name: str) -> str:
    return RECORD_SECTIONS.get(name, f"{name.capitalize()} record")


def undocumented_fields(name: str, definition: dict, text: str) -> list[str]:
    heading = record_heading(name)
    body = section(text, heading)
    schema_file = SCHEMA.relative_to(ROOT).as_posix()
    if body is None:
        return [
            f"docs/records.md has no section '## {heading}' for the {name} record ($defs/{name} "
            f"of {schema_file}): add it with a table of its fields (field | meaning)"
        ]
    documented = table_keys(body)
    return [
        f"docs/records.md: field `{field}` of the {name} record ($defs/{name} of {schema_file}) is "
        f"not documented: add a row `| `{field}` | meaning |` to the table under '## {heading}'"
        for field in dict.fromkeys(schema_fields(definition))
        if field not in documented
    ]


@pytest.mark.parametrize("name,definition", record_definitions(), ids=[n for n, _ in record_definitions()])
def test_record_fields_documented(name, definition):
    problems = undocumented_fields(name, definition, RECORDS_MD.read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems)


def test_records_page_states_the_schema_version():
    version = json.loads(SCHEMA.read_text(encoding="utf-8"))["x-schema-version"]
    text = RECORDS_MD.read_text(encoding="utf-8")
    assert f"(currently {version})" in text, (
        f"docs/records.md: the schema version is now {version} (x-schema-version of "
        f"{SCHEMA.relative_to(ROOT).as_posix()}): say `schema_version` (currently {version}) under "
        "'## JSON records and their version'"
    )


def test_the_field_check_finds_what_is_missing():
    definition = {
        "properties": {
            "kind": {},
            "figures": {"type": "array", "items": {"type": "object", "properties": {"raw": {}, "value": {}}}},
            "location": {"oneOf": [{"type": "null"}, {"type": "object", "properties": {"label": {}}}]},
        }
    }
    assert list(schema_fields(definition)) == [
        "kind",
        "figures",
        "figures[].raw",
        "figures[].value",
        "location",
        "location.label",
    ]
    page = (
        "## Claim record\n\n| field | meaning |\n| --- | --- |\n| `kind`, `figures` | x |\n"
        "| `figures[].raw` | y |\n| `location` | z |\n\n## Other\n\n| `figures[].value` | elsewhere |\n"
    )
    problems = undocumented_fields("claim", definition, page)
    assert [p.split("`")[1] for p in problems] == ["figures[].value", "location.label"]
    assert "'## Claim record'" in problems[0]


# ---------------------------------------------------------------------------- links

LINK = re.compile(r"!?\[[^\]]*\]\((<[^>]*>|[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+\"[^\"]*\")?\)")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*(\S+)")
HREF = re.compile(r"""href=["']([^"']+)["']""")


def links(text: str):
    """(line, target) of every link outside code."""
    for number, line in prose_lines(text):
        line = without_code_spans(line)
        for pattern in (LINK, REFERENCE, HREF):
            for m in pattern.finditer(line):
                yield number, m.group(1).strip("<>")


def broken_links(md: Path, root: Path = ROOT) -> list[str]:
    problems = []
    shown = md.relative_to(root).as_posix()
    for number, target in links(md.read_text(encoding="utf-8")):
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//", target):
            continue  # https:, mailto: …
        path, _, anchor = target.partition("#")
        dest = (md.parent / path).resolve() if path else md
        if not dest.exists():
            problems.append(
                f"{shown}:{number}: link to {target}: {path} does not exist "
                f"(relative to {md.parent.relative_to(root).as_posix()}/)"
            )
            continue
        if anchor and dest.suffix == ".md":
            known = anchors(dest.read_text(encoding="utf-8"))
            if anchor not in known:
                near = get_close_matches(anchor, sorted(known), n=3)
                problems.append(
                    f"{shown}:{number}: link to {target}: {dest.relative_to(root).as_posix()} "
                    f"has no heading with the anchor #{anchor}"
                    + (f" (did you mean {', '.join('#' + a for a in near)}?)" if near else "")
                )
    return problems


@pytest.mark.parametrize("md", MARKDOWN_FILES, ids=[p.relative_to(ROOT).as_posix() for p in MARKDOWN_FILES])
def test_links_and_anchors_resolve(md):
    problems = broken_links(md)
    assert not problems, "\n".join(problems)


def test_anchors_are_githubs():
    assert slug("Measured (benchmarks/claims_eval.py)") == "measured-benchmarksclaims_evalpy"
    assert slug("Is it a bilingual article?") == "is-it-a-bilingual-article"
    assert slug(heading_title("`hlkb tag add`")) == "hlkb-tag-add"
    assert anchors("# A\n## A\n```\n# not a heading\n```\n") == {"a", "a-1"}


def test_the_link_check_finds_what_is_broken(tmp_path):
    (tmp_path / "b.md").write_text("# Real heading\n", encoding="utf-8")
    md = tmp_path / "a.md"
    md.write_text(
        "[ok](b.md#real-heading) [x](b.md#gone) [y](missing.md) `[z](nope.md)`\n"
        "[self](#top) [web](https://example.org/x.md)\n\n```\n[in code](nowhere.md)\n```\n",
        encoding="utf-8",
    )
    problems = broken_links(md, root=tmp_path)
    assert len(problems) == 3, problems
    assert "#gone" in problems[0] and "missing.md does not exist" in problems[1] and "#top" in problems[2]


# ---------------------------------------------------------------------------- doctests

DOCTEST_FILES = [p for p in MARKDOWN_FILES if re.search(r"^\s*>>> ", p.read_text(encoding="utf-8"), re.M)]


@pytest.mark.parametrize("md", DOCTEST_FILES, ids=[p.relative_to(ROOT).as_posix() for p in DOCTEST_FILES])
def test_doc_examples_run(md, tmp_path, monkeypatch):
    """The page's ``>>>`` examples, run in a folder that holds a copy of the sample vault as
    ``notes/`` (so they may index it and write beside it)."""
    shutil.copytree(SAMPLE_VAULT, tmp_path / "notes", ignore=shutil.ignore_patterns(".hlkb"))  # not a user's index
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HLKB_VAULT", raising=False)
    # a code fence line ends an example's expected output, as a blank line does
    text = "\n".join("" if FENCE.match(line) else line for line in md.read_text(encoding="utf-8").splitlines())
    shown = md.relative_to(ROOT).as_posix()
    test = doctest.DocTestParser().get_doctest(text, {"__name__": md.stem}, shown, shown, 0)
    out = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test, out=out.write)
    assert runner.failures == 0, (
        f"{shown}: {runner.failures} example(s) failed; fix the page or the code:\n" + out.getvalue()
    )
