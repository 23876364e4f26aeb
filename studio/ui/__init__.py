"""The Textual app. Only this package imports textual; nothing imports it."""
