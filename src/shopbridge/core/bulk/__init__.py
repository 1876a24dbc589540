"""The bulk runner."""
