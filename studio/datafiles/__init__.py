"""Dataset and topic files: reading and writing with errors that name the file and line."""
