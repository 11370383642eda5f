"""The ``[import]`` table of hlkb.toml (``[tool.hlkb.import]`` in pyproject.toml).

::

    [import]
    folder = "Readwise"               # where new notes go, inside the vault
    category_folders = true           # Readwise/Books, Readwise/Articles, … (false: all in folder)
    file_name = "{{ title }}"         # a template of the book's variables (templates.py)
    max_name_length = 120             # characters, before " 2" and ".md"

    [import.folders]                  # a folder of its own for a category (vault-relative)
    tweets = "Social/Tweets"

The export template itself is the ``[template]`` table (config.py), the one the parser
reads notes with, so that hlkb reads back what it writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hlkb.config import find_section
from hlkb.errors import UsageError
from hlkb.readwise.filenames import safe_folder
from hlkb.templates import check, template_from_section

DEFAULT_FOLDER = "Readwise"
DEFAULT_FILE_NAME = "{{ title }}"
KEYS = ("folder", "category_folders", "file_name", "max_name_length", "folders")


@dataclass
class ImportSettings:
    folder: str = DEFAULT_FOLDER
    category_folders: bool = True
    file_name: str = DEFAULT_FILE_NAME
    max_name_length: int = 120
    folders: dict[str, str] = field(default_factory=dict)
    source: str | None = None

    def folder_for(self, category: str) -> str:
        """The vault-relative folder (made safe) for a note of ``category``."""

        own = self.folders.get(category)
        if own is not None:
            return safe_folder(own)
        if not self.category_folders:
            return safe_folder(self.folder)
        name = category.replace("-", " ").title() if category else "Books"
        return safe_folder(f"{self.folder}/{name}")


def settings_from_section(section, where: str) -> ImportSettings:

    if not isinstance(section, dict):
        raise UsageError("the import settings must be a table", where)
    unknown = sorted(set(section) - set(KEYS))
    if unknown:
        raise UsageError(f"unknown import setting {unknown[0]!r} (known: {', '.join(KEYS)})", where)
    s = ImportSettings(source=where)
    for key in ("folder", "file_name"):
        if key in section:
            if not isinstance(section[key], str):
                raise UsageError(f"import setting {key!r} must be a string", where)
            setattr(s, key, section[key])
    check(s.file_name, where)
    if "category_folders" in section:
        if not isinstance(section["category_folders"], bool):
            raise UsageError("import setting 'category_folders' must be true or false", where)
        s.category_folders = section["category_folders"]
    if "max_name_length" in section:
        n = section["max_name_length"]
        if isinstance(n, bool) or not isinstance(n, int) or not 8 <= n <= 200:
            raise UsageError("import setting 'max_name_length' must be a whole number from 8 to 200", where)
        s.max_name_length = n
    folders = section.get("folders", {})
    if not isinstance(folders, dict) or not all(isinstance(v, str) for v in folders.values()):
        raise UsageError("import setting 'folders' must be a table of category = \"folder\"", where)
    s.folders = {str(k).strip().lower(): v for k, v in folders.items()}
    return s


def import_settings(vault: Path) -> ImportSettings:
    """The ``[import]`` table that applies to the vault (the nearest one from it up)."""

    section, source = find_section(vault, "import")
    if section is None:
        return ImportSettings()
    return settings_from_section(section, str(source))


def import_template(vault: Path):
    """The export template configured for the vault (``[template]``), or None (Readwise's default)."""

    section, source = find_section(vault, "template")
    if section is None:
        return None
    return template_from_section(section, str(source))
