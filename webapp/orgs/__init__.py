"""Organisations: creation and lookup (no pages of their own; used by the CLI and the public VDP form)."""
