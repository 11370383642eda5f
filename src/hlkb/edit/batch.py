"""Many files at once: plan every edit first, write only when all plans are sound.

A command that touches several files plans them all before writing any, so a bad target
or an unsafe edit stops the whole command with nothing changed. Writes then happen file by
file (each atomic and hash-checked); a file changed meanwhile is reported and skipped.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from hlkb.edit.plan import FilePlan, TagOp, plan_rename, plan_tag_edits, write_plan
from hlkb.edit.source import load_source
from hlkb.edit.tagnames import tag_key
from hlkb.errors import HlkbError


@dataclass(frozen=True)
class Target:
    path: Path  # on disk
    display: str  # as messages and diffs name it
    highlight_id: str | None = None  # None: the note itself


def plan_targets(action: str, tag: str, targets: list[Target]) -> tuple[list[FilePlan], list[str]]:
    """One plan per file for adding/removing ``tag`` on ``targets``; (plans, error lines)."""
    by_file: dict[Path, list[Target]] = {}
    for t in targets:
        by_file.setdefault(Path(t.path).resolve(), []).append(t)
    plans: list[FilePlan] = []
    errors: list[str] = []
    for path, group in by_file.items():
        ops = list(dict.fromkeys(TagOp(action, tag, t.highlight_id) for t in group))
        try:
            src = load_source(path, group[0].display)
            plans.append(plan_tag_edits(src, ops))
        except HlkbError as exc:
            errors.append(str(exc))
    return plans, errors


def plan_renames(files: list[tuple[Path, str]], old: str, new: str) -> tuple[list[FilePlan], list[str], list[str]]:
    """(plans of the files that change, errors that must stop the rename, unreadable files).

    A file that cannot be read or decoded cannot be renamed in, but it does not make editing
    the others unsafe, so it is reported apart from the files that hold the tag and refuse.
    """
    plans: list[FilePlan] = []
    errors: list[str] = []
    unreadable: list[str] = []
    for path, display in _one_name_each(files):
        try:
            src = load_source(path, display)
        except HlkbError as exc:
            unreadable.append(str(exc))
            continue
        if tag_key(old) not in unicodedata.normalize("NFKC", src.text).casefold():
            continue  # cheap skip: the tag cannot be in this file
        try:
            plan = plan_rename(src, old, new)
        except HlkbError as exc:
            errors.append(str(exc))
            continue
        if plan.changed:
            plans.append(plan)
    return plans, errors, unreadable


def _one_name_each(files: list[tuple[Path, str]]) -> list[tuple[Path, str]]:
    """The files with symlinks to one note of the vault kept once (its own name preferred):
    planned twice, the second write would find the file changed by the first."""
    by_real: dict[str, int] = {}
    out: list[tuple[Path, str]] = []
    for path, display in files:
        real = os.path.realpath(path)
        if real not in by_real:
            by_real[real] = len(out)
            out.append((path, display))
        elif os.path.islink(out[by_real[real]][0]) and not os.path.islink(path):
            out[by_real[real]] = (path, display)
    return out


def write_plans(plans: list[FilePlan], root: Path | None = None) -> tuple[list[FilePlan], list[str]]:
    """Write each changed plan; a file outside the vault ``root`` (if given) is never written."""
    written: list[FilePlan] = []
    errors: list[str] = []
    for plan in plans:
        if not plan.changed:
            continue
        try:
            write_plan(plan, root)
        except HlkbError as exc:
            errors.append(str(exc))
            continue
        written.append(plan)
    return written, errors
