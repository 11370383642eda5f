"""The user's query syntax -> an FTS5 MATCH expression.

Syntax: words are ANDed; ``OR`` between terms; ``-word`` or ``NOT word`` excludes;
``"exact phrase"``; ``prefix*``; ``( ... )`` groups; field prefixes ``title:``,
``author:``, ``tag:``, ``note:`` (the reader's annotation) restrict a term to a field.
Any other ``word:thing`` is an ordinary word. A malformed query raises UsageError here,
so SQLite never sees (and never reports) a syntax error.

The result is a tree (Leaf, And, Or, Not) whose leaves are single FTS5 phrase queries:
search evaluates it over a note's rows (match.py), so that words in different passages of
one note still find the note. ``match`` is the same query as one FTS5 expression over one
row's own columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hlkb.errors import UsageError
from hlkb.index.cjk import (
    ends_with_one_character_run,
    fold_same_length,
    has_cjk,
    query_tokens,
    strip_particles,
    to_simplified,
)

# FTS5 column sets. Unqualified terms search what a row itself says (a note's title, a
# passage's text, the annotation, and metadata). title:, author: and tag: are properties
# of the note that every passage of it has too (INHERITED: true for a passage when its
# note's row matches).
DEFAULT_COLUMNS = "{title body note meta}"
FIELD_COLUMNS = {
    "title": "{title}",
    "author": "{author}",
    "tag": "{tag}",
    "tags": "{tag}",
    "note": "{note}",
}
INHERITED = {"title", "author", "tag", "tags"}

_TOKEN = re.compile(r'\s+|\(|\)|"[^"]*"?|[^\s()"]+(?:"[^"]*"?)?')

# Bounds on what one query may ask (issue 20), so that every query accepted is answered in
# about a second at 10,000 notes (benchmarks/bench_query.py) and none can exhaust the parser:
MAX_QUERY_CHARS = 1000  # a longer "query" is pasted text, not a search
MAX_DEPTH = 16  # nested parentheses
MAX_TERMS = 12  # distinct terms; a prefix term counts as more (it stands for many words)
PREFIX_COST = {1: 10, 2: 6}  # by letters before the *; a longer prefix counts as 2


@dataclass
class Leaf:
    match: str  # one FTS5 phrase query with its column filter
    inherited: bool = False  # true for a passage whose note's row matches it

    def fts(self) -> str:
        return self.match


@dataclass
class And:
    items: list

    def fts(self) -> str:
        return "(" + " AND ".join(i.fts() for i in self.items) + ")"


@dataclass
class Or:
    items: list

    def fts(self) -> str:
        return "(" + " OR ".join(i.fts() for i in self.items) + ")"


@dataclass
class Not:
    positive: object
    negative: object

    def fts(self) -> str:
        return f"({self.positive.fts()} NOT {self.negative.fts()})"


@dataclass
class ParsedQuery:
    match: str  # FTS5 MATCH expression over one row
    terms: list[tuple[str, bool]] = field(default_factory=list)  # (folded text, prefix) to highlight
    tree: object = None  # Leaf / And / Or / Not

    def leaves(self, positive_only: bool = False) -> list[Leaf]:
        """The tree's leaves; with positive_only, not those under a NOT."""
        out: list[Leaf] = []

        def walk(node):
            if isinstance(node, Leaf):
                out.append(node)
            elif isinstance(node, (And, Or)):
                for item in node.items:
                    walk(item)
            elif isinstance(node, Not):
                walk(node.positive)
                if not positive_only:
                    walk(node.negative)

        walk(self.tree)
        return out


@dataclass
class _Term:
    text: str
    prefix: bool = False
    phrase: bool = False
    columns: str = DEFAULT_COLUMNS
    inherited: bool = False


def _tokenize(query: str) -> list[str]:
    tokens = []
    pos = 0
    while pos < len(query):
        m = _TOKEN.match(query, pos)
        if m is None:  # pragma: no cover - the pattern matches any character class
            raise UsageError(f"cannot read the query at {query[pos : pos + 10]!r}")
        tok = m.group(0)
        pos = m.end()
        if tok.isspace():
            continue
        if tok.count('"') % 2:
            raise UsageError(f"unbalanced quote in query: {query!r}")
        tokens.append(tok)
    return tokens


class _Parser:
    def __init__(self, query: str):
        self.query = query
        self.tokens = _tokenize(check_size(query))
        check_depth(self.tokens, query)
        self.pos = 0
        self.terms: list[tuple[str, bool]] = []
        self.cost: dict[str, int] = {}  # each distinct term's share of MAX_TERMS

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self):
        tok = self.peek()
        self.pos += 1
        return tok

    def parse(self):
        expr = self.or_expr()
        if self.peek() is not None:
            raise UsageError(f"unexpected {self.peek()!r} in query: {self.query!r}")
        if expr is None:
            raise UsageError(f"the query has no searchable words: {self.query!r}")
        return expr

    def or_expr(self):
        parts = []
        while True:
            part = self.and_expr()
            if part is None:
                if parts or self.peek() == "OR":
                    raise UsageError(f"OR needs a term on both sides: {self.query!r}")
                return None
            parts.append(part)
            if self.peek() == "OR":
                self.take()
                continue
            break
        parts = list({p.fts(): p for p in parts}.values())  # "a OR a" is "a"
        return parts[0] if len(parts) == 1 else Or(parts)

    def and_expr(self):
        positives: list = []
        negatives: list = []
        while True:
            tok = self.peek()
            if tok is None or tok == ")" or tok == "OR":
                break
            negate = False
            if tok == "NOT":
                self.take()
                negate = True
                if self.peek() in (None, ")", "OR"):
                    raise UsageError(f"NOT needs a term after it: {self.query!r}")
            elif tok.startswith("-") and len(tok) > 1:
                self.tokens[self.pos] = tok[1:]
                negate = True
            elif tok == "AND":
                self.take()
                continue
            atom = self.atom(collect=not negate)
            if atom is None:
                continue
            (negatives if negate else positives).append(atom)
        positives = list({p.fts(): p for p in positives}.values())  # "a a" is "a"
        negatives = list({n.fts(): n for n in negatives}.values())
        if not positives:
            if negatives:
                raise UsageError(
                    f"a query needs at least one word that is not excluded (with - or NOT): {self.query!r}"
                )
            return None
        expr = positives[0] if len(positives) == 1 else And(positives)
        for neg in negatives:
            expr = Not(expr, neg)
        return expr

    def atom(self, collect: bool):
        tok = self.take()
        if tok == "(":
            inner = self.or_expr()
            if self.take() != ")":
                raise UsageError(f"unbalanced parenthesis in query: {self.query!r}")
            return inner
        if tok == ")":
            raise UsageError(f"unbalanced parenthesis in query: {self.query!r}")
        columns = DEFAULT_COLUMNS
        inherited = False
        m = re.match(r"^([A-Za-z]+):(.+)$", tok, re.S)
        if m and m.group(1).lower() in FIELD_COLUMNS:
            columns = FIELD_COLUMNS[m.group(1).lower()]
            inherited = m.group(1).lower() in INHERITED
            tok = m.group(2)
            if m.group(1).lower() in ("tag", "tags"):
                tok = tok.lstrip("#")
        term = _Term(text=tok, columns=columns, inherited=inherited)
        if tok.startswith('"'):
            term.phrase = True
            term.text = tok[1:-1] if tok.endswith('"') and len(tok) > 1 else tok[1:]
            if tok.endswith('"*'):
                term.text, term.prefix = tok[1:-2], True
        elif tok.endswith("*"):
            term.text, term.prefix = tok.rstrip("*"), True
        return self.emit(term, collect)

    def emit(self, term: _Term, collect: bool) -> Leaf | None:
        if not term.phrase and not term.prefix:
            term.text = strip_particles(to_simplified(term.text))
        tokens, cjk_prefix = query_tokens(term.text)
        # Keep only what the tokenizer will see as words; punctuation alone matches nothing.
        tokens = [t for t in tokens if re.search(r"\w", t)]
        if not tokens:
            return None
        prefix = term.prefix or cjk_prefix
        quoted = '"' + " ".join(tokens).replace('"', '""') + '"'
        if prefix:
            quoted += " *"
        if collect:
            found = (fold_same_length(term.text.strip()), prefix)
            if found not in self.terms:
                self.terms.append(found)
        expr = f"{term.columns} : {quoted}"
        self.count(expr, term, tokens, cjk_prefix and ends_with_one_character_run(term.text))
        return Leaf(expr, term.inherited)

    def count(self, expr: str, term: _Term, tokens: list[str], one_character: bool) -> None:
        """Charge a new distinct term against MAX_TERMS (the same term again is free).
        ``one_character``: the term ends in a one-character CJK word."""
        if expr in self.cost:
            return
        cost = 1
        if one_character:
            cost = 2  # (its token and its marked form: cjk.py)
        elif term.prefix and not has_cjk(tokens[-1]):
            # a CJK character as a prefix is two terms at most; a Latin one may be thousands
            cost = PREFIX_COST.get(len(tokens[-1]), 2)
        self.cost[expr] = cost
        if sum(self.cost.values()) > MAX_TERMS:
            raise UsageError(
                f"the query has too many terms (at most {MAX_TERMS} different words; a prefix* "
                "counts as 2, a two-letter one as 6, a one-letter one as 10): narrow it"
            )


def check_size(query: str) -> str:
    if len(query) > MAX_QUERY_CHARS:
        raise UsageError(f"the query is too long ({len(query)} characters; at most {MAX_QUERY_CHARS})")
    return query


def check_depth(tokens: list[str], query: str) -> None:
    """Refuse parentheses nested deeper than MAX_DEPTH before the (recursive) parser sees them."""
    depth = 0
    for tok in tokens:
        if tok == "(":
            depth += 1
            if depth > MAX_DEPTH:
                raise UsageError(f"the query nests parentheses deeper than {MAX_DEPTH}: {query[:60]!r}…")
        elif tok == ")":
            depth -= 1


def parse_query(query: str) -> ParsedQuery:
    """Parse a user query; raises UsageError for a malformed or empty one."""
    parser = _Parser(query)
    tree = parser.parse()
    return ParsedQuery(match=tree.fts(), terms=parser.terms, tree=tree)
