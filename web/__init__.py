"""The plyoplan web app: pages to plan a week, a JSON API, and the calendar feed.

`web.app.create_app` builds the app; `plyoplan serve` runs it.
"""
