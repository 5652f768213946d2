"""Untrusted file -> cell grid -> tidy rows with findings."""
