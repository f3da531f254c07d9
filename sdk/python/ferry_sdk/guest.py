"""componentize-py glue: adapts a plugin class to the generated bindings.

Only importable inside a component build (it imports the generated `wit_world`
package). Plugin authors call `ferry_sdk.export_transform(MyTransform)` (or
`export_predicate` / `export_converter`) in their app module and bind the result to
the names componentize-py looks for:

    Plugin, Transform = ferry_sdk.export_transform(MyTransform)

The exported resource itself lives in a top-level module named after the WIT
interface (`transform`, `predicate`, `converter`, `header_converter`), shipped in
`sdk/python/glue/`.
"""

import traceback as _traceback

from componentize_py_types import Err
from wit_world import exports as _exports
from wit_world.imports import types as _t

from . import columnar as _col
from . import plugin as _p

_registered = None
_task_class = None


def _register(cls, base):
    global _registered
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise TypeError("%r is not a subclass of ferry_sdk.%s" % (cls, base.__name__))
    if _registered is not None and _registered is not cls:
        raise RuntimeError("a component exports exactly one plugin; already have %s"
                           % _registered.__name__)
    _registered = cls


def registered():
    if _registered is None:
        raise _p.FatalError("no plugin class exported: call ferry_sdk.export_*(cls) in the app module")
    return _registered


def to_err(exc):
    """The componentize-py `Err` carrying the WIT plugin-error for an exception."""
    if isinstance(exc, Err):
        return exc
    if isinstance(exc, _p.RetriableError):
        return Err(_t.PluginError_Retriable(str(exc)))
    if isinstance(exc, _p.ConfigError):
        return Err(_t.PluginError_Config(str(exc)))
    if isinstance(exc, _p.FatalError):
        return Err(_t.PluginError_Fatal(str(exc)))
    tb = "".join(_traceback.format_exception(type(exc), exc, exc.__traceback__))
    return Err(_t.PluginError_Fatal("%s: %s\n%s" % (type(exc).__name__, exc, tb)))


def descriptor_to_wit(d):
    return _t.PluginDescriptor(
        name=d.name,
        version=d.version,
        kind=_t.PluginKind[d.kind.name],
        aliases=list(d.aliases),
        config=[
            _t.ConfigKey(
                name=k.name,
                type=_t.ConfigType[k.type.name],
                default_value=k.default,
                importance=_t.Importance[k.importance.name],
                documentation=k.documentation,
                group=k.group,
                required=bool(k.required),
                path=_t.PathAccess[k.path.name],
                endpoint=_t.EndpointForm[k.endpoint.name],
            )
            for k in d.config
        ],
        summary=d.summary,
    )


class PluginExport(_exports.Plugin):
    """The `plugin` interface: describe and validate the registered class."""

    def describe(self):
        return descriptor_to_wit(registered()._descriptor())

    def validate(self, config):
        try:
            problems = _p.validate_config(registered(), config)
        except Exception as e:  # validate has no error channel: report it as a problem
            return [_t.ConfigProblem(key="", message="validation failed: %s: %s"
                                     % (type(e).__name__, e))]
        return [_t.ConfigProblem(key=p.key, message=p.message) for p in problems]


def _export(cls, base, iface_name):
    _register(cls, base)
    iface = getattr(_exports, iface_name)
    return PluginExport, type(iface_name, (iface,), {"__module__": __name__})


def export_transform(cls):
    """Register `cls` (a `ferry_sdk.Transform`) and return `(Plugin, Transform)`, the
    classes componentize-py wants in the app module."""
    return _export(cls, _p.Transform, "Transform")


def export_predicate(cls):
    """As `export_transform`, for a `ferry_sdk.Predicate`: returns `(Plugin, Predicate)`."""
    return _export(cls, _p.Predicate, "Predicate")


def export_converter(cls):
    """As `export_transform`, for a `ferry_sdk.Converter`: returns `(Plugin, Converter)`."""
    return _export(cls, _p.Converter, "Converter")


def export_source(connector_cls, task_cls):
    """Register a `ferry_sdk.SourceConnector` and its `ferry_sdk.SourceTask` class;
    returns `(Plugin, Source)`, the classes componentize-py wants in the app module."""
    global _task_class
    if not (isinstance(task_cls, type) and issubclass(task_cls, _p.SourceTask)):
        raise TypeError("%r is not a subclass of ferry_sdk.SourceTask" % (task_cls,))
    _task_class = task_cls
    return _export(connector_cls, _p.SourceConnector, "Source")


def export_sink(connector_cls, task_cls):
    """As `export_source`, for a `ferry_sdk.SinkConnector` and its
    `ferry_sdk.SinkTask`: returns `(Plugin, Sink)`."""
    global _task_class
    if not (isinstance(task_cls, type) and issubclass(task_cls, _p.SinkTask)):
        raise TypeError("%r is not a subclass of ferry_sdk.SinkTask" % (task_cls,))
    _task_class = task_cls
    return _export(connector_cls, _p.SinkConnector, "Sink")


def export_header_converter(cls):
    """As `export_transform`, for a `ferry_sdk.HeaderConverter`: returns
    `(Plugin, HeaderConverter)`."""
    return _export(cls, _p.HeaderConverter, "HeaderConverter")


# --------------------------------------------------------------------------- resource bodies
# Called by the glue modules' resource classes; every exception becomes an Err.


def open_resource(config, **attrs):
    try:
        return _p.open_instance(registered(), config, **attrs)
    except Exception as e:
        raise to_err(e)


def open_task(config):
    try:
        if _task_class is None:
            raise _p.FatalError("no task class exported: call ferry_sdk.export_source/export_sink")
        return _p.open_task(registered(), _task_class, config)
    except Exception as e:
        raise to_err(e)


def call(f, *args):
    """Runs a plugin method, turning an exception into the WIT error."""
    try:
        return f(*args)
    except Exception as e:
        raise to_err(e)


def task_configs(impl, max_tasks):
    try:
        configs = list(impl.task_configs(max_tasks))[:max(1, max_tasks)]
        return [[(str(k), _p._config_str(v)) for k, v in dict(c).items()] for c in configs]
    except Exception as e:
        raise to_err(e)


def source_poll(impl):
    try:
        return _col.encode_batch(list(impl.poll() or []), _t)
    except Exception as e:
        raise to_err(e)


def sink_put(impl, batch):
    try:
        impl.put(_col.decode_batch(batch))
    except Exception as e:
        raise to_err(e)


def sink_flush(impl, offsets):
    try:
        impl.flush([(o.topic, o.partition, o.offset) for o in offsets])
    except Exception as e:
        raise to_err(e)


def transform_apply(impl, batch):
    try:
        records = _col.decode_batch(batch)
        out = impl.apply_batch(records)
        return _col.encode_batch(out, _t)
    except Exception as e:
        raise to_err(e)


def predicate_test(impl, batch):
    try:
        records = _col.decode_batch(batch)
        out = [bool(x) for x in impl.test_batch(records)]
        if len(out) != len(records):
            raise _p.FatalError("test_batch returned %d results for %d records"
                                % (len(out), len(records)))
        return out
    except Exception as e:
        raise to_err(e)


def converter_from_connect(impl, topics, values):
    try:
        schemas, vals = _col.decode_value_column(values)
        if len(topics) != len(vals):
            raise _p.FatalError("%d topics for %d values" % (len(topics), len(vals)))
        out = list(impl.from_connect_batch(list(topics), schemas, vals))
        if len(out) != len(vals):
            raise _p.FatalError("from_connect_batch returned %d results for %d values"
                                % (len(out), len(vals)))
        return _col.encode_bytes_column(out, _t)
    except Exception as e:
        raise to_err(e)


def converter_to_connect(impl, topics, data):
    try:
        datas = _col.decode_bytes_column(data)
        if len(topics) != len(datas):
            raise _p.FatalError("%d topics for %d values" % (len(topics), len(datas)))
        out = list(impl.to_connect_batch(list(topics), datas))
        if len(out) != len(datas):
            raise _p.FatalError("to_connect_batch returned %d results for %d values"
                                % (len(out), len(datas)))
        return _col.encode_value_column([sv[0] for sv in out], [sv[1] for sv in out], _t)
    except Exception as e:
        raise to_err(e)


def _header_topics(topics, topic_ids, n):
    if len(topic_ids) != n:
        raise _p.FatalError("%d topic ids for %d headers" % (len(topic_ids), n))
    try:
        return [topics[i] for i in topic_ids]
    except IndexError:
        raise _p.FatalError("header topic id out of range")


def header_converter_from_connect(impl, topics, topic_ids, header_keys, values):
    try:
        schemas, vals = _col.decode_value_column(values)
        per_header = _header_topics(topics, topic_ids, len(vals))
        if len(header_keys) != len(vals):
            raise _p.FatalError("%d keys for %d headers" % (len(header_keys), len(vals)))
        out = list(impl.from_connect_header_batch(per_header, list(header_keys), schemas, vals))
        if len(out) != len(vals):
            raise _p.FatalError("from_connect_header_batch returned %d results for %d headers"
                                % (len(out), len(vals)))
        return _col.encode_bytes_column(out, _t)
    except Exception as e:
        raise to_err(e)


def header_converter_to_connect(impl, topics, topic_ids, header_keys, data):
    try:
        datas = _col.decode_bytes_column(data)
        per_header = _header_topics(topics, topic_ids, len(datas))
        if len(header_keys) != len(datas):
            raise _p.FatalError("%d keys for %d headers" % (len(header_keys), len(datas)))
        out = list(impl.to_connect_header_batch(per_header, list(header_keys), datas))
        if len(out) != len(datas):
            raise _p.FatalError("to_connect_header_batch returned %d results for %d headers"
                                % (len(out), len(datas)))
        return _col.encode_value_column([sv[0] for sv in out], [sv[1] for sv in out], _t)
    except Exception as e:
        raise to_err(e)


def _prewarm():
    # componentize-py has no filesystem at run time: every module must be imported
    # during pre-initialization. Formatting a traceback once here pulls in the modules
    # `traceback` imports lazily, so error reporting works at run time.
    try:
        raise ValueError("prewarm")
    except ValueError as e:
        to_err(e)


_prewarm()
