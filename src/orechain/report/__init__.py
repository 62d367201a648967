"""Self-contained HTML reports (no external scripts, styles or fonts)."""
