"""Parsing notes into records. Public API:

- ``parse_file(path, display_path=None, strict=False, template=None) -> Note``
- ``parse_text(text, path="<string>", strict=False, file_name=None, template=None) -> Note``

Invalid front matter costs only the front matter: it becomes a warning in
``note.warnings`` (``note.front_matter_error`` says where) and the body is read as usual;
``strict=True`` raises FrontMatterError instead (``hlkb validate`` reports such notes).
"""

from hlkb.parse.core import parse_file, parse_text

__all__ = ["parse_file", "parse_text"]
