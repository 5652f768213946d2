"""Untrusted file -> cell grid -> tables with their columns' fields; every cell read as what the partner meant."""
