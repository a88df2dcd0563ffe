"""The app shell, the top floor of the house: the command line (`tenderwatch.cli`) and the
all-in-one process (`tenderwatch.runner`). It builds the settings from the environment and
the options and composes the floors below (`web`, `consumers`, `crawler`, `common`,
`schemas`); nothing below imports it."""
