"""Hostile input strategies for the fuzz tests, and their settings (30-75 fixed cases a test; FUZZ_EXAMPLES: more).

`FUZZ_EXAMPLES=5000 pytest tests/test_fuzz*.py` runs a long campaign (examples per test); `FUZZ_RANDOM=1` draws new
cases each run instead of the fixed, derandomized ones CI runs.
"""

import json
import os
from urllib.parse import quote, urlencode

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

NASTY_STRINGS = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\ufeff",
    "\u202e",
    "😀" * 3,
    "x" * 5000,
    "2147483648",
    "-2147483649",
    "9" * 40,
    "1e400",
    "NaN",
    "report-99999999999",
    "incident-2147483648",
    "report-²",
    "'; DROP TABLE reports;--",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "../../etc/passwd",
    "%00",
    "%ED%A0%80",
    "null",
    "true",
    "[]",
    "{}",
)
TEXT = st.one_of(st.sampled_from(NASTY_STRINGS), st.text(max_size=40))
INTEGERS = st.one_of(
    st.integers(min_value=-(2**31), max_value=2**31),
    st.sampled_from([2**31, 2**63, -(2**63) - 1, 10**30, -(10**30)]),
)
SCALARS = st.one_of(st.none(), st.booleans(), INTEGERS, st.floats(allow_nan=False, allow_infinity=False), TEXT)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(TEXT, children, max_size=4)),
    max_leaves=10,
)
RAW_BODIES = st.one_of(
    st.binary(max_size=200),
    st.sampled_from(
        [
            b"",
            b"NaN",
            b'{"title": NaN}',
            b'{"title": Infinity}',
            b'{"title": -Infinity}',
            b'{"title": 1e999}',
            b'{"title": "\\ud800"}',
            b'{"title": "\\u0000"}',
            b"\xff\xfe{",
            b"{" * 3000,
        ]
    ),
    st.integers(min_value=2, max_value=20_000).map(lambda depth: b"[" * depth + b"]" * depth),
    st.integers(min_value=2, max_value=200).map(lambda depth: b'{"a":' * depth + b"1" + b"}" * depth),
)


def fuzz_settings(examples):
    """Hypothesis settings: `examples` fixed cases (FUZZ_EXAMPLES overrides), no deadline, no example database."""
    return settings(
        max_examples=int(os.environ.get("FUZZ_EXAMPLES") or examples),
        derandomize=not os.environ.get("FUZZ_RANDOM"),
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def objects(fields):
    """JSON objects with any of these fields, each a plausible value or anything at all, plus stray fields."""
    optional = {name: st.one_of(values, JSON_VALUES) for name, values in fields.items()}
    return st.tuples(st.fixed_dictionaries({}, optional=optional), st.dictionaries(TEXT, JSON_VALUES, max_size=2)).map(
        lambda parts: {**parts[1], **parts[0]}
    )


def json_bodies(fields):
    """Request bodies: objects of these fields (encoded as an attacker would, surrogates escaped) or raw bytes."""
    return st.one_of(
        objects(fields).map(lambda value: json.dumps(value).encode()),
        JSON_VALUES.map(lambda value: json.dumps(value).encode()),
        RAW_BODIES,
    )


def form_bodies(fields):
    """application/x-www-form-urlencoded bodies of these fields (and stray ones), with any characters in them."""
    values = {name: st.one_of(choices, TEXT) for name, choices in fields.items()}
    pairs = st.tuples(st.fixed_dictionaries({}, optional=values), st.dictionaries(TEXT, TEXT, max_size=2))
    return pairs.map(lambda parts: urlencode({**parts[1], **parts[0]}, errors="surrogatepass"))


def path_segments(real):
    """A path segment: a real one, a number of any size, or any text (percent-encoded, surrogates as bytes)."""
    return st.one_of(
        st.just(str(real)),
        INTEGERS.map(str),
        TEXT.filter(bool).map(lambda text: quote(text, safe="", errors="surrogatepass")),
    )


def query_strings(names):
    """Query strings over these argument names, with any values."""
    return st.dictionaries(st.sampled_from(names) | TEXT, TEXT | INTEGERS.map(str), max_size=4).map(
        lambda args: urlencode(args, errors="surrogatepass")
    )
