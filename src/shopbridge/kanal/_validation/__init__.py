"""Kanal's validation."""
