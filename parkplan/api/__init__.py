"""The web app of a study: API, maps and report (``parkplan serve``)."""

from parkplan.api.main import create_app
from parkplan.api.settings import Settings

__all__ = ["Settings", "create_app"]
