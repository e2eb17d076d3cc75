"""Code every vclinks function uses; deployed as one Lambda layer."""
