import math
import random

import pytest

from ferry_sdk import cbor
from ferry_sdk.cbor import CBORError, decode, encode

# RFC 8949 Appendix A vectors (value, hex) that our encoder must produce exactly.
ENCODE_VECTORS = [
    (0, "00"), (1, "01"), (10, "0a"), (23, "17"), (24, "1818"), (25, "1819"),
    (100, "1864"), (1000, "1903e8"), (1000000, "1a000f4240"),
    (1000000000000, "1b000000e8d4a51000"),
    (18446744073709551615, "1bffffffffffffffff"),
    (-18446744073709551616, "3bffffffffffffffff"),
    (-1, "20"), (-10, "29"), (-100, "3863"), (-1000, "3903e7"),
    (1.1, "fb3ff199999999999a"), (-4.1, "fbc010666666666666"),
    (1.0e300, "fb7e37e43c8800759c"),
    (False, "f4"), (True, "f5"), (None, "f6"),
    (b"", "40"), (b"\x01\x02\x03\x04", "4401020304"),
    ("", "60"), ("a", "6161"), ("IETF", "6449455446"), ("\"\\", "62225c"),
    ("\u00fc", "62c3bc"), ("\u6c34", "63e6b0b4"), ("\U00010151", "64f0908591"),
    ([], "80"), ([1, 2, 3], "83010203"), ([1, [2, 3], [4, 5]], "8301820203820405"),
    (list(range(1, 26)),
     "98190102030405060708090a0b0c0d0e0f101112131415161718181819"),
    ({}, "a0"), ({1: 2, 3: 4}, "a201020304"), ({"a": 1, "b": [2, 3]}, "a26161016162820203"),
    (["a", {"b": "c"}], "826161a161626163"),
]

# Decode-only vectors: other float widths, indefinite lengths, tags, undefined.
DECODE_VECTORS = [
    ("f90000", 0.0), ("f93c00", 1.0), ("f93e00", 1.5), ("f97bff", 65504.0),
    ("fa47c35000", 100000.0), ("fa7f7fffff", 3.4028234663852886e38),
    ("f90001", 5.960464477539063e-8), ("f90400", 0.00006103515625), ("f9c400", -4.0),
    ("f97c00", math.inf), ("f9fc00", -math.inf), ("fa7f800000", math.inf),
    ("fb7ff0000000000000", math.inf), ("f7", None),
    ("5f42010243030405ff", b"\x01\x02\x03\x04\x05"),
    ("7f657374726561646d696e67ff", "streaming"),
    ("9fff", []), ("9f018202039f0405ffff", [1, [2, 3], [4, 5]]),
    ("83018202039f0405ff", [1, [2, 3], [4, 5]]),
    ("bf61610161629f0203ffff", {"a": 1, "b": [2, 3]}),
    ("c249010000000000000000", 18446744073709551616),
    ("c349010000000000000000", -18446744073709551617),
    ("c074323031332d30332d32315432303a30343a30305a", "2013-03-21T20:04:00Z"),
    ("1800", 0), ("190001", 1), ("1a00000001", 1), ("1b0000000000000001", 1),  # non-minimal
]


@pytest.mark.parametrize("value,hexstr", ENCODE_VECTORS)
def test_encode_rfc_vectors(value, hexstr):
    assert encode(value).hex() == hexstr
    assert decode(bytes.fromhex(hexstr)) == value


@pytest.mark.parametrize("hexstr,value", DECODE_VECTORS)
def test_decode_rfc_vectors(hexstr, value):
    assert decode(bytes.fromhex(hexstr)) == value


def test_nan_and_negative_zero():
    assert math.isnan(decode(bytes.fromhex("f97e00")))
    z = decode(bytes.fromhex("f98000"))
    assert z == 0.0 and math.copysign(1.0, z) == -1.0
    assert encode(-0.0).hex() == "fb8000000000000000"
    assert math.isnan(decode(encode(math.nan)))


def test_types_decode_as_documented():
    v = decode(encode({"i": 5, "f": 5.0, "s": "x", "b": b"x", "l": [1], "m": {"k": None}}))
    assert type(v["i"]) is int and type(v["f"]) is float and type(v["s"]) is str
    assert type(v["b"]) is bytes and type(v["l"]) is list and type(v["m"]) is dict


def test_float_always_encoded_as_double():
    assert encode(1.5).hex() == "fb3ff8000000000000"


def test_array_map_keys_decode_hashable():
    assert decode(encode({(1, 2): "x"})) == {(1, 2): "x"}


def test_tuples_bytearray_memoryview_encode():
    assert encode((1, 2)) == encode([1, 2])
    assert encode(bytearray(b"ab")) == encode(b"ab") == encode(memoryview(b"ab"))


@pytest.mark.parametrize("hexstr", [
    "", "18", "1901", "62c3", "8301", "a1", "5f41", "9f01", "fb3ff1", "ff", "1c",
    "f818",  # simple(24) is not a value we support
    "7f61ff",  # truncated chunk
    "5f6161ff",  # text chunk inside byte string
])
def test_malformed(hexstr):
    with pytest.raises(CBORError):
        decode(bytes.fromhex(hexstr))


def test_trailing_bytes_rejected():
    with pytest.raises(CBORError):
        decode(bytes.fromhex("0000"))


def test_invalid_utf8_rejected():
    with pytest.raises(CBORError):
        decode(bytes.fromhex("62c328"))


def test_unencodable():
    with pytest.raises(CBORError):
        encode(1 << 64)
    with pytest.raises(CBORError):
        encode(-(1 << 64) - 1)
    with pytest.raises(CBORError):
        encode(object())
    with pytest.raises(CBORError):
        encode({1, 2})


def _random_value(rng, depth=0):
    kinds = ["int", "bigint", "float", "str", "bytes", "bool", "none"]
    if depth < 3:
        kinds += ["list", "dict"]
    k = rng.choice(kinds)
    if k == "int":
        return rng.randint(-300, 300)
    if k == "bigint":
        return rng.randint(-(1 << 64), (1 << 64) - 1)
    if k == "float":
        return rng.uniform(-1e12, 1e12)
    if k == "str":
        return "".join(rng.choice("ab\u00fc\u6c34\U0001f600 ") for _ in range(rng.randint(0, 30)))
    if k == "bytes":
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
    if k == "bool":
        return rng.random() < 0.5
    if k == "none":
        return None
    if k == "list":
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 30))]
    return {"k%d" % i: _random_value(rng, depth + 1) for i in range(rng.randint(0, 30))}


def test_random_roundtrip():
    rng = random.Random(42)
    for _ in range(300):
        v = _random_value(rng)
        assert decode(encode(v)) == v


def test_against_cbor2_if_available():
    cbor2 = pytest.importorskip("cbor2")
    rng = random.Random(7)
    for _ in range(300):
        v = _random_value(rng)
        assert cbor2.loads(encode(v)) == v
        assert decode(cbor2.dumps(v)) == v
        assert decode(cbor2.dumps(v, canonical=True)) == v


def test_decoder_offsets():
    data = b"\xff\xff" + encode([1, "x"]) + b"\xee"
    d = cbor.Decoder(data, 2, len(data) - 1)
    assert d.item() == [1, "x"]
    d.finish()
