"""Progress reporting without drawing: library code that does long work takes a
``progress`` factory and reports through it; the command line passes one that draws a rich
bar on a terminal (hlkb.cli.output.progress), scripts pass their own or nothing.

A factory is called as ``progress(total, description)`` and returns a context manager that
yields ``advance(n=1)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

Advance = Callable[..., None]
ProgressFactory = Callable[[int, str], AbstractContextManager[Advance]]


@contextmanager
def silent(total: int, description: str) -> Iterator[Advance]:
    """The factory that reports nothing."""
    yield lambda n=1: None
