"""A Python header converter through the columnar codec, as the host calls it: every
header of a batch in one call, typed values with schemas on the way in."""

import importlib.util
import os

import ferry_sdk as f
from ferry_sdk import testing

APP = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                   "examples", "header_upper", "app.py")
_spec = importlib.util.spec_from_file_location("py_header_upper_app", APP)
_app = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_app)
UpperHeaders = _app.UpperHeaders


def test_describes_itself_as_a_header_converter():
    d = testing.describe(UpperHeaders)
    assert d.name == "py-upper-headers" and d.kind == f.PluginKind.HEADER_CONVERTER


def test_headers_in_and_out():
    got = testing.run_header_converter_to_connect(
        UpperHeaders, ["t", "t", "u"], ["a", "b", "c"], [b"x", None, b"hello"],
        config=[("converter.type", "header")])
    assert got[0].value == "X" and got[0].schema.type == f.SchemaType.STRING
    assert got[1] == f.SchemaAndValue(None, None)
    assert got[2].value == "HELLO"
    out = testing.run_header_converter_from_connect(
        UpperHeaders, ["t", "t"], ["a", "n"], [f.INT32_SCHEMA, None], [42, None])
    assert out == [b"42", None]


def test_record_headers_carry_schemas():
    r = f.ConnectRecord("t", value="v", headers=[f.Header("n", 7, f.INT8_SCHEMA),
                                                  f.Header("raw", b"x")])
    back = f.decode_batch(f.encode_batch([r], f._wit))[0]
    assert back.headers[0] == f.Header("n", 7, f.INT8_SCHEMA)
    assert back.headers[1] == f.Header("raw", b"x", None)
