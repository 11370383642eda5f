"""Bilingual splitter (placeholder until the splitter lands): no pairs yet."""


def pairs_for_note(note):
    return []
