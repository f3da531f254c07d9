"""Ferry's Python SDK: write Ferry plugins (Kafka Connect-style transforms,
predicates and converters) in Python, built into WebAssembly components with
componentize-py.

    import ferry_sdk as ferry

    class Upper(ferry.Transform):
        @classmethod
        def describe(cls):
            return ferry.Descriptor(name="upper", version="0.1.0")

        def apply_record(self, record):
            if isinstance(record.value, str):
                return record.new_record(value=record.value.upper())
            return record

    Plugin, Transform = ferry.export_transform(Upper)

Everything except `export_*` (and `ferry_sdk.guest`) is pure Python and works
outside a component too.
"""

from .cbor import CBORError
from .columnar import (decode_batch, decode_bytes_column, decode_schemas,
                       decode_value_column, encode_batch, encode_bytes_column,
                       encode_value_column)
from .data import (BOOLEAN_SCHEMA, BYTES_SCHEMA, FLOAT32_SCHEMA, FLOAT64_SCHEMA,
                   INT8_SCHEMA, INT16_SCHEMA, INT32_SCHEMA, INT64_SCHEMA,
                   OPTIONAL_BOOLEAN_SCHEMA, OPTIONAL_BYTES_SCHEMA, OPTIONAL_FLOAT32_SCHEMA,
                   OPTIONAL_FLOAT64_SCHEMA, OPTIONAL_INT8_SCHEMA, OPTIONAL_INT16_SCHEMA,
                   OPTIONAL_INT32_SCHEMA, OPTIONAL_INT64_SCHEMA, OPTIONAL_STRING_SCHEMA,
                   STRING_SCHEMA, DataError, Date, Decimal, Field, Schema, SchemaType,
                   Struct, Time, Timestamp, decode_value, encode_value)
from .plugin import (Config, ConfigError, ConfigKey, ConfigProblem, ConfigType, Converter,
                     Descriptor, FatalError, Importance, PathAccess, EndpointForm, Plugin,
                     PluginError,
                     PluginKind, Predicate, RetriableError, Transform, HeaderConverter,
                     SourceConnector, SourceTask, SinkConnector, SinkTask)
from .record import ConnectRecord, Header, SchemaAndValue
from . import host

__version__ = "0.1.0"

__all__ = [
    # data model
    "SchemaType", "Schema", "Field", "Struct", "DataError", "CBORError",
    "Decimal", "Date", "Time", "Timestamp", "encode_value", "decode_value",
    "INT8_SCHEMA", "INT16_SCHEMA", "INT32_SCHEMA", "INT64_SCHEMA", "FLOAT32_SCHEMA",
    "FLOAT64_SCHEMA", "BOOLEAN_SCHEMA", "STRING_SCHEMA", "BYTES_SCHEMA",
    "OPTIONAL_INT8_SCHEMA", "OPTIONAL_INT16_SCHEMA", "OPTIONAL_INT32_SCHEMA",
    "OPTIONAL_INT64_SCHEMA", "OPTIONAL_FLOAT32_SCHEMA", "OPTIONAL_FLOAT64_SCHEMA",
    "OPTIONAL_BOOLEAN_SCHEMA", "OPTIONAL_STRING_SCHEMA", "OPTIONAL_BYTES_SCHEMA",
    # records
    "ConnectRecord", "Header", "SchemaAndValue",
    # plugins
    "Plugin", "Transform", "Predicate", "Converter", "HeaderConverter", "Descriptor", "ConfigKey",
    "ConfigType", "Importance", "PathAccess", "EndpointForm", "PluginKind", "Config", "ConfigProblem",
    "PluginError", "RetriableError", "FatalError", "ConfigError",
    "SourceConnector", "SourceTask", "SinkConnector", "SinkTask",
    "export_transform", "export_predicate", "export_converter", "export_header_converter",
    "export_source", "export_sink", "host",
    # columnar codec
    "decode_batch", "encode_batch", "decode_value_column", "encode_value_column",
    "decode_bytes_column", "encode_bytes_column", "decode_schemas",
]


def _in_component():
    import importlib.util
    return importlib.util.find_spec("wit_world") is not None


def export_transform(cls):
    """Register a `Transform` subclass as this component's plugin and return
    `(Plugin, Transform)` for the app module: `Plugin, Transform = export_transform(C)`.
    Outside a componentize-py build (no `wit_world` bindings) it returns
    `(None, None)`, so the app module stays importable in unit tests."""
    if not _in_component():
        return None, None
    from .guest import export_transform as f
    return f(cls)


def export_predicate(cls):
    """As `export_transform`, for a `Predicate`: `Plugin, Predicate = export_predicate(C)`."""
    if not _in_component():
        return None, None
    from .guest import export_predicate as f
    return f(cls)


def export_converter(cls):
    """As `export_transform`, for a `Converter`: `Plugin, Converter = export_converter(C)`."""
    if not _in_component():
        return None, None
    from .guest import export_converter as f
    return f(cls)


def export_header_converter(cls):
    """As `export_transform`, for a `HeaderConverter` (world
    `header-converter-plugin`): `Plugin, HeaderConverter = export_header_converter(C)`."""
    if not _in_component():
        return None, None
    from .guest import export_header_converter as f
    return f(cls)


def export_source(connector_cls, task_cls):
    """Register a `SourceConnector` subclass and its `SourceTask` class (world
    `source-plugin`): `Plugin, Source = export_source(MyConnector, MyTask)`."""
    if not _in_component():
        return None, None
    from .guest import export_source as f
    return f(connector_cls, task_cls)


def export_sink(connector_cls, task_cls):
    """As `export_source`, for a `SinkConnector` and its `SinkTask` (world
    `sink-plugin`): `Plugin, Sink = export_sink(MyConnector, MyTask)`."""
    if not _in_component():
        return None, None
    from .guest import export_sink as f
    return f(connector_cls, task_cls)
