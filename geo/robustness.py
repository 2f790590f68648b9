"""Robustness of a site ranking: Monte Carlo draws of the weights and the transforms.

The input is the site table of :func:`geo.zonal.zonal_scores`: per site, the coverage-weighted
mean standardised value of each criterion (``c_<criterion>``). A site's score under other
weights is the aggregation of those means, which for a weighted linear combination is exactly
the score the raster would give; for the other aggregations it is the score of the site's
average profile.

Monte Carlo: weight vectors are drawn from a Dirichlet distribution centred on the given
weights, w ~ Dir(κ·w₀) (mean w₀; larger concentration κ, smaller spread: the standard
deviation of w_i is sqrt(w_i(1 − w_i)/(κ + 1))).

Optionally the transforms are uncertain too (:class:`TransformJitter`): each draw also moves
the control points of each criterion's transform (:func:`geo.transforms.perturbed`, relative
standard deviation σ_i) and re-standardises the site. A site's mean μ under a transform θ is
taken from its raw-value profile (:class:`geo.zonal.SiteProfiles`, quantiles x_j of the raw
values over its scored cells): m(θ) = (1/J) Σ_j μ_θ(x_j). The drawn value is the exact mean
plus the change of that estimate, c_i(θ') = clip(c_i + m(θ') − m(θ), 0, 1), so that with
σ_i = 0 it is exactly c_i.

The result tells, per site, how often it ranks first (``p_first``) and in the top k
(``p_top_k``), and says it in a plain sentence.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.aggregation import Aggregation, combine
from geo.errors import ColumnError, ModelError
from geo.runners import IN_PROCESS, Runner
from geo.transforms import Transform, perturbed, standardise
from geo.weights import direct_weights
from geo.zonal import SiteProfiles

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TransformJitter:
    """Uncertain transforms: per criterion its transform (the one applied to its raw values),
    the relative standard deviation ``sd`` of its parameters (see
    :func:`geo.transforms.perturbed`), and the sites' raw-value profiles."""

    profiles: SiteProfiles
    transforms: Mapping[str, Transform]
    sd: Mapping[str, float]

    def __post_init__(self) -> None:
        bad = {name: sd for name, sd in self.sd.items() if not (np.isfinite(sd) and 0 <= sd <= 1)}
        unknown = set(self.sd) - set(self.transforms)
        unprofiled = set(self.sd) - set(self.profiles.criteria)
        if bad or unknown or unprofiled:
            raise ModelError(
                f"transform jitter {dict(self.sd)}; expected σ within [0, 1] for criteria with a "
                f"transform and a profile (bad σ: {bad}, no transform: {sorted(unknown)}, "
                f"no profile: {sorted(unprofiled)})."
            )

    @property
    def active(self) -> dict[str, float]:
        """σ of the criteria whose transforms vary (σ > 0)."""
        return {name: float(sd) for name, sd in self.sd.items() if sd > 0}

    def shift(self, ids: np.ndarray, names: list[str]) -> ProfileShift:
        """What the draws need for the sites ``ids`` and the criteria ``names`` (in order)."""
        varied = [name for name in names if name in self.active]
        nodes = self.profiles.aligned(ids, varied).astype(np.float32)
        transforms = tuple(self.transforms[name] for name in varied)
        return ProfileShift(
            columns=tuple(names.index(name) for name in varied),
            sd=tuple(self.active[name] for name in varied),
            transforms=transforms,
            nodes=nodes,
            base_means=_profile_means(nodes, transforms),
        )


@dataclass(frozen=True)
class ProfileShift:
    """The varied criteria (their columns in the site values, σ, transforms), the sites' raw
    quantiles ``nodes`` (sites, varied, J) and their mean μ m(θ) (sites, varied)."""

    columns: tuple[int, ...]
    sd: tuple[float, ...]
    transforms: tuple[Transform, ...]
    nodes: np.ndarray
    base_means: np.ndarray

    def draw(self, rng: np.random.Generator, size: int) -> list[tuple[Transform, ...]]:
        """``size`` draws of the varied transforms: per draw, per criterion, one perturbed."""
        return [
            tuple(perturbed(t, rng, sd) for t, sd in zip(self.transforms, self.sd, strict=True))
            for _ in range(size)
        ]

    def values(self, values: np.ndarray, drawn: list[tuple[Transform, ...]]) -> np.ndarray:
        """The site values under each draw of transforms, (draws, sites, criteria):
        c_i(θ') = clip(c_i + m(θ') − m(θ), 0, 1) for the varied criteria."""
        out = np.repeat(values[None], len(drawn), axis=0)
        for d, transforms in enumerate(drawn):
            change = _profile_means(self.nodes, transforms) - self.base_means
            out[d][:, self.columns] = np.clip(values[:, self.columns] + change, 0.0, 1.0)
        return out


def _profile_means(nodes: np.ndarray, transforms: tuple[Transform, ...]) -> np.ndarray:
    """m(θ) = (1/J) Σ_j μ_θ(x_j) per site and criterion: shape (sites, criteria).

    In float32, as the raw rasters are (μ and its mean within about 1e-6).
    """
    average = np.full(nodes.shape[2], 1.0 / nodes.shape[2], dtype=np.float32)
    means = [
        standardise(nodes[:, k, :], t, dtype=np.float32) @ average for k, t in enumerate(transforms)
    ]
    return np.stack(means, axis=1) if means else np.empty((nodes.shape[0], 0), np.float32)


@dataclass(frozen=True)
class RobustnessResult:
    """Per-site probabilities of ranking first and in the top k, with the inputs used
    (``transform_jitter``: σ of the criteria whose transforms varied)."""

    table: pd.DataFrame
    statement: str
    weights: dict[str, float]
    aggregation: Aggregation
    draws: int
    concentration: float
    transform_jitter: dict[str, float]
    top_k: int
    seed: int


def weight_monte_carlo(
    sites: pd.DataFrame,
    weights: Mapping[str, float],
    aggregation: Aggregation | None = None,
    *,
    draws: int = 1000,
    concentration: float = 50.0,
    transform_jitter: TransformJitter | None = None,
    top_k: int = 3,
    seed: int = 0,
    id_column: str = "site_id",
    chunk: int = 64,
    runner: Runner = IN_PROCESS,
) -> RobustnessResult:
    """Rank the sites under ``draws`` weight vectors drawn around ``weights`` and, with
    ``transform_jitter``, transforms drawn around the given ones (seeded).

    The table has ``site_id``, ``base_score``, ``base_rank``, ``p_first`` and ``p_top_k``,
    ordered by base rank; sites with a missing criterion value never rank. The draws are made
    here, per chunk of ``chunk`` draws the weights, then the transforms draw by draw; each
    chunk is ranked by ``runner`` (:meth:`SiteRanking.counts`) and the counts are summed.
    """
    aggregation = aggregation or Aggregation()
    ids, values, base = monte_carlo_inputs(
        sites, weights, draws=draws, concentration=concentration, top_k=top_k, id_column=id_column
    )
    shift = transform_jitter.shift(ids, list(base)) if transform_jitter else None
    ranking = SiteRanking(values, shift, aggregation, top_k)
    chunks = chunk_draws(seed, np.array(list(base.values())), concentration, shift, draws, chunk)
    with closing(runner.run(SiteRanking.counts, chunks, shared=ranking)) as counts:
        return robustness_result(
            ids,
            values,
            base,
            aggregation,
            counts,
            draws=draws,
            concentration=concentration,
            transform_jitter=transform_jitter,
            top_k=top_k,
            seed=seed,
        )


#: One chunk of draws: the weight vectors (draws, criteria) and, when they vary, the transforms.
Draws = tuple[np.ndarray, list[tuple[Transform, ...]] | None]


def chunk_draws(
    seed: int,
    w0: np.ndarray,
    concentration: float,
    shift: ProfileShift | None,
    draws: int,
    chunk: int,
) -> Iterator[Draws]:
    """The draws in chunks of ``chunk``, as ``(weights, transforms)``: one random sequence per
    seed, per chunk the Dirichlet weights w ~ Dir(κ·w₀), then the transforms draw by draw
    (``None`` when no transform varies)."""
    rng = np.random.default_rng(seed)
    for start in range(0, draws, chunk):
        size = min(chunk, draws - start)
        w = draw_weights(rng, w0, concentration, size)
        yield w, shift.draw(rng, size) if shift and shift.columns else None


def monte_carlo_inputs(
    sites: pd.DataFrame,
    weights: Mapping[str, float],
    *,
    draws: int,
    concentration: float,
    top_k: int,
    id_column: str,
) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """``(ids, values, weights)`` of :func:`site_inputs`, after refusing bad draw settings."""
    if draws < 1 or not concentration > 0 or top_k < 1:
        raise ModelError(
            f"draws {draws}, concentration {concentration}, top_k {top_k}; expected draws ≥ 1, "
            "concentration > 0 and top_k ≥ 1."
        )
    return site_inputs(sites, weights, id_column)


def draw_weights(
    rng: np.random.Generator, w0: np.ndarray, concentration: float, size: int
) -> np.ndarray:
    """``size`` weight vectors w ~ Dir(κ·w₀), shape (size, criteria)."""
    return rng.dirichlet(np.maximum(concentration * w0, 1e-9), size=size)


@dataclass(frozen=True)
class SiteRanking:
    """What every chunk of draws ranks: the sites' criterion values (sites x criteria), how
    drawn transforms shift them, the aggregation and k of the top k."""

    values: np.ndarray
    shift: ProfileShift | None
    aggregation: Aggregation
    top_k: int

    def counts(self, draws: Draws) -> tuple[np.ndarray, np.ndarray]:
        """:func:`rank_counts` of one chunk of draws: weights w and, when drawn, transforms."""
        w, drawn = draws
        values = self.values
        if self.shift is not None and drawn is not None:
            values = self.shift.values(values, drawn)
        return rank_counts(values, w, self.aggregation, self.top_k)


def rank_counts(
    values: np.ndarray, w: np.ndarray, aggregation: Aggregation, top_k: int
) -> tuple[np.ndarray, np.ndarray]:
    """How often each site ranks first and in the top k under the weight vectors ``w``
    (draws x criteria); ``values`` are the sites' criterion values, (sites x criteria) for
    every draw or (draws x sites x criteria). Sites without a score never rank."""
    v = values if values.ndim == 3 else values[None, :, :]
    n_sites = v.shape[1]
    scores = np.nan_to_num(scores_for(w, v, aggregation), nan=-np.inf)
    first = np.bincount(np.argmax(scores, axis=1), minlength=n_sites)
    top = np.argsort(-scores, axis=1, kind="stable")[:, : min(top_k, n_sites)]
    return first, np.bincount(top.ravel(), minlength=n_sites)


def robustness_result(
    ids: np.ndarray,
    values: np.ndarray,
    weights: dict[str, float],
    aggregation: Aggregation,
    counts: Iterable[tuple[np.ndarray, np.ndarray]],
    *,
    draws: int,
    concentration: float,
    transform_jitter: TransformJitter | None,
    top_k: int,
    seed: int,
) -> RobustnessResult:
    """The result of ``draws`` draws from the counts of first and top-k places per site of
    each chunk of draws: p_first = Σ first / draws, p_top_k = Σ in_top / draws (0 for sites
    without a score)."""
    first = np.zeros(len(ids), dtype=np.int64)
    in_top = np.zeros(len(ids), dtype=np.int64)
    for chunk_first, chunk_top in counts:
        first += chunk_first
        in_top += chunk_top
    varied = transform_jitter.active if transform_jitter else {}
    w0 = np.array(list(weights.values()))
    base_scores = scores_for(w0[None, :], values[None, :, :], aggregation)[0]
    valid = ~np.isnan(base_scores)
    table = (
        pd.DataFrame(
            {
                "site_id": ids,
                "base_score": base_scores,
                "base_rank": _ranks(base_scores),
                "p_first": np.where(valid, first / draws, 0.0),
                "p_top_k": np.where(valid, in_top / draws, 0.0),
            }
        )
        .sort_values("base_rank", kind="stable")
        .reset_index(drop=True)
    )
    statement = _statement(table, draws, concentration, varied, top_k)
    log.info(statement)
    return RobustnessResult(
        table, statement, weights, aggregation, draws, concentration, varied, top_k, seed
    )


def scores_for(w: np.ndarray, v: np.ndarray, aggregation: Aggregation) -> np.ndarray:
    """Scores of sites (values ``v``: (1 or draws, sites, criteria)) under weights ``w``
    (draws, criteria), each row summing to 1: shape (draws, sites). The engine's own kernel,
    :func:`geo.aggregation.combine`, with the criteria moved to the first axis."""
    z = np.moveaxis(np.asarray(v, dtype=np.float64), 2, 0)
    return combine(z, np.asarray(w, dtype=np.float64).T[:, :, None], aggregation)


def site_inputs(
    sites: pd.DataFrame, weights: Mapping[str, float], id_column: str
) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """Site ids (sorted), their ``c_<criterion>`` values (sites x criteria) and the
    normalised weights; refuses missing columns and an empty table."""
    base = direct_weights(weights)
    columns = [f"c_{name}" for name in base]
    missing = [c for c in [id_column, *columns] if c not in sites.columns]
    if missing:
        raise ColumnError(
            f"site table lacks {missing}; expected {id_column!r} and one c_<criterion> column "
            "per weighted criterion (the table of zonal_scores with criterion rasters)."
        )
    if len(sites) == 0:
        raise ModelError("no sites to rank; expected at least one site.")
    ordered = sites.sort_values(id_column, kind="stable")
    return (ordered[id_column].to_numpy(), ordered[columns].to_numpy(dtype=np.float64), base)


def _ranks(scores: np.ndarray) -> np.ndarray:
    order = np.argsort(-np.nan_to_num(scores, nan=-np.inf), kind="stable")
    ranks = np.empty(scores.size, dtype=np.int64)
    ranks[order] = np.arange(1, scores.size + 1)
    return ranks


def _percent(p: float) -> str:
    return f"{round(100 * p)} %"


def _jitter_phrase(transform_jitter: dict[str, float]) -> str:
    """``, transform σ 10 %`` (or a range, with the number of criteria when not all vary)."""
    if not transform_jitter:
        return ""
    low, high = min(transform_jitter.values()), max(transform_jitter.values())
    spread = _percent(low) if low == high else f"{_percent(low)}–{_percent(high)}"
    return f", transform σ {spread} on {len(transform_jitter)} criteria"


def _statement(
    table: pd.DataFrame,
    draws: int,
    concentration: float,
    transform_jitter: dict[str, float],
    top_k: int,
) -> str:
    ids, p_first, p_top = (table[c].tolist() for c in ("site_id", "p_first", "p_top_k"))
    p = p_first[0]
    what, varied = "weight draws around the given weights", "weights"
    if transform_jitter:
        what = "draws of the weights and of the transforms around the given ones"
        varied = "weights and transforms"
    text = (
        f"Site {ids[0]} ranks first in {_percent(p)} of {draws:,} {what} (concentration "
        f"{concentration:g}{_jitter_phrase(transform_jitter)}) and is in the top {top_k} in "
        f"{_percent(p_top[0])}."
    )
    rival = int(np.argmax(p_first[1:])) + 1 if len(ids) > 1 else 0
    if rival and p_first[rival] >= 0.05:
        text += f" Site {ids[rival]} is first in {_percent(p_first[rival])}."
    if p >= 0.9:
        text += f" The first place is robust to the {varied}."
    elif p >= 0.6:
        text += f" The first place is fairly stable, but other {varied} can change it."
    else:
        text += f" The first place is not stable: modest changes in the {varied} change it."
    return text
