"""The subcommands, in the order ``parkplan --help`` shows them."""

from parkplan.cli.advise import advise
from parkplan.cli.assets import assets
from parkplan.cli.demo import demo
from parkplan.cli.game import game
from parkplan.cli.init import init
from parkplan.cli.layers import layers
from parkplan.cli.map import map_command, report_command
from parkplan.cli.run import (
    compare_command,
    equalise_command,
    run_command,
    runs_command,
    score_command,
)
from parkplan.cli.serve import serve

ALL = [
    demo,
    init,
    layers,
    run_command,
    score_command,
    equalise_command,
    compare_command,
    runs_command,
    map_command,
    report_command,
    serve,
    game,
    advise,
    assets,
]
