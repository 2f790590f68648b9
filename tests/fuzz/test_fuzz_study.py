"""Fuzzing ``study.toml``: random text, random structures, mutated real files, extreme values.

Whatever the input, :func:`parkplan.study.load_study` and :func:`parkplan.study.parse_study`
return a :class:`~parkplan.study.Study` or raise :class:`~parkplan.errors.StudyError` with one
line; never another exception, never a hang.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import tomli_w
from fuzz_support import FUZZ, assert_clean, json_like, nested_list
from hypothesis import given
from hypothesis import strategies as st

from parkplan.demo import demo_model
from parkplan.study import STUDY_FILE, Study, load_study, parse_study, study_toml

#: The keys of the schema, so that random structures reach the nested sections.
SCHEMA_KEYS = sorted(
    {
        *Study.model_fields,
        "kind", "layer", "transform", "weight", "rank", "column", "categories", "radius_m",
        "buffer_m", "allowed", "op", "value", "method", "order", "pairwise", "order_weights",
        "andness", "tradeoff", "source", "threshold", "min_area_ha", "max_sites", "draws",
        "concentration", "seed", "population", "demand_ha", "horizon_years", "start_year",
        "assumptions", "direction", "a", "b", "c", "d", "points", "mapping", "weights",
        "drop_exclusions", "municipalities", "name_column", "private_partners", "costs",
        "revenues", "host_share", "rest",
    }
)  # fmt: skip
KEYS = st.sampled_from(SCHEMA_KEYS) | st.text(max_size=12)
PARTNERS = [
    {"name": "Westdorp", "population": 6000, "demand_ha": 3.0},
    {"name": "Oostdorp", "population": 18000, "demand_ha": 4.0},
]
VALID = {"name": "fuzz", **demo_model(PARTNERS)}
VALID_TEXT = study_toml(parse_study(VALID))


def load_text(text: str | bytes) -> Study | None:
    """``load_study`` on a folder holding ``text`` as ``study.toml``; errors checked clean."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / STUDY_FILE
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            return load_study(Path(folder))
        except Exception as exc:
            assert_clean(exc)
            return None


def parse(data) -> Study | None:
    try:
        return parse_study(data)
    except Exception as exc:
        assert_clean(exc)
        return None


@pytest.mark.timeout(120)
@FUZZ
@given(st.text(max_size=400))
def test_random_text(text):
    load_text(text)


@pytest.mark.timeout(120)
@FUZZ
@given(st.dictionaries(KEYS, json_like(KEYS), max_size=8))
def test_random_structures(data):
    parse({"name": "fuzz", **data})
    parse(data)


@pytest.mark.timeout(120)
@FUZZ
@given(st.data())
def test_valid_study_with_one_field_replaced(data):
    """Each section of a valid study, one value swapped for a random or hostile one."""
    study = dict(VALID)
    section = data.draw(st.sampled_from(sorted(study)))
    value = study[section]
    replacement = data.draw(json_like(KEYS, leaves=6))
    if isinstance(value, list) and value and isinstance(value[0], dict):
        item = dict(value[0])
        item[data.draw(st.sampled_from(sorted(item)))] = replacement
        study[section] = [item, *value[1:]]
    elif isinstance(value, dict) and value:
        study[section] = {**value, data.draw(st.sampled_from(sorted(value))): replacement}
    else:
        study[section] = replacement
    parse(study)
    try:
        text = tomli_w.dumps(study)
    except (TypeError, ValueError):
        return  # not representable in TOML (None, mixed arrays...)
    load_text(text)


@pytest.mark.timeout(120)
@FUZZ
@given(st.data())
def test_mutated_valid_file(data):
    """Byte flips, cuts and insertions in a complete ``study.toml``."""
    raw = bytearray(VALID_TEXT.encode("utf-8"))
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(raw)))
        action = data.draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
        if action == "flip" and at < len(raw):
            raw[at] ^= data.draw(st.integers(1, 255))
        elif action == "cut":
            del raw[at : at + data.draw(st.integers(1, 40))]
        elif action == "insert":
            raw[at:at] = data.draw(
                st.sampled_from([b"[", b"]", b"{", b'"', b"=", b"\n[[", b"nan", b"1e999", b"\xff"])
                | st.binary(max_size=8)
            )
        else:
            del raw[at:]
    load_text(bytes(raw))


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "text",
    [
        'name = "x"\na = ' + "[" * 100_000 + "]" * 100_000,
        'name = "x"\n' + "[a]\n" * 1 + "b = " + "{ c = " * 50_000 + "1" + " }" * 50_000,
        'name = "x"\ncell_size_m = nan',
        'name = "x"\ncell_size_m = inf',
        'name = "x"\ncell_size_m = 1e999',
        'name = "x"\n[robustness]\ndraws = 99999999999999999999',
        "name = " + '"' + "x" * 5_000_000 + '"',
        'name = "x"\n'
        + "".join(f'[[partners]]\nname = "p{i}"\npopulation = 1\n' for i in range(20_000)),
        "\x00\x01\x02",
        "",
    ],
    ids=[
        "100k-nested-arrays",
        "50k-nested-tables",
        "nan",
        "inf",
        "overflowing-float",
        "huge-count",
        "5MB-string",
        "20k-partners",
        "binary",
        "empty",
    ],
)
def test_hostile_files(text):
    load_text(text)


@pytest.mark.timeout(60)
def test_integer_of_5000_digits_is_a_study_error():
    load_text('name = "x"\ncell_size_m = ' + "9" * 5000)


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "data",
    [
        {"name": "x", "finance": {"assumptions": {"a": nested_list(100_000)}}},
        {"name": nested_list(100_000)},
        {"name": "x", "partners": [{"name": "p", "population": 10**400}]},
        {"name": "x", "cell_size_m": 10**400},
        {"name": "x", "sites": {"max_sites": 10**18}},
        {"name": "x", "robustness": {"draws": 10**12}},
        {"name": "x", "weights": {"method": "ahp", "pairwise": [[1e308] * 200] * 200}},
        {1: "x", None: 2},
    ],
    ids=[
        "deep-assumptions",
        "deep-name",
        "huge-population",
        "huge-cell",
        "huge-max-sites",
        "huge-draws",
        "huge-ahp",
        "non-text-keys",
    ],
)
def test_hostile_structures(data):
    parse(data)


def test_error_message_is_one_line_even_for_a_key_with_a_line_break():
    with pytest.raises(Exception) as caught:
        parse_study({"name": "x", "bad\nkey": 1})
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("data", [[1, 2], None, "name = 'x'"], ids=["list", "none", "text"])
def test_non_mapping_is_a_study_error(data):
    parse(data)
