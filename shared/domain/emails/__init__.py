"""Email content: templates in five languages, variables, rendering, .ics and MIME."""
