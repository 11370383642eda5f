"""One tag change (add / remove / rename) applied to a list of tag values, keeping the rest."""

from __future__ import annotations

from dataclasses import dataclass, field

from hlkb.edit.tagnames import renamed, tag_key


@dataclass
class TagChange:
    add: list[str] = field(default_factory=list)  # valid names (normalize_tag)
    remove: list[str] = field(default_factory=list)
    rename: tuple[str, str] | None = None

    def apply(self, values: list[str]) -> list[tuple[int | None, str]]:
        """The new list as (index of the unchanged original item, or None for a new text; value).

        Items the change does not concern keep their index, so callers can keep their exact
        text. A rename onto a tag that is already there merges (no duplicate is left).
        """
        removed = {tag_key(r) for r in self.remove}
        untouched_keys = set()
        if self.rename:
            untouched_keys = {tag_key(v) for v in values if renamed(v, *self.rename) is None}
        out: list[tuple[int | None, str]] = []
        seen: set[str] = set()
        for i, value in enumerate(values):
            if self.rename:
                new = renamed(value, *self.rename)
                if new is not None:
                    k = tag_key(new)
                    if k not in seen and k not in untouched_keys:
                        out.append((None, new))
                        seen.add(k)
                    continue
            k = tag_key(value)
            if k in removed:
                continue
            out.append((i, value))
            seen.add(k)
        for name in self.add:
            if tag_key(name) not in seen:
                out.append((None, name))
                seen.add(tag_key(name))
        return out

    def changes(self, values: list[str]) -> bool:
        result = self.apply(values)
        return len(result) != len(values) or any(i != j for j, (i, _) in enumerate(result))
