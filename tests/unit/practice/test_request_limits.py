"""The depth count that guards the JSON decoders: exact on JSON, never below on broken JSON."""

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from practice.request_limits import MAX_JSON_DEPTH, json_depth, nested_too_deep

# Strings full of what could fool a count: brackets, quotes, backslashes, escapes.
TRICKY_TEXT = st.text(alphabet=st.sampled_from('[]{}"\\/ a\n\tü€'), max_size=12)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | TRICKY_TEXT,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(TRICKY_TEXT, children, max_size=3)
    ),
    max_leaves=30,
)


def depth_of(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    return 0


@given(JSON_VALUES, st.booleans())
def test_the_depth_of_any_json_document_is_counted_exactly(value: Any, ascii_only: bool) -> None:
    body = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert json_depth(body) == depth_of(value)


def test_brackets_inside_strings_and_escaped_quotes_do_not_count() -> None:
    assert json_depth(b'{"a": "[[[{{{", "b": ["\\"[[[", "\\\\"], "c": "\\\\\\"[["}') == 2
    assert json_depth(b"") == 0
    assert json_depth(b"42") == 0


def test_a_thousand_nested_brackets_or_objects_are_too_deep() -> None:
    assert nested_too_deep(b"[" * 1000)
    assert nested_too_deep(b'{"a":' * 1000)
    assert nested_too_deep(b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1))


def test_the_limit_itself_and_many_shallow_brackets_pass() -> None:
    assert not nested_too_deep(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH)
    assert not nested_too_deep(b"[" + b"[1]," * 10_000 + b"[]]")
    assert not nested_too_deep(b'["' + b"[" * 1000 + b'"]')  # all inside one string


def test_an_unclosed_string_hides_nothing_the_decoder_would_reach() -> None:
    # The decoder stops at the broken string; what it read before counts in full.
    assert json_depth(b'[[[["abc') == 4
    assert nested_too_deep(b"[" * 100 + b'"' + b"[" * 1000)


def test_utf16_json_is_judged_by_its_brackets_alone() -> None:
    # json.loads reads UTF-16; there a quote is two bytes, so the count cannot see strings.
    body = ('["\\"", ' + "[" * 100 + "]" * 100 + "]").encode("utf-16-le")
    assert nested_too_deep(body)
    assert not nested_too_deep('[["a"]]'.encode("utf-16"))
