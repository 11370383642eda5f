"""hlkb: a command-line knowledge base for Readwise-style highlight notes.

The public API (docs/api.md has runnable examples)::

    note = hlkb.parse_file("notes/Deep Work.md")     # highlights, pairs and claims
    with hlkb.open_index("notes") as index:           # the vault's index (created if need be)
        hlkb.refresh(index)
        for rec in hlkb.search(index, "reading room", kind=["highlight"]):
            print(rec["id"], rec["text"])
    plan = hlkb.plan_tags("add", "to-read", [rec["id"]], vault="notes")
    print(plan.diff())
    hlkb.apply_tags(plan, vault="notes")
    hlkb.write_records(hlkb.records(note), "jsonl", sys.stdout)

Every name below is imported on first use, so ``import hlkb`` stays cheap (the command
line imports it for ``__version__`` alone).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Version of the JSON record shapes (docs/records.md). Bump on any incompatible change.
SCHEMA_VERSION = 1

# public name -> the module that defines it
_EXPORTS: dict[str, str] = {
    # parsing: a file or a text into a Note with its highlights, pairs and claims
    "parse_file": "hlkb._api",
    "parse_text": "hlkb._api",
    "Note": "hlkb.model",
    "Highlight": "hlkb.model",
    "Pair": "hlkb.model",
    "Claim": "hlkb.model",
    "Location": "hlkb.model",
    "Diagnostic": "hlkb.model",
    "to_record": "hlkb._api",
    "records": "hlkb._api",
    # the index: open, refresh, search with the CLI's filters, one record by id
    "Index": "hlkb.index",
    "open_index": "hlkb.index",
    "refresh": "hlkb.index",
    "RefreshSummary": "hlkb.index",
    "search": "hlkb._api",
    "Filters": "hlkb.filters",
    "build_filters": "hlkb.filters",
    "get_record": "hlkb.index",
    # tags: plan, then apply
    "TagPlan": "hlkb.tagging",
    "TagResult": "hlkb.tagging",
    "plan_tags": "hlkb.tagging",
    "plan_tag_rename": "hlkb.tagging",
    "apply_tags": "hlkb.tagging",
    # export: every record format in one registry
    "write_records": "hlkb._api",
    "FORMATS": "hlkb.export.formats",
    # errors: every error hlkb raises for bad input is an HlkbError
    "HlkbError": "hlkb.errors",
    "InputError": "hlkb.errors",
    "UsageError": "hlkb.errors",
}

_RENAMED = {"FORMATS": "REGISTRY"}

# the same names as _EXPORTS (tests/test_public_api.py checks it), spelled out for linters
__all__ = [
    "SCHEMA_VERSION",
    "__version__",
    "parse_file",
    "parse_text",
    "Note",
    "Highlight",
    "Pair",
    "Claim",
    "Location",
    "Diagnostic",
    "to_record",
    "records",
    "Index",
    "open_index",
    "refresh",
    "RefreshSummary",
    "search",
    "Filters",
    "build_filters",
    "get_record",
    "TagPlan",
    "TagResult",
    "plan_tags",
    "plan_tag_rename",
    "apply_tags",
    "write_records",
    "FORMATS",
    "HlkbError",
    "InputError",
    "UsageError",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hlkb' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), _RENAMED.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # what type checkers and editors see
    from hlkb._api import parse_file, parse_text, records, search, to_record, write_records
    from hlkb.errors import HlkbError, InputError, UsageError
    from hlkb.export.formats import REGISTRY as FORMATS
    from hlkb.filters import Filters, build_filters
    from hlkb.index import Index, RefreshSummary, get_record, open_index
    from hlkb.index.refresh import refresh
    from hlkb.model import Claim, Diagnostic, Highlight, Location, Note, Pair
    from hlkb.tagging import TagPlan, TagResult, apply_tags, plan_tag_rename, plan_tags
