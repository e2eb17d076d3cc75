"""Sample Lambda events, one per route of template.yaml (see `events.generate`)."""
