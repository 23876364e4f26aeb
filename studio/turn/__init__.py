"""One teacher turn: its context, its prompt, and the one parse and check of its answer."""
