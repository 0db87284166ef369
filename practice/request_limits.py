"""How large and how deeply nested a request body may be: the limits and the depth count.

JSON decoders recurse once per level of nesting (msgspec in Litestar's body parsing, the
``json`` module in the FHIR import), so a 2 KB body of 1,000 ``[`` exhausts Python's
recursion limit and would end in a 500. The web layer counts the depth first, with the
cheap count below, and refuses a body over the limit with a 400 (``practice.web.limits``).
"""

from itertools import accumulate

# One owner of the body size: the app passes it to Litestar (``request_max_body_size``),
# which answers 413 while reading. The largest body we expect is a FHIR referral Bundle of
# a few tens of kB; 1 MB leaves ample room.
MAX_BODY_BYTES = 1024 * 1024

# The deepest body we accept is a FHIR R5 Bundle: Bundle > entry[] > resource > extension[]
# > extension[] > valueCodeableConcept > coding[] > ... stays under 15 levels, even with
# contained resources. 64 is four times that, so no honest body comes near it, and far below
# Python's recursion limit (1,000), where the decoders fail.
MAX_JSON_DEPTH = 64

_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in a UTF-8 JSON ``body``; brackets inside
    strings do not count. The body need not be valid JSON: up to the first error the count
    reads it as a decoder does, so it is never below the depth the decoder reaches.

    Every step runs in C over the whole body (no Python loop per byte): a 1 MB body takes
    tens of milliseconds, however it is shaped."""
    # Escapes first, left to right as a decoder reads them: an escaped backslash, then an
    # escaped quote, so the quotes left are exactly the ones that open and close strings.
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    outside_strings = b"".join(unescaped.split(b'"')[0::2])
    brackets = outside_strings.translate(None, _NOT_BRACKETS)
    # Each opening bracket one level down, each closing one up: the deepest running total.
    return max(0, max(accumulate(map(_STEP.__getitem__, brackets)), default=0))


def nested_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when decoding ``body`` as JSON would go deeper than ``limit`` levels."""
    openers = body.count(b"[") + body.count(b"{")
    if openers <= limit:
        return False  # the depth never exceeds the number of opening brackets: most bodies
    if b"\x00" in body:
        # UTF-8 JSON never holds a NUL byte, UTF-16 and UTF-32 (which ``json.loads`` also
        # reads) always do. In those the quotes and backslashes of strings are not single
        # bytes, so only the upper bound above is sure.
        return True
    return json_depth(body) > limit
