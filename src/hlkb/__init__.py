"""hlkb: a command-line knowledge base for Readwise-style highlight notes."""

__version__ = "0.1.0"

# Version of the JSON record shapes (docs/records.md). Bump on any incompatible change.
SCHEMA_VERSION = 1
