"""The subcommands, in the order ``parkplan --help`` shows them, and where each lives.

A command's module is imported only when that command runs, so ``parkplan --help`` and
``parkplan --version`` start at once; the one-line help shown in the list is kept here (a test
checks it against each command's own docstring).
"""

from __future__ import annotations

#: command name -> ("module:attribute", one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": (
        "parkplan.cli.demo:demo",
        "Generate the fictional demo region and run the whole pipeline on it.",
    ),
    "init": ("parkplan.cli.init:init", "Create a new, empty study in STUDY_DIR."),
    "layers": ("parkplan.cli.layers:layers", "Load and manage the layers of a study."),
    "partners": (
        "parkplan.cli.partners:partners",
        "The partner municipalities of a study and their facts.",
    ),
    "check": (
        "parkplan.cli.check:check_command",
        "Check STUDY_DIR without computing: list every problem with its line in study.toml.",
    ),
    "run": (
        "parkplan.cli.run:run_command",
        "Run the whole study: suitability, sites, split, equalisation, map, report.",
    ),
    "score": (
        "parkplan.cli.run:score_command",
        "Score suitability and rank the candidate sites (no equalisation).",
    ),
    "equalise": (
        "parkplan.cli.run:equalise_command",
        "Share the costs and revenues of a site among the partners, as a new run derived from the current one (same sites and rasters; new equalisation, ledger, map and report).",  # noqa: E501
    ),
    "compare": (
        "parkplan.cli.run:compare_command",
        'Rank changes of the sites between scenarios ("base" is the base model; first = baseline).',
    ),
    "runs": (
        "parkplan.cli.run:runs_command",
        "List the complete runs of the study, newest first, and which ones are current.",
    ),
    "map": (
        "parkplan.cli.map:map_command",
        "Write the interactive map of the study's last run (or two runs side by side).",
    ),
    "report": (
        "parkplan.cli.map:report_command",
        "Write the dossier for a mayors' conference (HTML or PDF).",
    ),
    "export": (
        "parkplan.cli.export:export_command",
        "Export the current run's results as a self-describing folder.",
    ),
    "serve": (
        "parkplan.cli.serve:serve",
        "Serve the API, the maps and the report of a study (docs at /docs).",
    ),
    "users": (
        "parkplan.cli.users:users",
        "The accounts that may sign in to the web app of a study.",
    ),
    "game": (
        "parkplan.cli.game:game",
        "Allocate the total of the game in FILE.json (cost games share c(N), savings games v(N)).",
    ),
    "advise": (
        "parkplan.cli.advise:advise",
        "Which cooperation forms fit (lightest first), each with the rules that decide it.",
    ),
    "assets": (
        "parkplan.cli.assets:assets",
        "Web assets (Leaflet and its plugins) for maps that work without internet.",
    ),
    "reference": (
        "parkplan.cli.reference:reference_command",
        "Print the reference of study.toml (every section, key, unit, default and choice).",
    ),
}
