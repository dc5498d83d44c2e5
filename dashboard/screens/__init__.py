"""One module per page; each reads widgets, calls analysis, renders."""
