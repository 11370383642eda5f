"""One module per command; each defines ``register(app)``. Keep imports here light."""
