"""The dashboard: server-rendered pages (Jinja2) with vendored scripts, no CDN."""
