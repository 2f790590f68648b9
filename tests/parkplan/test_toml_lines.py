"""Line numbers of the settings of a TOML file."""

from __future__ import annotations

import tomllib

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parkplan.toml_lines import line_of, toml_lines

TEXT = """\
# a comment with [brackets] and key = value
name = "x"   # trailing comment

[region]
municipalities = "towns"

[[criteria]]
name = "rail"
transform = { kind = "linear", c = 0, d = 5 }

[[criteria]]
name = "road"
transform.kind = "linear"
points = [
  [0, 1.0],
  [10, 0.5],
]

[criteria.extra]
a = 1

[keys.host_first]
costs = { kind = "stacked", rest = [
   { kind = "population", weight = 0.5 },
   { kind = "land", weight = 0.5 },
] }
"quoted key" = \"\"\"two
[not a header]
lines\"\"\"
'literal' = 'x'
after = 1
"""


def line(text: str, fragment: str) -> int:
    """The 1-based line of ``text`` holding ``fragment``."""
    return next(n for n, content in enumerate(text.splitlines(), 1) if fragment in content)


def test_headers_keys_items_and_inline_tables_have_their_line():
    lines = toml_lines(TEXT)
    assert lines[("name",)] == 2
    assert lines[("region", "municipalities")] == 5
    assert lines[("criteria", 0)] == 7
    assert lines[("criteria", 0, "transform", "c")] == 9
    assert lines[("criteria", 1)] == 11
    assert lines[("criteria", 1, "transform", "kind")] == 13
    assert lines[("criteria", 1, "points", 1)] == line(TEXT, "[10, 0.5]")
    assert lines[("criteria", 1, "extra", "a")] == line(TEXT, "a = 1")
    assert lines[("keys", "host_first", "costs", "rest", 1, "kind")] == line(TEXT, '"land"')
    assert lines[("keys", "host_first", "quoted key")] == line(TEXT, "quoted key")
    assert lines[("keys", "host_first", "literal")] == line(TEXT, "'literal'")
    assert lines[("keys", "host_first", "after")] == line(TEXT, "after = 1")
    assert not any("not a header" in str(path) for path in lines)


def test_a_missing_setting_falls_back_to_its_table():
    lines = toml_lines(TEXT)
    assert line_of(lines, ("criteria", 1, "weight")) == 11
    assert line_of(lines, ("finance", "horizon_years")) is None
    assert line_of(lines, ()) is None


def _paths(value, prefix=()):
    """Every key and item path of parsed TOML data."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for at, item in enumerate(value):
            yield (*prefix, at)
            yield from _paths(item, (*prefix, at))


KEYS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=6)
LEAVES = st.one_of(st.integers(), st.booleans(), st.text(max_size=8), st.floats(allow_nan=False))
DATA = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(KEYS, DATA, max_size=4), st.booleans())
def test_every_path_of_any_file_is_found_on_a_line_that_names_it(data, multiline):
    text = tomli_w.dumps(data, multiline_strings=multiline)
    assert tomllib.loads(text) == data
    lines = toml_lines(text)
    rows = text.split("\n")  # TOML lines end at \n only (not at \x85, \u2028...)
    for path in _paths(data):
        assert path in lines, (path, text)
        assert 1 <= lines[path] <= len(rows)
        if isinstance(path[-1], str) and path[-1].isidentifier():
            assert path[-1] in rows[lines[path] - 1]
