"""What a plugin author subclasses: `Transform`, `Predicate`, `Converter`; what
`describe()` returns: `Descriptor` and `ConfigKey`; and the errors that tell the host
what to do (`RetriableError`, `FatalError`, `ConfigError`)."""

import enum as _enum
from dataclasses import dataclass, field
from typing import List, Optional

from .record import SchemaAndValue

__all__ = [
    "PluginError", "RetriableError", "FatalError", "ConfigError",
    "PluginKind", "ConfigType", "Importance", "PathAccess", "EndpointForm", "ConfigKey", "Descriptor",
    "Config", "ConfigProblem", "Plugin", "Transform", "Predicate", "Converter",
    "HeaderConverter", "SourceConnector", "SourceTask", "SinkConnector", "SinkTask",
]


# --------------------------------------------------------------------------- errors


class PluginError(Exception):
    """Base of the errors a plugin raises to tell the host what to do. Any other
    exception escaping a plugin call is reported as `FatalError` with its traceback."""


class RetriableError(PluginError):
    """A transient problem: the host retries the same call later, with backoff."""


class FatalError(PluginError):
    """An unrecoverable problem: the host fails the task and shows this message."""


class ConfigError(PluginError):
    """The configuration is invalid (reported like FatalError, as a config problem)."""


# --------------------------------------------------------------------------- descriptor


class PluginKind(_enum.Enum):
    SOURCE = "source"
    SINK = "sink"
    CONVERTER = "converter"
    HEADER_CONVERTER = "header-converter"
    TRANSFORMATION = "transformation"
    PREDICATE = "predicate"


class ConfigType(_enum.Enum):
    """Kafka's `ConfigDef.Type`."""
    BOOLEAN = "boolean"
    INT = "int"
    LONG = "long"
    DOUBLE = "double"
    STRING = "string"
    LIST = "list"
    PASSWORD = "password"
    CLASS = "class"


class Importance(_enum.Enum):
    """Kafka's `ConfigDef.Importance`."""
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class PathAccess(_enum.Enum):
    """Whether a config value is a filesystem path the plugin needs granted."""
    NONE = "none"
    READ_FILE = "read-file"
    WRITE_FILE = "write-file"
    READ_DIR = "read-dir"
    WRITE_DIR = "write-dir"


class EndpointForm(_enum.Enum):
    """Whether a config value names network endpoints the plugin connects to (the
    host grants exactly those, within `ferry.sandbox.allowed.hosts`)."""
    NONE = "none"
    HOST_PORT = "host-port"
    HOST_PORT_LIST = "host-port-list"
    URL = "url"
    JDBC_URL = "jdbc-url"
    UDP_HOST_PORT = "udp-host-port"


def _enum_of(cls, v):
    if isinstance(v, cls):
        return v
    if isinstance(v, str):
        try:
            return cls(v.lower())
        except ValueError:
            return cls[v.upper().replace("-", "_")]
    raise ValueError("%r is not a %s" % (v, cls.__name__))


@dataclass
class ConfigKey:
    """One config key (Kafka's `ConfigDef.ConfigKey`). Enum fields also accept their
    names as strings (`type="int"`, `importance="high"`, `path="read-file"`,
    `endpoint="url"`).
    `required` defaults to "no default given"."""

    name: str
    type: ConfigType = ConfigType.STRING
    default: Optional[str] = None
    importance: Importance = Importance.MEDIUM
    documentation: str = ""
    group: Optional[str] = None
    required: Optional[bool] = None
    path: PathAccess = PathAccess.NONE
    endpoint: EndpointForm = EndpointForm.NONE

    def __post_init__(self):
        self.type = _enum_of(ConfigType, self.type)
        self.importance = _enum_of(Importance, self.importance)
        self.path = _enum_of(PathAccess, self.path)
        self.endpoint = _enum_of(EndpointForm, self.endpoint)
        if self.default is not None and not isinstance(self.default, str):
            self.default = _config_str(self.default)
        if self.required is None:
            self.required = self.default is None


def _config_str(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return ",".join(str(x) for x in v)
    return str(v)


@dataclass
class Descriptor:
    """What a plugin is: returned by the plugin class's `describe()`. `kind` is filled
    in from the base class when left None."""

    name: str
    version: str
    aliases: List[str] = field(default_factory=list)
    config: List[ConfigKey] = field(default_factory=list)
    summary: str = ""
    kind: Optional[PluginKind] = None


@dataclass
class ConfigProblem:
    """A validation problem with one config key (returned by `validate`)."""

    key: str
    message: str


class Config(dict):
    """The plugin's config: a dict of str -> str (values exactly as the user wrote
    them) with Kafka-style typed getters. Keys the descriptor gives a default for are
    filled in before `configure` sees it."""

    _MISSING = object()

    def _raw(self, key, default):
        v = self.get(key)
        if v is None:
            if default is Config._MISSING:
                raise ConfigError("missing required configuration %r" % key)
            return None, default
        return v, None

    def get_string(self, key, default=_MISSING):
        v, d = self._raw(key, default)
        return d if v is None else v

    def get_int(self, key, default=_MISSING):
        v, d = self._raw(key, default)
        if v is None:
            return d
        try:
            return int(v.strip())
        except ValueError:
            raise ConfigError("invalid value %r for configuration %r: not an integer"
                              % (v, key)) from None

    get_long = get_int

    def get_double(self, key, default=_MISSING):
        v, d = self._raw(key, default)
        if v is None:
            return d
        try:
            return float(v.strip())
        except ValueError:
            raise ConfigError("invalid value %r for configuration %r: not a number"
                              % (v, key)) from None

    def get_bool(self, key, default=_MISSING):
        v, d = self._raw(key, default)
        if v is None:
            return d
        s = v.strip().lower()
        if s in ("true", "false"):
            return s == "true"
        raise ConfigError("invalid value %r for configuration %r: expected true or false"
                          % (v, key))

    def get_list(self, key, default=_MISSING):
        """Comma-separated list, items trimmed, empty string -> []."""
        v, d = self._raw(key, default)
        if v is None:
            return d
        v = v.strip()
        return [x.strip() for x in v.split(",")] if v else []


# --------------------------------------------------------------------------- base classes


class Plugin:
    """Common base. Subclasses define `describe()` (a classmethod returning a
    `Descriptor`; the host calls it before any instance exists) and may override
    `validate(config)` (classmethod) and `configure(config)` (per instance, after
    construction with no arguments; raise `ConfigError` for bad values)."""

    KIND = None

    @classmethod
    def describe(cls):
        raise NotImplementedError("%s must define describe()" % cls.__name__)

    @classmethod
    def validate(cls, config):
        """Plugin-specific checks beyond the config definition: return a list of
        `ConfigProblem` (or `(key, message)` pairs); empty means valid."""
        return []

    def configure(self, config):
        """Called once with the `Config` (Kafka's `configure`)."""

    @classmethod
    def _descriptor(cls):
        d = cls.describe()
        if d.kind is None:
            d.kind = cls.KIND
        return d


class Transform(Plugin):
    """A single message transform (Kafka's `Transformation`). Override
    `apply_record(record)` to return the new record, the same one, or None to drop
    it; or override `apply_batch(records)` to see the whole batch."""

    KIND = PluginKind.TRANSFORMATION

    def apply_record(self, record):
        return record

    def apply_batch(self, records):
        out = []
        for r in records:
            r2 = self.apply_record(r)
            if r2 is not None:
                out.append(r2)
        return out


class Predicate(Plugin):
    """A predicate (Kafka's `Predicate`). Override `test_record(record) -> bool`, or
    `test_batch(records) -> list[bool]`."""

    KIND = PluginKind.PREDICATE

    def test_record(self, record):
        raise NotImplementedError("%s must define test_record()" % type(self).__name__)

    def test_batch(self, records):
        return [bool(self.test_record(r)) for r in records]


class Converter(Plugin):
    """A converter (Kafka's `Converter`). `self.is_key` is set before `configure`.
    Override `from_connect(topic, schema, value) -> bytes | None` and
    `to_connect(topic, data) -> SchemaAndValue` (or a `(schema, value)` pair; None
    means a null value without schema), or their `_batch` forms."""

    KIND = PluginKind.CONVERTER
    is_key = False

    def from_connect(self, topic, schema, value):
        raise NotImplementedError("%s must define from_connect()" % type(self).__name__)

    def to_connect(self, topic, data):
        raise NotImplementedError("%s must define to_connect()" % type(self).__name__)

    def from_connect_batch(self, topics, schemas, values):
        return [self.from_connect(t, s, v) for t, s, v in zip(topics, schemas, values)]

    def to_connect_batch(self, topics, datas):
        out = []
        for t, d in zip(topics, datas):
            sv = self.to_connect(t, d)
            out.append(SchemaAndValue(None, None) if sv is None else SchemaAndValue(*sv))
        return out


class HeaderConverter(Plugin):
    """A header converter (Kafka's `HeaderConverter`), selected by `header.converter`.
    Its config arrives with the prefix stripped and `converter.type=header`.
    Override `to_connect_header(topic, header_key, data) -> SchemaAndValue` (or a
    `(schema, value)` pair; None means a null value without schema) and
    `from_connect_header(topic, header_key, schema, value) -> bytes | None`, or their
    `_batch` forms, which get every header of a record batch at once."""

    KIND = PluginKind.HEADER_CONVERTER

    def to_connect_header(self, topic, header_key, data):
        raise NotImplementedError("%s must define to_connect_header()" % type(self).__name__)

    def from_connect_header(self, topic, header_key, schema, value):
        raise NotImplementedError("%s must define from_connect_header()" % type(self).__name__)

    def to_connect_header_batch(self, topics, header_keys, datas):
        out = []
        for t, k, d in zip(topics, header_keys, datas):
            sv = self.to_connect_header(t, k, d)
            out.append(SchemaAndValue(None, None) if sv is None else SchemaAndValue(*sv))
        return out

    def from_connect_header_batch(self, topics, header_keys, schemas, values):
        return [self.from_connect_header(t, k, s, v)
                for t, k, s, v in zip(topics, header_keys, schemas, values)]


class SourceConnector(Plugin):
    """A source connector (Kafka's `SourceConnector`): splits the work into task
    configs. `configure` keeps the config as `self.config`; override
    `task_configs(max_tasks)` to return a list of config dicts (the default: one task
    with the connector's config). Export it with its task class:
    `Plugin, Source = ferry_sdk.export_source(MyConnector, MyTask)`."""

    KIND = PluginKind.SOURCE

    def configure(self, config):
        self.config = config

    def task_configs(self, max_tasks):
        return [dict(self.config)]

    def stop(self):
        """Release resources (`Connector.stop`)."""


class SourceTask:
    """A source task (Kafka's `SourceTask`). `configure(config)` gets the task config
    (use `ferry_sdk.host.read_offsets` there to resume); `poll()` returns a list of
    `ConnectRecord` with `source_partition` / `source_offset` dicts, or [] when
    nothing is ready (never block for long: the host backs off between empty polls);
    `commit()` runs after the host committed the offsets of every record acknowledged
    so far."""

    def configure(self, config):
        self.config = config

    def poll(self):
        return []

    def commit(self):
        pass

    def stop(self):
        pass


class SinkConnector(Plugin):
    """A sink connector (Kafka's `SinkConnector`); as `SourceConnector`. Export it
    with `Plugin, Sink = ferry_sdk.export_sink(MyConnector, MyTask)`."""

    KIND = PluginKind.SINK

    def configure(self, config):
        self.config = config

    def task_configs(self, max_tasks):
        return [dict(self.config)]

    def stop(self):
        pass


class SinkTask:
    """A sink task (Kafka's `SinkTask`): `put(records)` gets converted, transformed
    `ConnectRecord`s (it may buffer); after `flush(offsets)` returns, everything put
    must be durable: the host then commits those offsets (a list of
    `(topic, partition, next offset)`)."""

    def configure(self, config):
        self.config = config

    def put(self, records):
        raise NotImplementedError("%s must define put()" % type(self).__name__)

    def flush(self, offsets):
        pass

    def stop(self):
        pass


# --------------------------------------------------------------------------- lifecycle


def open_instance(cls, pairs, **attrs):
    """Instantiate and configure a plugin class from WIT config pairs: defaults from
    the descriptor are filled in, later duplicates win."""
    cfg = Config()
    for k, v in pairs:
        cfg[k] = v
    for key in cls._descriptor().config:
        if key.name not in cfg and key.default is not None:
            cfg[key.name] = key.default
    inst = cls()
    for k, v in attrs.items():
        setattr(inst, k, v)
    inst.configure(cfg)
    return inst


def open_task(connector_cls, task_cls, pairs):
    """Instantiate and configure a task class from its task config (the connector's
    descriptor defaults are filled in)."""
    cfg = Config()
    for k, v in pairs:
        cfg[k] = v
    for key in connector_cls._descriptor().config:
        if key.name not in cfg and key.default is not None:
            cfg[key.name] = key.default
    inst = task_cls()
    inst.configure(cfg)
    return inst


def validate_config(cls, pairs):
    cfg = Config()
    for k, v in pairs:
        cfg[k] = v
    out = []
    for p in cls.validate(cfg) or ():
        if isinstance(p, ConfigProblem):
            out.append(p)
        else:
            k, m = p
            out.append(ConfigProblem(k, m))
    return out
