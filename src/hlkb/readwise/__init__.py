"""Readwise's own exports, read and turned into a vault of notes (``hlkb import``).

- ``exports``: the CSV export and the API v2 export JSON (pages, a list of books, JSONL)
  read into ``Book``/``Item`` records, each input detected from its content;
- ``api``: the export endpoint itself (``pageCursor`` paging, ``updatedAfter``, 429);
- ``render``: a book and its highlights as Markdown, with the user's export template;
- ``filenames``: note file names safe on every OS and in Obsidian;
- ``locate``: which vault note holds a book (by its Readwise ids, wherever it lives now);
- ``sync``: what an import changes in each note (new notes, added, updated and removed
  highlights, conflicts), planned before anything is written;
- ``state``: what hlkb last wrote, kept in the index database (edits are told from it);
- ``settings``: the ``[import]`` table of hlkb.toml.
"""
