import datetime as dt
import decimal

import pytest

import ferry_sdk as f
from ferry_sdk import (DataError, Date, Decimal, Schema, SchemaType, Struct, Time, Timestamp,
                       decode_value, encode_value)


def person_schema():
    return Schema.struct([
        ("name", f.STRING_SCHEMA),
        ("age", f.OPTIONAL_INT32_SCHEMA),
        ("tags", Schema.array(f.STRING_SCHEMA)),
        ("country", Schema.string(default="NL")),
    ], name="com.example.Person", version=2, doc="a person")


def test_constructors_and_accessors():
    s = person_schema()
    assert s.type is SchemaType.STRUCT and s.name == "com.example.Person" and s.version == 2
    assert [fl.name for fl in s.fields] == ["name", "age", "tags", "country"]
    assert s.field("age").index == 1 and s.field("age").schema.optional
    assert s.field("missing") is None
    m = Schema.map(f.STRING_SCHEMA, f.INT64_SCHEMA, optional=True)
    assert m.key_schema == f.STRING_SCHEMA and m.value_schema == f.INT64_SCHEMA and m.optional
    assert Schema("int8") == f.INT8_SCHEMA
    with pytest.raises(DataError):
        Schema(SchemaType.ARRAY)
    with pytest.raises(DataError):
        Schema.struct([("a", f.STRING_SCHEMA), ("a", f.STRING_SCHEMA)])


def test_schema_equality_is_structural():
    assert person_schema() == person_schema()
    assert hash(person_schema()) == hash(person_schema())
    assert person_schema() != person_schema().replace(version=3)
    assert f.STRING_SCHEMA != f.OPTIONAL_STRING_SCHEMA
    assert f.STRING_SCHEMA.as_optional() == f.OPTIONAL_STRING_SCHEMA
    assert Schema.string(parameters={"a": "1", "b": "2"}) == \
        Schema.string(parameters={"b": "2", "a": "1"})
    assert Schema.string(default="x") != Schema.string(default="y")


def test_struct_get_put_default():
    s = Struct(person_schema()).put("name", "ann").put("tags", [])
    assert s["name"] == "ann" and s.get("age") is None
    assert s["country"] == "NL"  # schema default, as Kafka's Struct.get
    assert s.get_without_default("country") is None
    s["age"] = 30
    assert s.to_dict() == {"name": "ann", "age": 30, "tags": [], "country": None}
    with pytest.raises(DataError):
        s.put("nope", 1)
    c = s.copy()
    c["name"] = "bob"
    assert s["name"] == "ann"
    assert Struct(person_schema(), {"name": "x", "tags": []}) == \
        Struct(person_schema(), ["x", None, [], None])
    assert hash(c) != hash(s)


def test_struct_encodes_as_array_in_field_order():
    s = Struct(person_schema(), ["ann", 7, ["a"], "DE"])
    assert encode_value(s.schema, s) == f.cbor.encode(["ann", 7, ["a"], "DE"])
    # A null required field with a default encodes the default.
    s2 = Struct(person_schema(), ["ann", None, [], None])
    assert f.cbor.decode(encode_value(s2.schema, s2)) == ["ann", None, [], "NL"]
    assert decode_value(s.schema, encode_value(s.schema, s)) == s


def test_encode_type_checks():
    with pytest.raises(DataError):
        encode_value(f.INT32_SCHEMA, "1")
    with pytest.raises(DataError):
        encode_value(f.INT32_SCHEMA, True)
    with pytest.raises(DataError):
        encode_value(f.INT8_SCHEMA, 128)
    assert f.cbor.decode(encode_value(f.INT8_SCHEMA, -128)) == -128
    with pytest.raises(DataError):
        encode_value(f.INT64_SCHEMA, 1 << 63)
    with pytest.raises(DataError):
        encode_value(f.BOOLEAN_SCHEMA, 1)
    with pytest.raises(DataError):
        encode_value(f.STRING_SCHEMA, None)
    assert encode_value(f.OPTIONAL_STRING_SCHEMA, None) == b"\xf6"
    assert f.cbor.decode(encode_value(f.FLOAT32_SCHEMA, 2)) == 2.0
    with pytest.raises(DataError):
        encode_value(f.BYTES_SCHEMA, "x")


def test_error_path_points_into_nested_value():
    s = Schema.struct([("a", Schema.array(Schema.struct([("b", f.INT32_SCHEMA)])))])
    v = Struct(s, [[Struct(s.field("a").schema.value_schema, [1]),
                   Struct(s.field("a").schema.value_schema, ["x"])]])
    with pytest.raises(DataError) as ei:
        encode_value(s, v)
    assert ei.value.path == "a[1].b"
    assert "a[1].b" in str(ei.value)


def test_struct_schema_mismatch_rejected():
    other = Schema.struct([("x", f.STRING_SCHEMA)])
    with pytest.raises(DataError):
        encode_value(person_schema(), Struct(other, ["y"]))


def test_struct_from_dict():
    s = person_schema()
    got = decode_value(s, encode_value(s, {"name": "a", "tags": ["t"]}))
    assert got.to_dict() == {"name": "a", "age": None, "tags": ["t"], "country": "NL"}
    with pytest.raises(DataError):
        encode_value(s, {"name": "a", "tags": [], "bogus": 1})


def test_map_with_struct_and_array_keys():
    ks = Schema.struct([("k", f.STRING_SCHEMA)])
    s = Schema.map(ks, f.INT32_SCHEMA)
    v = {Struct(ks, ["a"]): 1, Struct(ks, ["b"]): 2}
    assert decode_value(s, encode_value(s, v)) == v
    s2 = Schema.map(Schema.array(f.INT32_SCHEMA), f.STRING_SCHEMA)
    assert decode_value(s2, encode_value(s2, {(1, 2): "x"})) == {(1, 2): "x"}
    assert decode_value(s2, encode_value(s2, [([1, 2], "x")])) == {(1, 2): "x"}


def test_schema_driven_decode_errors():
    with pytest.raises(f.CBORError):
        decode_value(f.INT32_SCHEMA, f.cbor.encode("x"))
    with pytest.raises(DataError):
        decode_value(person_schema(), f.cbor.encode(["a"]))
    # Ints decode into float schemas (lenient), nulls anywhere decode as None.
    assert decode_value(f.FLOAT64_SCHEMA, f.cbor.encode(3)) == 3.0
    assert decode_value(f.INT32_SCHEMA, b"\xf6") is None


def test_decimal():
    s = Decimal.schema(2)
    assert s.name == "org.apache.kafka.connect.data.Decimal" and s.parameters["scale"] == "2"
    assert s.type is SchemaType.BYTES
    for value, unscaled in [("1.23", b"\x7b"), ("-0.01", b"\xff"), ("1.28", b"\x00\x80"),
                            ("-1.28", b"\x80"), ("0", b"\x00"), ("-1.29", b"\xff\x7f")]:
        assert Decimal.from_logical(s, decimal.Decimal(value)) == unscaled
        assert Decimal.to_logical(s, unscaled) == decimal.Decimal(value)
    # Logical Python values are accepted on encode, decode stays physical.
    assert decode_value(s, encode_value(s, decimal.Decimal("1.23"))) == b"\x7b"
    with pytest.raises(DataError):
        Decimal.from_logical(s, decimal.Decimal("1.234"))


def test_date_time_timestamp():
    d, t, ts = Date.schema(), Time.schema(), Timestamp.schema()
    assert (d.type, t.type, ts.type) == (SchemaType.INT32, SchemaType.INT32, SchemaType.INT64)
    assert Date.from_logical(d, dt.date(1970, 1, 11)) == 10
    assert Date.to_logical(d, 10) == dt.date(1970, 1, 11)
    assert Time.from_logical(t, dt.time(1, 2, 3, 4000)) == 3723004
    assert Time.to_logical(t, 3723004) == dt.time(1, 2, 3, 4000)
    moment = dt.datetime(2020, 1, 2, 3, 4, 5, 6000, tzinfo=dt.timezone.utc)
    ms = Timestamp.from_logical(ts, moment)
    assert ms == 1577934245006
    assert Timestamp.to_logical(ts, ms) == moment
    assert decode_value(ts, encode_value(ts, moment)) == ms
    assert decode_value(d, encode_value(d, dt.date(1969, 12, 31))) == -1


def test_tagged_values_decode_by_schema():
    # Tags are skipped (bignums excepted): tag 0 around text, tag 1 around an int.
    assert decode_value(f.STRING_SCHEMA, bytes.fromhex("c06161")) == "a"
    assert decode_value(f.INT64_SCHEMA, bytes.fromhex("c11a514b67b0")) == 1363896240
    assert decode_value(f.OPTIONAL_STRING_SCHEMA, bytes.fromhex("c0f6")) is None
    assert decode_value(f.INT64_SCHEMA, bytes.fromhex("c34100")) == -1


def test_long_and_indefinite_strings_by_schema():
    long = "x" * 300
    assert decode_value(f.STRING_SCHEMA, encode_value(f.STRING_SCHEMA, long)) == long
    assert decode_value(f.STRING_SCHEMA, bytes.fromhex("7f616161626163ff")) == "abc"
    with pytest.raises(f.CBORError):
        decode_value(f.STRING_SCHEMA, bytes.fromhex("62c328"))
    with pytest.raises(f.CBORError):
        decode_value(f.STRING_SCHEMA, bytes.fromhex("6361"))
    assert decode_value(f.INT32_SCHEMA, bytes.fromhex("17")) == 23
    assert decode_value(f.INT32_SCHEMA, bytes.fromhex("3903e7")) == -1000
