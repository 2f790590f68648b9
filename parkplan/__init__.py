"""parkplan: the application — a study from ``study.toml`` to published runs, maps and a dossier.

It puts the libraries together: :mod:`geo` scores the land and finds the sites,
:mod:`equalisation` shares costs and revenues among the partners, :mod:`webmap` draws the maps
and the dossier. A study is a folder holding ``study.toml`` (:mod:`~parkplan.study`) and its
layers (:mod:`~parkplan.workspace`); the command line is :mod:`parkplan.cli`, the web app
:mod:`parkplan.api`.

Main entry points (imported on first use, so that ``import parkplan`` stays light):

- :func:`load_study`, :func:`parse_study` — a validated :class:`Study`;
- :class:`Workspace` — a study's layers, in a folder or in PostGIS;
- :func:`run_study` — the whole pipeline, one run published in one step;
- :func:`render_report` — the dossier of the current run, as HTML;
- :func:`export_run` — the current run's results as a self-describing folder;
- :func:`main` — the ``parkplan`` command line.
"""

from importlib import import_module

_WHERE = {
    "main": "parkplan.cli",
    "export_run": "parkplan.export",
    "render_report": "parkplan.report",
    "run_study": "parkplan.run",
    "Study": "parkplan.study",
    "load_study": "parkplan.study",
    "parse_study": "parkplan.study",
    "Workspace": "parkplan.workspace",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'parkplan' has no attribute {name!r}")
    return getattr(import_module(_WHERE[name]), name)
