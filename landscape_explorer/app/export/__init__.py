"""Pictures and files out of the app: the export dialog and the offscreen renderer that the
`render` command uses too."""
