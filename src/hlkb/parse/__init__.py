"""Parsing notes into records. Public API:

- ``parse_file(path, display_path=None, strict=True) -> Note``
- ``parse_text(text, path="<string>", strict=True) -> Note``

``strict=False`` turns front-matter errors into ``note.warnings`` (the note is then read
as if it had no front matter) instead of raising FrontMatterError; the indexer uses it so
one broken note never hides the rest of a vault.
"""

from hlkb.parse.core import parse_file, parse_text

__all__ = ["parse_file", "parse_text"]
