"""Generated layouts: random export templates (tests/layouts/generate.py) rendered with random
highlights, then parsed WITHOUT the template. Every highlight's text, note, tags, location
and Readwise id must come back. CI runs a bounded number of examples; an opt-in run sets
HLKB_LAYOUT_EXAMPLES (benchmarks/generated_layouts.py reports the share over 2,000)."""

from __future__ import annotations

import pytest

import os
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hlkb.parse import parse_text
from layouts.generate import compare, generate

EXAMPLES = int(os.environ.get("HLKB_LAYOUT_EXAMPLES", "150"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_generated_layout_reads_back_without_its_template(rng):
    gen = generate(rng)
    note = parse_text(gen.note, "generated.md")
    problems = compare(note, gen)
    assert not problems, f"{gen.description}\n{problems}\n--- note ---\n{gen.note}"


@pytest.mark.slow
def test_generator_draws_every_family():
    """The generator covers every container, location form, note form and tags form."""
    rng = random.Random(0)
    seen = set()
    for _ in range(3000):
        seen.add(generate(rng).description.split(" sep=")[0].split(" (tags")[0])
    containers = {d.split()[0] for d in seen}
    assert containers == {"bullet", "quote", "callout", "paragraph", "heading", "label-heading", "logseq"}
    locations = {d.split()[1] for d in seen}
    assert len(locations) == 10
