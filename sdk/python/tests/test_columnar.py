import decimal

import pytest

import ferry_sdk as f
from ferry_sdk import (ConnectRecord, DataError, Header, Schema, Struct, _wit, cbor,
                       decode_batch, encode_batch)
from ferry_sdk.columnar import (decode_bytes_column, decode_schemas, decode_value_column,
                                encode_bytes_column, encode_value_column)

W = _wit


def nested_schema():
    address = Schema.struct([
        ("street", f.STRING_SCHEMA),
        ("lines", Schema.array(f.OPTIONAL_STRING_SCHEMA)),
    ], name="Address", optional=True)
    return Schema.struct([
        ("id", f.INT64_SCHEMA),
        ("small", f.INT8_SCHEMA),
        ("ratio", f.FLOAT32_SCHEMA),
        ("score", f.OPTIONAL_FLOAT64_SCHEMA),
        ("ok", f.BOOLEAN_SCHEMA),
        ("blob", f.BYTES_SCHEMA),
        ("price", f.Decimal.schema(2)),
        ("home", address),
        ("others", Schema.array(address)),
        ("counts", Schema.map(f.STRING_SCHEMA, f.INT64_SCHEMA)),
        ("by_addr", Schema.map(address.replace(optional=False), Schema.array(f.INT32_SCHEMA))),
        ("level", Schema.string(default="info", doc="log level", parameters={"p": "v"})),
    ], name="com.example.Event", version=1)


def nested_value(schema, i):
    addr_s = schema.field("home").schema
    key_s = schema.field("by_addr").schema.key_schema
    return Struct(schema, [
        1 << 40 | i, -5, 0.5, None if i % 2 else 2.25, bool(i % 2), bytes([i, 0, 255]),
        b"\x7b",
        Struct(addr_s, ["Main St %d" % i, ["a", None, "\u00fc"]]),
        [Struct(addr_s, ["x", []]), None],
        {"a": 1, "b": -(1 << 63)},
        {Struct(key_s, ["k", ["z"]]): [1, 2, 3]},
        "warn",
    ])


def sample_records():
    schema = nested_schema()
    return [
        ConnectRecord("orders", 0, f.STRING_SCHEMA, "k0", schema, nested_value(schema, 0),
                      timestamp=1700000000000,
                      headers=[Header("h1", b"v1"), Header("h2", None), Header("\u00fc", b""),
                               Header("typed", 42, f.INT32_SCHEMA)],
                      kafka_offset=42),
        ConnectRecord("orders", 1, None, None, schema, nested_value(schema, 1)),
        ConnectRecord("other", None, None, {"json": [1, 2.5, "x", None, True, {"n": {}}]},
                      None, ["schemaless", 1, 2.0, b"b", None]),
        ConnectRecord("orders", 2, f.STRING_SCHEMA, "tomb", schema, None),  # tombstone
        ConnectRecord("other", 3, None, b"raw", f.OPTIONAL_STRING_SCHEMA, None,
                      headers=[Header("only", b"x")]),
    ]


def test_nested_batch_roundtrip():
    recs = sample_records()
    batch = encode_batch(recs, W)
    back = decode_batch(batch)
    assert back == recs
    # Decoded structs carry equal (not identical) schemas, and decode again the same.
    assert decode_batch(encode_batch(back, W)) == recs
    # Tombstone keeps its schema; a null value with schema keeps the schema id.
    assert back[3].value is None and back[3].value_schema == nested_schema()
    assert back[4].value is None and back[4].value_schema == f.OPTIONAL_STRING_SCHEMA


def test_batch_layout():
    recs = sample_records()
    b = encode_batch(recs, W)
    assert b.topics == ["orders", "other"]
    assert b.topic == [0, 0, 1, 0, 1]
    assert b.partition == [0, 1, -1, 2, 3]
    assert b.kafka_offset == [42, -1, -1, -1, -1]
    assert b.timestamp == [1700000000000, -1, -1, -1, -1]
    assert b.headers.counts == [4, 0, 0, 0, 1]
    assert decode_bytes_column(b.headers.keys) == [b"h1", b"h2", "\u00fc".encode(), b"typed",
                                                   b"only"]
    # Header values are a value column: CBOR values, schemas interned (-1 = none).
    assert b.headers.values.values.lengths[1] == -1
    assert b.headers.values.schema_ids[:3] == [-1, -1, -1] and b.headers.values.schema_ids[3] >= 0
    # Sink-style records: empty source columns.
    assert b.source_partition.lengths == [] and b.source_offset.lengths == []
    # Key column: string schema interned once, nulls are -1.
    assert b.key.schema_ids == [0, -1, -1, 0, -1]
    assert b.key.values.lengths[1] == -1
    # Value column: the struct schema is interned once with its children.
    ids = b.value.schema_ids
    assert ids[0] == ids[1] == ids[3] and ids[2] == -1
    assert b.value.values.lengths[3] == -1 and b.value.values.lengths[4] == -1
    rows = b.value.schemas
    root = rows[ids[0]]
    assert root.type is W.SchemaType.STRUCT and root.name == "com.example.Event"
    assert root.field_names[:3] == ["id", "small", "ratio"]
    assert len(root.children) == 12
    # "home" and "others"' element share one interned row; by_addr's key differs (not optional).
    home = root.children[7]
    assert rows[root.children[8]].children == [home]
    assert rows[root.children[10]].children[0] != home
    # Every distinct schema appears once.
    assert len(rows) == len({repr(r) for r in rows})
    level = rows[root.children[11]]
    assert level.default_value == cbor.encode("info") and level.doc == "log level"
    assert level.parameters == [("p", "v")]
    price = rows[root.children[6]]
    assert price.name == "org.apache.kafka.connect.data.Decimal"
    assert price.parameters == [("scale", "2")] and price.version == 1


def test_decode_hand_written_wire_format():
    # Built byte by byte from the WIT comments, independent of our encoder.
    s_string = W.Schema(W.SchemaType.STRING, False, None, None, None, [], None, [], [])
    s_opt_i32 = W.Schema(W.SchemaType.INT32, True, None, None, None, [], None, [], [])
    s_arr = W.Schema(W.SchemaType.ARRAY, False, None, None, None, [], None, [1], [])
    s_struct = W.Schema(W.SchemaType.STRUCT, False, "S", 3, None, [("k", "v")],
                        None, [0, 1, 2], ["name", "n", "xs"])
    s_map = W.Schema(W.SchemaType.MAP, True, None, None, None, [], bytes.fromhex("a0"),
                     [0, 1], [])
    v0 = bytes.fromhex("83" "6161" "f6" "82" "01" "20")   # ["a", null, [1, -1]]
    v1 = bytes.fromhex("a1" "6178" "05")                  # {"x": 5}
    v2 = bytes.fromhex("a2" "6161" "f93e00" "01" "40")    # schemaless {"a": 1.5, 1: h''}
    col = W.ValueColumn(
        schemas=[s_string, s_opt_i32, s_arr, s_struct, s_map],
        schema_ids=[3, 4, -1, 4],
        values=W.BytesColumn(v0 + v1 + v2, [len(v0), len(v1), len(v2), -1]),
    )
    schemas, values = decode_value_column(col)
    assert values[0].to_dict() == {"name": "a", "n": None, "xs": [1, -1]}
    assert schemas[0].name == "S" and schemas[0].version == 3
    assert dict(schemas[0].parameters) == {"k": "v"}
    assert values[1] == {"x": 5} and schemas[1].default == {}
    assert schemas[2] is None and values[2] == {"a": 1.5, 1: b""}
    assert values[3] is None and schemas[3] is schemas[1]
    # Re-encoding yields the same value bytes (struct -> array in field order); the
    # half float comes back as a double (we always write doubles).
    col2 = encode_value_column(schemas, values, W)
    assert col2.values.data == v0 + v1 + bytes.fromhex("a2" "6161" "fb3ff8000000000000" "01" "40")
    assert col2.values.lengths == [len(v0), len(v1), 14, -1]


def test_source_partition_and_offset():
    recs = [ConnectRecord("t", value="a", source_partition={"filename": "/in"},
                          source_offset={"position": 1}),
            ConnectRecord("t", value="b")]
    b = encode_batch(recs, W)
    assert decode_bytes_column(b.source_partition) == [b'{"filename":"/in"}', None]
    assert decode_bytes_column(b.source_offset) == [b'{"position":1}', None]
    back = decode_batch(b)
    assert back[0].source_partition == {"filename": "/in"}
    assert back[0].source_offset == {"position": 1}
    assert back[1].source_partition is None
    # Untouched JSON passes through byte for byte.
    raw = W.BytesColumn(b'{ "filename" : "/in" }', [22])
    b2 = encode_batch([ConnectRecord("t", value="x")], W)
    b2.source_partition = raw
    b2.source_offset = W.BytesColumn(b"", [-1])
    again = encode_batch(decode_batch(b2), W)
    assert again.source_partition.data == raw.data
    assert again.source_offset.lengths == [-1]


def test_new_record_and_drop():
    r = sample_records()[0]
    r2 = r.new_record(value="x", value_schema=f.STRING_SCHEMA)
    assert r2.topic == r.topic and r2.headers == r.headers and r2.headers is not r.headers
    assert r.value != "x"
    with pytest.raises(TypeError):
        r.new_record(nope=1)


def test_empty_batch():
    b = encode_batch([], W)
    assert decode_batch(b) == []
    assert b.key.schemas == [] and b.value.values.data == b""


def test_schemaless_struct_uses_its_schema():
    s = Schema.struct([("a", f.STRING_SCHEMA)])
    col = encode_value_column([None], [Struct(s, ["x"])], W)
    assert col.schemas[col.schema_ids[0]].field_names == ["a"]


def test_invalid_values_rejected():
    with pytest.raises(DataError):
        encode_batch([ConnectRecord("t", value_schema=f.INT32_SCHEMA, value="x")], W)
    with pytest.raises(f.CBORError):
        encode_batch([ConnectRecord("t", value=object())], W)


@pytest.mark.parametrize("mutate", [
    lambda b: b.partition.pop(),
    lambda b: b.headers.counts.__setitem__(0, 5),
    lambda b: b.value.values.lengths.__setitem__(0, 999),
    lambda b: b.value.values.lengths.__setitem__(0, -2),
    lambda b: b.value.schema_ids.__setitem__(0, 99),
    lambda b: b.topic.__setitem__(0, 7),
    lambda b: b.value.schemas[0].children.append(0),
    lambda b: setattr(b.source_offset, "lengths", [1]),
])
def test_malformed_batches_rejected(mutate):
    b = encode_batch([ConnectRecord("t", value_schema=Schema.array(f.STRING_SCHEMA),
                                    value=["x"], headers=[Header("a", b"b")])], W)
    mutate(b)
    with pytest.raises((DataError, f.CBORError)):
        decode_batch(b)


def test_schema_table_cycle_rejected():
    rows = [W.Schema(W.SchemaType.ARRAY, False, None, None, None, [], None, [0], [])]
    with pytest.raises(DataError):
        decode_schemas(rows)


def test_bytes_column_helpers():
    col = encode_bytes_column([b"ab", None, b"", "\u00fc"], W)
    assert col.lengths == [2, -1, 0, 2]
    assert decode_bytes_column(col) == [b"ab", None, b"", "\u00fc".encode()]


def test_logical_decimal_through_batch():
    s = Schema.struct([("p", f.Decimal.schema(3))])
    rec = ConnectRecord("t", value_schema=s, value=Struct(s, [decimal.Decimal("-1.5")]))
    back = decode_batch(encode_batch([rec], W))[0]
    assert f.Decimal.to_logical(s.field("p").schema, back.value["p"]) == decimal.Decimal("-1.5")


def test_converter_and_predicate_bases_through_codec():
    from ferry_sdk.testing import (run_converter_from_connect, run_converter_to_connect,
                                   run_predicate)

    class Pred(f.Predicate):
        @classmethod
        def describe(cls):
            return f.Descriptor("p", "1", config=[f.ConfigKey("topic")])

        def configure(self, config):
            self.topic = config.get_string("topic")

        def test_record(self, record):
            return record.topic == self.topic

    assert run_predicate(Pred, [ConnectRecord("a"), ConnectRecord("b")], {"topic": "a"}) \
        == [True, False]
    assert f.testing.describe(Pred).kind is f.PluginKind.PREDICATE

    class Conv(f.Converter):
        @classmethod
        def describe(cls):
            return f.Descriptor("c", "1", config=[
                f.ConfigKey("prefix", default="", required=False)])

        def configure(self, config):
            self.prefix = config.get_string("prefix").encode()

        def from_connect(self, topic, schema, value):
            return None if value is None else self.prefix + str(value).encode()

        def to_connect(self, topic, data):
            if data is None:
                return None
            return f.STRING_SCHEMA, ("key:" if self.is_key else "") + data.decode()

    assert run_converter_from_connect(Conv, ["t", "t"], [f.INT32_SCHEMA, None], [5, None],
                                      {"prefix": ">"}) == [b">5", None]
    got = run_converter_to_connect(Conv, ["t", "t"], [b"x", None], is_key=True)
    assert got == [f.SchemaAndValue(f.STRING_SCHEMA, "key:x"), f.SchemaAndValue(None, None)]


def test_config_getters_and_defaults():
    from ferry_sdk.testing import open_plugin

    class T(f.Transform):
        @classmethod
        def describe(cls):
            return f.Descriptor("t", "1", config=[
                f.ConfigKey("n", type="int", default=3),
                f.ConfigKey("flag", type=f.ConfigType.BOOLEAN, default=True),
                f.ConfigKey("items", type="list", default=["a", "b"]),
                f.ConfigKey("file", path="read-file", importance="high")])

        def configure(self, config):
            self.cfg = config

    d = f.testing.describe(T)
    assert [k.default for k in d.config] == ["3", "true", "a,b", None]
    assert [k.required for k in d.config] == [False, False, False, True]
    assert d.config[3].path is f.PathAccess.READ_FILE
    assert d.config[3].importance is f.Importance.HIGH
    c = open_plugin(T, {"file": "/x", "n": " 7 "}).cfg
    assert c.get_int("n") == 7 and c.get_bool("flag") is True
    assert c.get_list("items") == ["a", "b"] and c.get_string("file") == "/x"
    assert c.get_double("missing", 1.5) == 1.5
    with pytest.raises(f.ConfigError):
        c.get_string("missing")
    with pytest.raises(f.ConfigError):
        open_plugin(T, {"flag": "yes"}).cfg.get_bool("flag")
