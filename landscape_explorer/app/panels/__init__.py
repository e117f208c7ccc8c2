"""Controls the user edits: the run controls, the live run table and shared widgets."""
