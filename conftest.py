"""Repository-level pytest configuration (settings pick a per-run data dir themselves)."""
