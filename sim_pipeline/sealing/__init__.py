"""Secrets at rest: the key (key), sealed secret columns of cards (columns), sealed original files (files)."""
