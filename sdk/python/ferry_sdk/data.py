"""Kafka Connect's data model in Python: `Schema`, `Field`, `Struct`, and the
schema-driven CBOR encoding of values that crosses the WIT boundary.

Values are plain Python objects in their physical form:

=========================  ==========================================================
schema type                Python value
=========================  ==========================================================
int8, int16, int32, int64  int (range-checked on encode)
float32, float64           float (int accepted on encode)
boolean                    bool
string                     str
bytes                      bytes (bytearray / memoryview accepted on encode)
array                      list (tuple accepted on encode)
map                        dict (a list of pairs accepted on encode; array/struct
                           keys decode as tuple/Struct so they stay hashable)
struct                     Struct (a dict keyed by field name accepted on encode)
=========================  ==========================================================

Logical types are named schemas exactly as in Kafka Connect (`Decimal`, `Date`, `Time`,
`Timestamp` below); their values stay physical (unscaled big-endian bytes, days, ms).
On encode the matching Python objects (`decimal.Decimal`, `datetime.date`,
`datetime.time`, `datetime.datetime`) are accepted and converted.
"""

import datetime as _dt
import decimal as _decimal
import enum as _enum
from types import MappingProxyType as _MappingProxyType

from . import cbor as _cbor

__all__ = [
    "DataError", "SchemaType", "Schema", "Field", "Struct",
    "Decimal", "Date", "Time", "Timestamp",
    "encode_value", "decode_value",
    "INT8_SCHEMA", "INT16_SCHEMA", "INT32_SCHEMA", "INT64_SCHEMA", "FLOAT32_SCHEMA",
    "FLOAT64_SCHEMA", "BOOLEAN_SCHEMA", "STRING_SCHEMA", "BYTES_SCHEMA",
    "OPTIONAL_INT8_SCHEMA", "OPTIONAL_INT16_SCHEMA", "OPTIONAL_INT32_SCHEMA",
    "OPTIONAL_INT64_SCHEMA", "OPTIONAL_FLOAT32_SCHEMA", "OPTIONAL_FLOAT64_SCHEMA",
    "OPTIONAL_BOOLEAN_SCHEMA", "OPTIONAL_STRING_SCHEMA", "OPTIONAL_BYTES_SCHEMA",
]


class DataError(ValueError):
    """A value does not fit its schema (Kafka's `DataException`). `path` says where
    inside a nested value the problem is (e.g. `address.lines[2]`)."""

    def __init__(self, message, path=None):
        super().__init__(message)
        self.message = message
        self.path = path

    def _within(self, part):
        if self.path is None:
            self.path = part
        elif self.path.startswith("["):
            self.path = part + self.path
        else:
            self.path = part + "." + self.path
        return self

    def __str__(self):
        return self.message if not self.path else "%s (at %s)" % (self.message, self.path)


class SchemaType(_enum.Enum):
    """Physical Connect schema types (Kafka's `Schema.Type`); values are Kafka's
    lower-case type names."""

    INT8 = "int8"
    INT16 = "int16"
    INT32 = "int32"
    INT64 = "int64"
    FLOAT32 = "float32"
    FLOAT64 = "float64"
    BOOLEAN = "boolean"
    STRING = "string"
    BYTES = "bytes"
    ARRAY = "array"
    MAP = "map"
    STRUCT = "struct"

    @property
    def is_primitive(self):
        return self not in (SchemaType.ARRAY, SchemaType.MAP, SchemaType.STRUCT)


_T = SchemaType
# Codec dispatch codes (ints compare faster than hashing enum members).
_C_STRING, _C_INT, _C_FLOAT, _C_BOOL, _C_BYTES, _C_STRUCT, _C_ARRAY, _C_MAP = range(8)
_CODES = {
    _T.INT8: _C_INT, _T.INT16: _C_INT, _T.INT32: _C_INT, _T.INT64: _C_INT,
    _T.FLOAT32: _C_FLOAT, _T.FLOAT64: _C_FLOAT, _T.BOOLEAN: _C_BOOL, _T.STRING: _C_STRING,
    _T.BYTES: _C_BYTES, _T.STRUCT: _C_STRUCT, _T.ARRAY: _C_ARRAY, _T.MAP: _C_MAP,
}
# Logical type names -> index into _LOGICAL_CLASSES (filled in below).
_LOGICAL_NAMES = {
    "org.apache.kafka.connect.data.Decimal": 0,
    "org.apache.kafka.connect.data.Date": 1,
    "org.apache.kafka.connect.data.Time": 2,
    "org.apache.kafka.connect.data.Timestamp": 3,
}
_INT_RANGES = {
    _T.INT8: (-(1 << 7), (1 << 7) - 1),
    _T.INT16: (-(1 << 15), (1 << 15) - 1),
    _T.INT32: (-(1 << 31), (1 << 31) - 1),
    _T.INT64: (-(1 << 63), (1 << 63) - 1),
}


class Field:
    """A struct field: name, position and schema (Kafka's `Field`)."""

    __slots__ = ("name", "index", "schema")

    def __init__(self, name, index, schema):
        self.name = name
        self.index = index
        self.schema = schema

    def __eq__(self, other):
        return (isinstance(other, Field) and self.name == other.name
                and self.index == other.index and self.schema == other.schema)

    def __hash__(self):
        return hash((self.name, self.index, self.schema))

    def __repr__(self):
        return "Field(%r, %d, %r)" % (self.name, self.index, self.schema)


_NO_CHANGE = object()


class Schema:
    """A Connect schema (Kafka's `ConnectSchema`). Immutable by convention; build new
    ones with the constructors (`Schema.string()`, `Schema.struct([...])`, ...) or
    `replace(...)`.

    `default` is the default value (None means no default, as in Kafka).
    `parameters` is a read-only mapping. Containers: `value_schema` (array element,
    map value), `key_schema` (map key), `fields` (struct, a tuple of `Field`).
    """

    __slots__ = ("type", "optional", "name", "version", "doc", "parameters", "default",
                 "fields", "key_schema", "value_schema", "_field_map", "_key", "_hash",
                 "_code", "_range", "_logical")

    def __init__(self, type, optional=False, name=None, version=None, doc=None,
                 parameters=None, default=None, fields=None, key_schema=None,
                 value_schema=None):
        if not isinstance(type, SchemaType):
            type = SchemaType(type)
        self.type = type
        self.optional = bool(optional)
        self.name = name
        self.version = version
        self.doc = doc
        self.parameters = _MappingProxyType(dict(parameters or {}))
        self.default = default
        self.key_schema = key_schema
        self.value_schema = value_schema
        if type is _T.STRUCT:
            fl = []
            for i, f in enumerate(fields or ()):
                if isinstance(f, Field):
                    fname, fschema = f.name, f.schema
                else:
                    fname, fschema = f
                if not isinstance(fschema, Schema):
                    raise DataError("field %r: schema must be a Schema" % (fname,))
                fl.append(Field(fname, i, fschema))
            self.fields = tuple(fl)
            self._field_map = {f.name: f for f in self.fields}
            if len(self._field_map) != len(self.fields):
                raise DataError("duplicate field names in struct schema %r" % (name,))
        else:
            if fields:
                raise DataError("only struct schemas have fields")
            self.fields = ()
            self._field_map = None
        if type is _T.ARRAY and value_schema is None:
            raise DataError("array schema needs a value_schema (element schema)")
        if type is _T.MAP and (key_schema is None or value_schema is None):
            raise DataError("map schema needs key_schema and value_schema")
        self._key = None
        self._hash = None
        # Precomputed dispatch data for the value codec's hot loops.
        self._code = _CODES[type]
        self._range = _INT_RANGES.get(type)
        self._logical = _LOGICAL_NAMES.get(name) if name is not None else None

    # -- constructors (Kafka's SchemaBuilder, keyword style)

    @classmethod
    def int8(cls, **kw):
        return cls(_T.INT8, **kw)

    @classmethod
    def int16(cls, **kw):
        return cls(_T.INT16, **kw)

    @classmethod
    def int32(cls, **kw):
        return cls(_T.INT32, **kw)

    @classmethod
    def int64(cls, **kw):
        return cls(_T.INT64, **kw)

    @classmethod
    def float32(cls, **kw):
        return cls(_T.FLOAT32, **kw)

    @classmethod
    def float64(cls, **kw):
        return cls(_T.FLOAT64, **kw)

    @classmethod
    def boolean(cls, **kw):
        return cls(_T.BOOLEAN, **kw)

    @classmethod
    def string(cls, **kw):
        return cls(_T.STRING, **kw)

    @classmethod
    def bytes(cls, **kw):
        return cls(_T.BYTES, **kw)

    @classmethod
    def array(cls, element, **kw):
        return cls(_T.ARRAY, value_schema=element, **kw)

    @classmethod
    def map(cls, key, value, **kw):
        return cls(_T.MAP, key_schema=key, value_schema=value, **kw)

    @classmethod
    def struct(cls, fields=(), **kw):
        """`fields`: `Field`s, `(name, schema)` pairs, or a dict name -> schema."""
        if isinstance(fields, dict):
            fields = list(fields.items())
        return cls(_T.STRUCT, fields=fields, **kw)

    def replace(self, type=_NO_CHANGE, optional=_NO_CHANGE, name=_NO_CHANGE,
                version=_NO_CHANGE, doc=_NO_CHANGE, parameters=_NO_CHANGE,
                default=_NO_CHANGE, fields=_NO_CHANGE, key_schema=_NO_CHANGE,
                value_schema=_NO_CHANGE):
        """A copy with some attributes changed, e.g. `s.replace(optional=True)`."""
        def pick(new, old):
            return old if new is _NO_CHANGE else new
        return Schema(
            pick(type, self.type), pick(optional, self.optional), pick(name, self.name),
            pick(version, self.version), pick(doc, self.doc),
            pick(parameters, self.parameters), pick(default, self.default),
            pick(fields, self.fields), pick(key_schema, self.key_schema),
            pick(value_schema, self.value_schema))

    def as_optional(self):
        return self if self.optional else self.replace(optional=True)

    # -- accessors

    def field(self, name):
        """The `Field` called `name`, or None (Kafka's `Schema.field`)."""
        if self._field_map is None:
            raise DataError("cannot look up fields on a non-struct schema")
        return self._field_map.get(name)

    @property
    def field_names(self):
        return [f.name for f in self.fields]

    # -- equality (structural, like ConnectSchema.equals)

    def _eq_key(self):
        k = self._key
        if k is None:
            default = None
            if self.default is not None:
                try:
                    default = encode_value(self, self.default)
                except (DataError, _cbor.CBORError):
                    default = ("invalid", repr(self.default))
            k = (self.type, self.optional, self.name, self.version, self.doc,
                 tuple(sorted(self.parameters.items())), default,
                 tuple((f.name, f.schema._eq_key()) for f in self.fields),
                 self.key_schema._eq_key() if self.key_schema is not None else None,
                 self.value_schema._eq_key() if self.value_schema is not None else None)
            self._key = k
        return k

    def __eq__(self, other):
        if self is other:
            return True
        if not isinstance(other, Schema):
            return NotImplemented
        return self._eq_key() == other._eq_key()

    def __ne__(self, other):
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    def __hash__(self):
        h = self._hash
        if h is None:
            h = self._hash = hash(self._eq_key())
        return h

    def __repr__(self):
        parts = [self.type.value]
        if self.optional:
            parts.append("optional")
        if self.name:
            parts.append("name=%r" % self.name)
        if self.type is _T.STRUCT:
            parts.append("fields=[%s]" % ", ".join(
                "%s: %r" % (f.name, f.schema) for f in self.fields))
        elif self.type is _T.ARRAY:
            parts.append("of %r" % (self.value_schema,))
        elif self.type is _T.MAP:
            parts.append("%r -> %r" % (self.key_schema, self.value_schema))
        return "Schema(%s)" % " ".join(parts)


def _primitive(t, optional):
    return Schema(t, optional=optional)


INT8_SCHEMA = _primitive(_T.INT8, False)
INT16_SCHEMA = _primitive(_T.INT16, False)
INT32_SCHEMA = _primitive(_T.INT32, False)
INT64_SCHEMA = _primitive(_T.INT64, False)
FLOAT32_SCHEMA = _primitive(_T.FLOAT32, False)
FLOAT64_SCHEMA = _primitive(_T.FLOAT64, False)
BOOLEAN_SCHEMA = _primitive(_T.BOOLEAN, False)
STRING_SCHEMA = _primitive(_T.STRING, False)
BYTES_SCHEMA = _primitive(_T.BYTES, False)
OPTIONAL_INT8_SCHEMA = _primitive(_T.INT8, True)
OPTIONAL_INT16_SCHEMA = _primitive(_T.INT16, True)
OPTIONAL_INT32_SCHEMA = _primitive(_T.INT32, True)
OPTIONAL_INT64_SCHEMA = _primitive(_T.INT64, True)
OPTIONAL_FLOAT32_SCHEMA = _primitive(_T.FLOAT32, True)
OPTIONAL_FLOAT64_SCHEMA = _primitive(_T.FLOAT64, True)
OPTIONAL_BOOLEAN_SCHEMA = _primitive(_T.BOOLEAN, True)
OPTIONAL_STRING_SCHEMA = _primitive(_T.STRING, True)
OPTIONAL_BYTES_SCHEMA = _primitive(_T.BYTES, True)


class Struct:
    """A struct value (Kafka's `Struct`): a schema plus one value per field.

    `s["f"]` / `s.get("f")` return the field's value, or its schema default when the
    value is None (as Kafka's `Struct.get`); `s["f"] = v` / `s.put("f", v)` set it.
    """

    __slots__ = ("schema", "_values")

    def __init__(self, schema, values=None):
        if not isinstance(schema, Schema) or schema.type is not _T.STRUCT:
            raise DataError("Struct needs a struct schema")
        self.schema = schema
        n = len(schema.fields)
        if values is None:
            self._values = [None] * n
        elif isinstance(values, dict):
            self._values = [None] * n
            for k, v in values.items():
                self.put(k, v)
        else:
            values = list(values)
            if len(values) != n:
                raise DataError("struct %r has %d fields, got %d values"
                                % (schema.name, n, len(values)))
            self._values = values

    def _field(self, name):
        f = self.schema._field_map.get(name)
        if f is None:
            raise DataError("%r is not a field of struct %r" % (name, self.schema.name))
        return f

    def get(self, name):
        f = self._field(name)
        v = self._values[f.index]
        return f.schema.default if v is None else v

    def get_without_default(self, name):
        return self._values[self._field(name).index]

    def put(self, name, value):
        """Set a field; returns self so calls chain (as Kafka's `Struct.put`)."""
        self._values[self._field(name).index] = value
        return self

    __getitem__ = get

    def __setitem__(self, name, value):
        self._values[self._field(name).index] = value

    def __contains__(self, name):
        return name in self.schema._field_map

    def values(self):
        """The raw field values in field order (a list you may modify in place)."""
        return self._values

    def items(self):
        return [(f.name, self._values[f.index]) for f in self.schema.fields]

    def to_dict(self):
        """Field name -> value, nested structs converted too."""
        def conv(v):
            if isinstance(v, Struct):
                return v.to_dict()
            if isinstance(v, list):
                return [conv(x) for x in v]
            if isinstance(v, dict):
                return {k: conv(x) for k, x in v.items()}
            return v
        return {f.name: conv(self._values[f.index]) for f in self.schema.fields}

    def copy(self):
        """A shallow copy with the same schema."""
        return Struct(self.schema, list(self._values))

    def validate(self):
        """Raise DataError unless every field value fits its schema."""
        encode_value(self.schema, self)

    def __eq__(self, other):
        return (isinstance(other, Struct) and self.schema == other.schema
                and self._values == other._values)

    def __hash__(self):
        return hash((self.schema, tuple(_hashable(v) for v in self._values)))

    def __repr__(self):
        return "Struct{%s}" % ",".join(
            "%s=%r" % (f.name, self._values[f.index]) for f in self.schema.fields)


def _hashable(v):
    if isinstance(v, list):
        return tuple(_hashable(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((repr(k), _hashable(x)) for k, x in v.items()))
    return v


# --------------------------------------------------------------------------- logical types

_EPOCH_DATE = _dt.date(1970, 1, 1)
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


class Decimal:
    """`org.apache.kafka.connect.data.Decimal`: bytes holding the unscaled value as
    big-endian two's complement, with parameter `scale`."""

    LOGICAL_NAME = "org.apache.kafka.connect.data.Decimal"
    SCALE_FIELD = "scale"

    @staticmethod
    def schema(scale, optional=False, **kw):
        params = dict(kw.pop("parameters", {}) or {})
        params[Decimal.SCALE_FIELD] = str(int(scale))
        return Schema(_T.BYTES, optional=optional, name=Decimal.LOGICAL_NAME,
                      version=kw.pop("version", 1), parameters=params, **kw)

    @staticmethod
    def scale(schema):
        try:
            return int(schema.parameters[Decimal.SCALE_FIELD])
        except (KeyError, ValueError):
            raise DataError("Decimal schema without a valid scale parameter") from None

    @staticmethod
    def from_logical(schema, value):
        """decimal.Decimal -> unscaled bytes (raises if the value has more digits after
        the point than the schema's scale allows)."""
        scale = Decimal.scale(schema)
        if not isinstance(value, _decimal.Decimal):
            value = _decimal.Decimal(value)
        unscaled = value.scaleb(scale)
        if unscaled != unscaled.to_integral_value():
            raise DataError("decimal %s does not fit scale %d" % (value, scale))
        n = int(unscaled)
        length = max(1, (n + (n < 0)).bit_length() // 8 + 1)
        return n.to_bytes(length, "big", signed=True)

    @staticmethod
    def to_logical(schema, value):
        """unscaled bytes -> decimal.Decimal."""
        n = int.from_bytes(value, "big", signed=True)
        return _decimal.Decimal(n).scaleb(-Decimal.scale(schema))


class Date:
    """`org.apache.kafka.connect.data.Date`: int32 days since the Unix epoch."""

    LOGICAL_NAME = "org.apache.kafka.connect.data.Date"

    @staticmethod
    def schema(optional=False, **kw):
        return Schema(_T.INT32, optional=optional, name=Date.LOGICAL_NAME,
                      version=kw.pop("version", 1), **kw)

    @staticmethod
    def from_logical(schema, value):
        if isinstance(value, _dt.datetime):
            value = value.date()
        return (value - _EPOCH_DATE).days

    @staticmethod
    def to_logical(schema, value):
        return _EPOCH_DATE + _dt.timedelta(days=value)


class Time:
    """`org.apache.kafka.connect.data.Time`: int32 milliseconds since midnight."""

    LOGICAL_NAME = "org.apache.kafka.connect.data.Time"

    @staticmethod
    def schema(optional=False, **kw):
        return Schema(_T.INT32, optional=optional, name=Time.LOGICAL_NAME,
                      version=kw.pop("version", 1), **kw)

    @staticmethod
    def from_logical(schema, value):
        return ((value.hour * 60 + value.minute) * 60 + value.second) * 1000 \
            + value.microsecond // 1000

    @staticmethod
    def to_logical(schema, value):
        ms = int(value)
        return _dt.time(ms // 3600000, ms // 60000 % 60, ms // 1000 % 60, ms % 1000 * 1000)


class Timestamp:
    """`org.apache.kafka.connect.data.Timestamp`: int64 milliseconds since the epoch."""

    LOGICAL_NAME = "org.apache.kafka.connect.data.Timestamp"

    @staticmethod
    def schema(optional=False, **kw):
        return Schema(_T.INT64, optional=optional, name=Timestamp.LOGICAL_NAME,
                      version=kw.pop("version", 1), **kw)

    @staticmethod
    def from_logical(schema, value):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        delta = value - _EPOCH
        return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000

    @staticmethod
    def to_logical(schema, value):
        return _EPOCH + _dt.timedelta(milliseconds=value)


# Per _LOGICAL_NAMES index: (class, Python types accepted on encode).
_LOGICAL_CLASSES = [
    (Decimal, (_decimal.Decimal,)),
    (Date, (_dt.date,)),
    (Time, (_dt.time,)),
    (Timestamp, (_dt.datetime,)),
]


# --------------------------------------------------------------------------- encode


def encode_value(schema, value):
    """CBOR-encode `value` by `schema`. A None value encodes as CBOR null if the schema
    is optional, as its default if it has one, and raises DataError otherwise (a null
    record key/value is not encoded at all: it is a -1 length in the column)."""
    e = _cbor.Encoder()
    _encode(e, schema, value)
    return bytes(e.buf)


def _encode(e, schema, value):
    if value is None:
        if schema.optional:
            e.buf.append(0xF6)
            return
        if schema.default is not None:
            value = schema.default
        else:
            raise DataError("null value for a required %s schema" % schema.type.value)
    c = schema._code
    vt = type(value)
    if c == _C_STRING:
        if vt is not str and not isinstance(value, str):
            raise _mismatch(schema, value)
        e.text(value)
        return
    if schema._logical is not None:
        cls, pytypes = _LOGICAL_CLASSES[schema._logical]
        if isinstance(value, pytypes):
            value = cls.from_logical(schema, value)
            vt = type(value)
    if c == _C_INT:
        if vt is bool or not isinstance(value, int):
            raise _mismatch(schema, value)
        lo, hi = schema._range
        if not lo <= value <= hi:
            raise DataError("%d is out of range for %s" % (value, schema.type.value))
        e.int(int(value))
    elif c == _C_FLOAT:
        if vt is bool or not isinstance(value, (int, float)):
            raise _mismatch(schema, value)
        e.float(float(value))
    elif c == _C_BOOL:
        if vt is not bool:
            raise _mismatch(schema, value)
        e.buf.append(0xF5 if value else 0xF4)
    elif c == _C_BYTES:
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise _mismatch(schema, value)
        e.bytes(value)
    elif c == _C_STRUCT:
        if vt is Struct or isinstance(value, Struct):
            if value.schema is not schema and value.schema != schema:
                raise DataError("struct value's schema %r does not match %r"
                                % (value.schema, schema))
            vals = value._values
        elif isinstance(value, dict):
            unknown = set(value) - set(schema._field_map)
            if unknown:
                raise DataError("unknown struct fields %s" % sorted(unknown))
            vals = [value.get(f.name) for f in schema.fields]
        else:
            raise _mismatch(schema, value)
        e.array_head(len(schema.fields))
        for f in schema.fields:
            try:
                _encode(e, f.schema, vals[f.index])
            except DataError as ex:
                raise ex._within(f.name)
    elif c == _C_ARRAY:
        if not isinstance(value, (list, tuple)):
            raise _mismatch(schema, value)
        es = schema.value_schema
        e.array_head(len(value))
        for i, item in enumerate(value):
            try:
                _encode(e, es, item)
            except DataError as ex:
                raise ex._within("[%d]" % i)
    elif c == _C_MAP:
        if isinstance(value, dict):
            pairs = value.items()
        elif isinstance(value, (list, tuple)):
            pairs = value
        else:
            raise _mismatch(schema, value)
        ks, vs = schema.key_schema, schema.value_schema
        e.map_head(len(value))
        for k, v in pairs:
            try:
                if type(k) is tuple and ks._code == _C_ARRAY:
                    k = list(k)
                _encode(e, ks, k)
                _encode(e, vs, v)
            except DataError as ex:
                raise ex._within("[%s]" % _short(k))
    else:  # pragma: no cover
        raise DataError("unknown schema type %r" % (schema.type,))


def _mismatch(schema, value):
    return DataError("%s value %s does not fit a %s schema"
                     % (type(value).__name__, _short(value), schema.type.value))


def _short(v):
    r = repr(v)
    return r if len(r) <= 60 else r[:57] + "..."


# --------------------------------------------------------------------------- decode


def decode_value(schema, data):
    """Decode one CBOR item by `schema` into Python values (see the module doc).
    With `schema` None, decodes schemaless CBOR."""
    d = _cbor.Decoder(data)
    if schema is None:
        v = d.item()
    else:
        v = _decode(d, schema)
    d.finish()
    return v


def _decode(d, schema):
    data = d.data
    pos = d.pos
    if pos >= d.end:
        raise _cbor.CBORError("truncated CBOR at byte %d" % pos)
    ib = data[pos]
    if ib == 0xF6 or ib == 0xF7:  # null / undefined
        d.pos = pos + 1
        return None
    if ib >> 5 == 6:  # tags (rare): a tagged null, else let the readers see the tags
        if d.try_null():
            return None
        d.pos = pos
        ib = -1  # no fast paths
    c = schema._code
    if c == _C_STRING:
        if 0x60 <= ib < 0x78:  # short text: decode in place
            end = pos + 1 + (ib & 0x1F)
            if end > d.end:
                raise _cbor.CBORError("truncated CBOR at byte %d" % pos)
            d.pos = end
            try:
                return str(data[pos + 1:end], "utf-8")
            except UnicodeDecodeError as e:
                raise _cbor.CBORError("invalid UTF-8 in CBOR text: %s" % e) from None
        return d.read_text()
    if c == _C_INT:
        if 0 <= ib < 0x18:  # small unsigned int
            d.pos = pos + 1
            return ib
        return d.read_int()
    if c == _C_FLOAT:
        return d.read_float()
    if c == _C_BOOL:
        return d.read_bool()
    if c == _C_BYTES:
        return d.read_bytes()
    if c == _C_STRUCT:
        n = d.read_array_len()
        fields = schema.fields
        nf = len(fields)
        if n is None:
            vals = []
            while not d.at_break():
                if len(vals) == nf:
                    raise DataError("struct %r: too many field values" % (schema.name,))
                vals.append(_decode(d, fields[len(vals)].schema))
            if len(vals) != nf:
                raise DataError("struct %r: too few field values" % (schema.name,))
        else:
            if n != nf:
                raise DataError("struct %r has %d fields, CBOR array has %d"
                                % (schema.name, nf, n))
            vals = [_decode(d, f.schema) for f in fields]
        s = Struct.__new__(Struct)
        s.schema = schema
        s._values = vals
        return s
    if c == _C_ARRAY:
        n = d.read_array_len()
        es = schema.value_schema
        if n is None:
            out = []
            while not d.at_break():
                out.append(_decode(d, es))
            return out
        return [_decode(d, es) for _ in range(n)]
    if c == _C_MAP:
        n = d.read_map_len()
        ks, vs = schema.key_schema, schema.value_schema
        out = {}
        freeze = _cbor._freeze
        if n is None:
            while not d.at_break():
                k = freeze(_decode(d, ks))
                out[k] = _decode(d, vs)
        else:
            for _ in range(n):
                k = freeze(_decode(d, ks))
                out[k] = _decode(d, vs)
        return out
    raise DataError("unknown schema type %r" % (schema.type,))  # pragma: no cover
