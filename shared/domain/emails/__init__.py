"""Email content: templates and wording in seven languages (languages/), CLDR dates (dates),
variables, rendering (text + HTML), the iTIP invitation (ics) and the MIME message."""
