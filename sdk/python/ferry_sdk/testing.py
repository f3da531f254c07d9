"""Run plugin classes natively, through the same columnar codec the host uses, so
unit tests exercise encode -> decode -> plugin -> encode -> decode.

    out = run_transform(MyTransform, [ConnectRecord("t", value="x")])
"""

from . import columnar as _col
from . import _wit
from .plugin import open_instance as _open, validate_config as _validate
from .record import SchemaAndValue

__all__ = ["describe", "validate", "open_plugin", "run_transform", "run_predicate",
           "run_header_converter_to_connect", "run_header_converter_from_connect",
           "run_converter_from_connect", "run_converter_to_connect", "roundtrip"]


def _pairs(config):
    if config is None:
        return []
    if isinstance(config, dict):
        return list(config.items())
    return list(config)


def describe(cls):
    """The plugin's `Descriptor` (kind filled in)."""
    return cls._descriptor()


def validate(cls, config=None):
    return _validate(cls, _pairs(config))


def open_plugin(cls, config=None, **attrs):
    """An instance configured as the host would (`open`)."""
    return _open(cls, _pairs(config), **attrs)


def roundtrip(records):
    """Records through a WIT record-batch and back."""
    return _col.decode_batch(_col.encode_batch(records, _wit))


def run_transform(cls_or_instance, records, config=None):
    inst = cls_or_instance if not isinstance(cls_or_instance, type) \
        else open_plugin(cls_or_instance, config)
    batch = _col.encode_batch(records, _wit)
    out = inst.apply_batch(_col.decode_batch(batch))
    return _col.decode_batch(_col.encode_batch(out, _wit))


def run_predicate(cls_or_instance, records, config=None):
    inst = cls_or_instance if not isinstance(cls_or_instance, type) \
        else open_plugin(cls_or_instance, config)
    return [bool(x) for x in inst.test_batch(roundtrip(records))]


def run_converter_from_connect(cls_or_instance, topics, schemas, values, config=None,
                               is_key=False):
    inst = cls_or_instance if not isinstance(cls_or_instance, type) \
        else open_plugin(cls_or_instance, config, is_key=is_key)
    col = _col.encode_value_column(schemas, values, _wit)
    s, v = _col.decode_value_column(col)
    out = inst.from_connect_batch(list(topics), s, v)
    return _col.decode_bytes_column(_col.encode_bytes_column(out, _wit))


def run_header_converter_to_connect(cls_or_instance, topics, header_keys, datas,
                                    config=None):
    """`to_connect_header_batch` through the columnar codec, as the host calls it."""
    inst = cls_or_instance if not isinstance(cls_or_instance, type) \
        else open_plugin(cls_or_instance, config)
    datas = _col.decode_bytes_column(_col.encode_bytes_column(datas, _wit))
    out = list(inst.to_connect_header_batch(list(topics), list(header_keys), datas))
    s, v = _col.decode_value_column(
        _col.encode_value_column([x[0] for x in out], [x[1] for x in out], _wit))
    return [SchemaAndValue(a, b) for a, b in zip(s, v)]


def run_header_converter_from_connect(cls_or_instance, topics, header_keys, schemas, values,
                                      config=None):
    """`from_connect_header_batch` through the columnar codec, as the host calls it."""
    inst = cls_or_instance if not isinstance(cls_or_instance, type) \
        else open_plugin(cls_or_instance, config)
    col = _col.encode_value_column(schemas, values, _wit)
    s, v = _col.decode_value_column(col)
    out = inst.from_connect_header_batch(list(topics), list(header_keys), s, v)
    return _col.decode_bytes_column(_col.encode_bytes_column(out, _wit))


def run_converter_to_connect(cls_or_instance, topics, datas, config=None, is_key=False):
    inst = cls_or_instance if not isinstance(cls_or_instance, type) \
        else open_plugin(cls_or_instance, config, is_key=is_key)
    datas = _col.decode_bytes_column(_col.encode_bytes_column(datas, _wit))
    out = list(inst.to_connect_batch(list(topics), datas))
    s, v = _col.decode_value_column(
        _col.encode_value_column([x[0] for x in out], [x[1] for x in out], _wit))
    return [SchemaAndValue(a, b) for a, b in zip(s, v)]
