"""parkplan."""
