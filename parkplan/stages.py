"""The named stages of a run, told through its progress callback.

A run calls ``progress(done, total)`` while it scores the grid. A callback that also has a
``stage(name)`` method (:class:`StageProgress`, e.g. the web app's background runs) is told
when each stage of :data:`STAGES` begins, in that order; it may stop the run there by raising
(the run then publishes nothing). A plain callback (the command line's progress bar) is not
told.
"""

from __future__ import annotations

from typing import Literal, Protocol, runtime_checkable

Stage = Literal[
    "layers",
    "exclusions",
    "criteria",
    "score",
    "sites",
    "robustness",
    "equalisation",
    "outputs",
    "publish",
]
#: The stages of a run, in the order they begin.
STAGES: tuple[Stage, ...] = (
    "layers",
    "exclusions",
    "criteria",
    "score",
    "sites",
    "robustness",
    "equalisation",
    "outputs",
    "publish",
)


@runtime_checkable
class StageProgress(Protocol):
    """A progress callback that is also told when each stage begins."""

    def __call__(self, done: int, total: int) -> None: ...

    def stage(self, name: Stage) -> None: ...


def begin(progress: object, name: Stage) -> None:
    """Tell ``progress`` that stage ``name`` begins (nothing for a plain callback or ``None``)."""
    if isinstance(progress, StageProgress):
        progress.stage(name)
