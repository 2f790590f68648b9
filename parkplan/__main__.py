"""``python -m parkplan``."""

from parkplan.cli import run

run()
