"""Runs the built py-uppercase component in wasmtime-py (opt-in).

Needs the `wasmtime` Python package and a built component: FERRY_PY_WASM_DIR names
the directory `build.sh` wrote to (default: the repo's build/plugins); otherwise this
module is skipped. It loads the component
the way a host does (WASI p2 with nothing granted, the ferry:connect/host imports),
then calls describe, validate, transform.open and transform.apply with a real batch.
Compiling the ~19 MB component takes 10-20 s.
"""

import dataclasses
import enum
import os

import pytest

import ferry_sdk as f
from ferry_sdk import ConnectRecord, Header, Schema, Struct, _wit, decode_batch, encode_batch

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
WASM_DIR = os.environ.get("FERRY_PY_WASM_DIR") or os.path.join(_ROOT, "build", "plugins")
if not os.path.isfile(os.path.join(WASM_DIR, "py-uppercase.wasm")):
    pytest.skip("no py-uppercase.wasm in %s (run sdk/python/build.sh)" % WASM_DIR,
                allow_module_level=True)
wasmtime = pytest.importorskip("wasmtime")
from wasmtime import component as C  # noqa: E402

PLUGIN = "ferry:connect/plugin@0.1.0"
TRANSFORM = "ferry:connect/transform@0.1.0"


def to_wasm(v):
    """_wit dataclasses -> wasmtime-py component values."""
    if dataclasses.is_dataclass(v):
        r = C.Record()
        for fl in dataclasses.fields(v):
            setattr(r, fl.name.replace("_", "-"), to_wasm(getattr(v, fl.name)))
        return r
    if isinstance(v, enum.Enum):
        return v.name.lower().replace("_", "-")
    if isinstance(v, list):
        return [to_wasm(x) for x in v]
    if isinstance(v, tuple):
        return tuple(to_wasm(x) for x in v)
    return v


class NS:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def from_wasm(v):
    """wasmtime-py component values -> attribute objects with snake_case names."""
    if isinstance(v, C.Record):
        return NS(**{k.replace("-", "_"): from_wasm(x) for k, x in v.__dict__.items()})
    if isinstance(v, list):
        return [from_wasm(x) for x in v]
    if isinstance(v, tuple):
        return tuple(from_wasm(x) for x in v)
    return v


@pytest.fixture(scope="module")
def plugin():
    engine = wasmtime.Engine()
    component = C.Component.from_file(engine, os.path.join(WASM_DIR, "py-uppercase.wasm"))
    exports = component.type.exports(engine)
    assert PLUGIN in exports and TRANSFORM in exports
    logs = []
    linker = C.Linker(engine)
    linker.add_wasip2()
    with linker.root() as root:
        with root.add_instance("ferry:connect/types@0.1.0"):
            pass
        with root.add_instance("ferry:connect/host@0.1.0") as host:
            host.add_func("log", lambda store, level, msg: logs.append((level, msg)))
            host.add_func("read-offsets", lambda store, parts: [None] * len(parts))
            host.add_func("request-reconfiguration", lambda store: None)
    store = wasmtime.Store(engine)
    store.set_wasi(wasmtime.WasiConfig())
    instance = linker.instantiate(store, component)

    def func(iface, name):
        idx = instance.get_export_index(store, iface)
        fidx = instance.get_export_index(store, name, idx)
        fn = instance.get_func(store, fidx)
        assert fn is not None, name

        def call(*args):
            out = fn(store, *args)
            try:
                fn.post_return(store)
            except Exception:
                pass
            return out
        return call

    return NS(func=func, store=store, logs=logs)


def test_describe(plugin):
    d = plugin.func(PLUGIN, "describe")()
    assert d.name == "py-uppercase" and d.version == "0.1.0"
    assert d.kind == "transformation"
    assert d.aliases == ["PyUppercase"] and d.config == []
    assert plugin.func(PLUGIN, "validate")([("x", "y")]) == []


def test_open_and_apply(plugin):
    handle = plugin.func(TRANSFORM, "[static]transform.open")([])
    assert isinstance(handle, C.ResourceAny), handle
    apply = plugin.func(TRANSFORM, "[method]transform.apply")

    s = Schema.struct([("name", f.STRING_SCHEMA), ("n", f.INT32_SCHEMA),
                       ("tags", Schema.array(f.STRING_SCHEMA)),
                       ("m", Schema.map(f.STRING_SCHEMA, f.OPTIONAL_FLOAT64_SCHEMA))])
    recs = [
        ConnectRecord("t", 0, None, b"k", None, "hello", timestamp=7,
                      headers=[Header("h", b"v"), Header("n", None)], kafka_offset=3),
        ConnectRecord("t", 1, f.STRING_SCHEMA, "key", s,
                      Struct(s, ["ann", 5, ["x"], {"a": 1.5, "b": None}])),
        ConnectRecord("u", None, None, None, None, None),
        ConnectRecord("u", None, None, None, f.STRING_SCHEMA, "\u00fcber"),
    ]
    batch = to_wasm(encode_batch(recs, _wit))
    for _ in range(3):  # the instance is reused across batches
        out = apply(handle, batch)
        assert isinstance(out, C.Record), out  # ok(record-batch), not err(plugin-error)
        got = decode_batch(from_wasm(out))
        assert [r.value for r in got[:1]] == ["HELLO"]
        assert got[0].headers == [Header("h", b"v"), Header("n", None)]
        assert got[0].key == b"k" and got[0].kafka_offset == 3 and got[0].timestamp == 7
        assert got[1].value.to_dict() == {"name": "ANN", "n": 5, "tags": ["x"],
                                          "m": {"a": 1.5, "b": None}}
        assert got[1].value_schema == s and got[1].key == "key"
        assert got[2].value is None and got[3].value == "\u00dcBER"

    # A malformed batch comes back as err(fatal(...)), not a trap.
    bad = encode_batch(recs, _wit)
    bad.value.values.lengths[0] = 9999
    err = apply(handle, to_wasm(bad))
    assert isinstance(err, C.Variant) and err.tag == "fatal", err
    assert "value column" in err.payload

    # Still usable afterwards.
    assert isinstance(apply(handle, batch), C.Record)
    handle.drop(plugin.store)


def test_big_batch(plugin):
    handle = plugin.func(TRANSFORM, "[static]transform.open")([])
    apply = plugin.func(TRANSFORM, "[method]transform.apply")
    recs = [ConnectRecord("t", value="line %d" % i, source_partition={"filename": "/x"},
                          source_offset={"position": i}) for i in range(2000)]
    got = decode_batch(from_wasm(apply(handle, to_wasm(encode_batch(recs, _wit)))))
    assert [r.value for r in got] == ["LINE %d" % i for i in range(2000)]
    assert got[1999].source_offset == {"position": 1999}
    handle.drop(plugin.store)
