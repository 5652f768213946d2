"""Backbone: the shared-measurement store and app for collective-impact partnerships."""

__version__ = "0.1.0"
