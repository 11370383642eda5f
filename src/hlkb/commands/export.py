"""(command module; filled in by its feature)"""


def register(app) -> None:
    return None
