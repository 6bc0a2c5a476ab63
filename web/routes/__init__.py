"""One module per resource: plans (JSON API), feeds (the calendar), pages (HTML)."""
