"""The py-uppercase example, run natively through the columnar codec."""

import importlib.util
import os

import ferry_sdk as f
from ferry_sdk import ConnectRecord, Header, Schema, Struct
from ferry_sdk.testing import describe, run_transform, validate

APP = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                   "examples", "uppercase", "app.py")


def load_app():
    spec = importlib.util.spec_from_file_location("py_uppercase_app", APP)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


app = load_app()


def test_outside_a_component_export_is_inert():
    assert app.Plugin is None and app.Transform is None


def test_describe():
    d = describe(app.Uppercase)
    assert (d.name, d.version, d.kind) == ("py-uppercase", "0.1.0", f.PluginKind.TRANSFORMATION)
    assert d.aliases == ["PyUppercase"] and d.config == []
    assert validate(app.Uppercase, {"anything": "x"}) == []


def test_uppercases_strings_and_struct_string_fields():
    inner = Schema.struct([("s", f.STRING_SCHEMA)])
    s = Schema.struct([("name", f.STRING_SCHEMA), ("nick", f.OPTIONAL_STRING_SCHEMA),
                       ("n", f.INT32_SCHEMA), ("inner", inner)])
    recs = [
        ConnectRecord("t", value="hello"),
        ConnectRecord("t", 1, f.STRING_SCHEMA, "key", f.STRING_SCHEMA, "world",
                      timestamp=5, headers=[Header("h", b"v")]),
        ConnectRecord("t", value_schema=s, value=Struct(s, ["ann", None, 3, Struct(inner, ["x"])])),
        ConnectRecord("t", value={"a": "b"}),
        ConnectRecord("t", value=None),
        ConnectRecord("t", value=12),
        ConnectRecord("t", value_schema=f.BYTES_SCHEMA, value=b"abc"),
    ]
    out = run_transform(app.Uppercase, recs)
    assert len(out) == len(recs)
    assert out[0].value == "HELLO"
    assert out[1].value == "WORLD" and out[1].key == "key" and out[1].timestamp == 5
    assert out[1].headers == [Header("h", b"v")] and out[1].kafka_partition == 1
    assert out[2].value.to_dict() == {"name": "ANN", "nick": None, "n": 3, "inner": {"s": "x"}}
    assert out[3].value == {"a": "b"}
    assert out[4].value is None
    assert out[5].value == 12
    assert out[6].value == b"abc"
