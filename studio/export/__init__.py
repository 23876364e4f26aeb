"""Dataset formats, importers of existing data, snapshots and pre-flight reports."""
