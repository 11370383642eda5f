"""Tagging a vault in two steps, as ``hlkb tag`` does: plan, then apply.

``plan_tags`` / ``plan_tag_rename`` read the files and work out every edit without writing
anything; the plan shows what would change (``plan.diff()``, what ``--dry-run`` prints).
``apply_tags`` writes the plan: only if no file refused (``plan.errors``), each file
atomically and only if it still holds the bytes the plan was made from, under the vault's
edit lock; then the edited files are re-indexed. See docs/tags.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from hlkb.atomicfile import sweep_one
from hlkb.edit.batch import Target, plan_renames, plan_targets, write_plans
from hlkb.edit.lock import vault_edit_lock
from hlkb.edit.plan import FilePlan
from hlkb.edit.tagnames import normalize_tag
from hlkb.edit.targets import TargetResolver
from hlkb.errors import UsageError
from hlkb.filters import Filters
from hlkb.vault import iter_note_files

ACTIONS = ("add", "remove")


@dataclass
class TagPlan:
    """The edits of one tag command, not yet written."""

    description: str  # "add reading", "rename a -> b"
    files: list[FilePlan] = field(default_factory=list)  # every file looked at that holds a target
    errors: list[str] = field(default_factory=list)  # files that cannot be edited safely
    unreadable: list[str] = field(default_factory=list)  # a rename skips files it cannot read

    @property
    def changed(self) -> list[FilePlan]:
        """The files that would change (the others are already as asked)."""
        return [p for p in self.files if p.changed]

    @property
    def notes(self) -> list[str]:
        """What the plans say about their files (a tag already present, a case fold)."""
        return [line for p in self.files for line in p.messages]

    def diff(self) -> str:
        """The unified diff of every file that would change."""
        return "".join(p.diff() for p in self.changed)


@dataclass
class TagResult:
    written: list[FilePlan] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # files not written (changed meanwhile, ...)
    index_warning: str | None = None  # written, but the index could not follow


def plan_tags(
    action: str,
    tag: str,
    targets: Iterable[str] = (),
    *,
    vault: str | Path,
    query: str | None = None,
    filters: Filters | None = None,
    hyphenate: bool = False,
    resolver: TargetResolver | None = None,
) -> TagPlan:
    """Plan adding (``action="add"``) or removing ``tag`` on ``targets`` (note files, note
    ids, highlight ids; a unique prefix is enough) and, with ``query``, on every search hit
    of it ("" = every record) that passes ``filters``. Ids and queries use the vault's index
    (``resolver`` says how to open it; by default ``hlkb.open_index(vault)`` as it is)."""
    if action not in ACTIONS:
        raise UsageError(f"tag action must be one of {', '.join(ACTIONS)}, not {action!r}")
    name = normalize_tag(tag, hyphenate=hyphenate)
    targets = list(targets)
    if not targets and query is None:
        raise UsageError(f"tag {action}: give one or more TARGETs (note files or ids) or --query")
    own = resolver is None
    resolver = resolver or TargetResolver(Path(vault).resolve())
    try:
        resolved = [resolver.resolve(t) for t in targets]
        if query is not None:
            resolved += resolver.query_targets(query, filters)
    finally:
        if own:
            resolver.close()
    return plan_resolved(action, name, resolved)


def plan_resolved(action: str, tag: str, targets: Iterable[Target]) -> TagPlan:
    """``plan_tags`` for targets already resolved to files (``TargetResolver``)."""
    name = normalize_tag(tag)
    plans, errors = plan_targets(action, name, list(targets))
    return TagPlan(f"{action} {name}", plans, errors)


def plan_tag_rename(
    old: str,
    new: str,
    *,
    vault: str | Path,
    hyphenate: bool = False,
    on_error: Callable[[str, str], None] | None = None,
) -> TagPlan:
    """Plan renaming tag ``old`` to ``new`` in every note of the vault: front matter,
    Document Tags, highlight Tags: lines and inline #tags (merging where both exist).
    ``on_error(path, message)`` hears of files the walk could not read."""
    old_name = normalize_tag(old, hyphenate=hyphenate)
    new_name = normalize_tag(new, hyphenate=hyphenate)
    root = Path(vault).resolve()
    report = on_error or (lambda path, what: None)
    if old_name == new_name:
        return TagPlan(f"rename {old_name} -> {new_name}")
    # a killed earlier edit's temporary files are removed on the way
    files = [
        (f.path, f.rel)
        for f in iter_note_files(root, on_error=report, on_temp_file=lambda path: sweep_one(path, report))
    ]
    plans, errors, unreadable = plan_renames(files, old_name, new_name)
    return TagPlan(f"rename {old_name} -> {new_name}", plans, errors, unreadable)


def edit_lock(vault: str | Path, on_wait: Callable[[], None] | None = None) -> AbstractContextManager[None]:
    """The vault's edit lock (one editing hlkb at a time); hold it from planning to the last
    write to be sure no other hlkb edits in between."""
    return vault_edit_lock(Path(vault).resolve(), on_wait=on_wait)


def apply_tags(
    plan: TagPlan, *, vault: str | Path, resolver: TargetResolver | None = None, lock: bool = True
) -> TagResult:
    """Write ``plan`` (nothing if it has errors) and re-index the files written, if the vault
    has an index. ``lock=False`` when the caller already holds ``edit_lock(vault)``."""
    root = Path(vault).resolve()
    if plan.errors:
        return TagResult(errors=list(plan.errors))
    with edit_lock(root) if lock else nullcontext():
        written, errors = write_plans(plan.changed, root)
    result = TagResult(written, errors)
    if written:
        own = resolver is None
        resolver = resolver or TargetResolver(root)
        try:
            result.index_warning = resolver.update_index([Path(p.src.path) for p in written if p.src.path])
        finally:
            if own:
                resolver.close()
    return result
