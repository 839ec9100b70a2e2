"""Payloads that every transport and serializer must carry unchanged."""

# Everything a payload may carry. Integers reach +-2^53 (the largest a JavaScript peer can
# hold exactly) and the 64-bit edges; bytes travel as-is in MessagePack and CBOR and as
# "\0" + base64 strings in JSON (the spec's convention, which autobahn applies both ways).
ARGS = [
    "héllo wörld",
    "emoji 😀🎉👩‍💻",
    "漢字 かな カナ 한국어 中文",
    "",
    0,
    1,
    -1,
    2**31,
    2**53,
    -(2**53),
    2**63 - 1,
    -(2**63),
    2**64 - 1,
    3.5,
    -0.25,
    1e300,
    1.5e-7,
    True,
    False,
    None,
    b"\x00\x01\xfe\xff binary",
    b"",
    [],
    {},
    [1, [2, [3, {"deep": ["x", None, False]}]]],
]
KWARGS = {
    "ünïcødé": "✓ 😀 漢字",
    "emoji 🚀": [1, 2, 3],
    "nested": {"a": {"b": {"c": [None, True, 1.5, "d"]}}},
    "max_safe": 2**53,
    "min_safe": -(2**53),
    "blob": b"\xff" * 3,
    "empty": {},
}
