"""Example studies built from real public data (``parkplan init --example NAME``)."""
