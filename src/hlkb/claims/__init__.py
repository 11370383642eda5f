"""Claims (placeholder until claims land): no claims yet."""


def claims_for_note(note):
    return []
