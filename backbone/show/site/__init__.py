"""The public site: the community's outcomes from the suppressed views, as plain files any static host serves."""
