"""Fuzz of the scenario loader: bundled scenarios with one or more values replaced by hostile
ones (huge integers, non-finite numbers, wrong types, deep nesting, long strings) either load
or raise ScenarioError, one line with a field path, never anything else and no warning."""
import copy
import json
import warnings

from hypothesis import HealthCheck, given, settings, strategies as st

from landscape_explorer.core.scenario import Scenario, ScenarioError, example_names, example_path

BASES = [json.loads(open(example_path(n), encoding="utf-8").read()) for n in example_names()]

HOSTILE = st.one_of(
    st.sampled_from([10 ** 400, -10 ** 400, 2 ** 63, -1, 0, 1e308, -1e308, 5e-324, True, None,
                     "", "x" * 100_000, "\ud800", [], {}, [[[[[[[[[[[]]]]]]]]]]],
                     [1e308, 1e308], [[1e308, -1e308], [0, 1]], "nan", "1e400"]),
    st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=3),
)


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, prefix + (i,))


@st.composite
def mutated(draw):
    doc = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        path = draw(st.sampled_from(paths))
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = copy.deepcopy(draw(HOSTILE))  # shared samples must stay as drawn
    return doc


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=mutated())
def test_mutated_scenarios_load_or_fail_with_a_field_path(doc):
    try:
        text = json.dumps(doc)
    except ValueError:
        return  # not JSON at all: nothing a file could hold
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            Scenario.from_json(text)
        except ScenarioError as e:
            message = str(e)
            assert "\n" not in message
            assert len(message) < 400, message[:500]
