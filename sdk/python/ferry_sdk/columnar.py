"""The columnar codec: WIT `record-batch` / `value-column` / `bytes-column` /
`header-column` <-> Python `ConnectRecord`s, `Schema`s and values.

Reading accepts any objects with the WIT field names (the componentize-py bindings'
dataclasses, or `ferry_sdk._wit`'s); writing builds them with the constructors of a
`types` module (the generated `wit_world.imports.types` inside a component, the
pure-Python mirror `ferry_sdk._wit` elsewhere; see `wit_types()`).
"""

from . import cbor as _cbor
from .data import DataError, Schema, SchemaType, Struct, _decode, _encode, encode_value
from .record import ConnectRecord, Header

__all__ = [
    "wit_types", "decode_bytes_column", "encode_bytes_column", "decode_schemas",
    "decode_value_column", "encode_value_column", "decode_batch", "encode_batch",
]

_types = None


def wit_types():
    """The module whose classes mirror the WIT types: the componentize-py generated
    `wit_world.imports.types` when importable, else the pure-Python `ferry_sdk._wit`."""
    global _types
    if _types is None:
        try:
            from wit_world.imports import types as t  # inside a component
        except ImportError:
            from . import _wit as t
        _types = t
    return _types


# --------------------------------------------------------------------------- bytes columns


def _offsets(col, n=None):
    """[(start, end) or None] per entry of a bytes-column, checked against its data."""
    lengths = col.lengths
    if n is not None and len(lengths) != n:
        raise DataError("bytes column has %d entries, expected %d" % (len(lengths), n))
    out = []
    pos = 0
    for ln in lengths:
        if ln < 0:
            if ln != -1:
                raise DataError("bad bytes-column length %d" % ln)
            out.append(None)
        else:
            out.append((pos, pos + ln))
            pos += ln
    if pos != len(col.data):
        raise DataError("bytes column lengths add up to %d but data has %d bytes"
                        % (pos, len(col.data)))
    return out


def decode_bytes_column(col, n=None):
    """A WIT bytes-column as a list of `bytes` (None where the length is -1)."""
    data = col.data
    return [None if o is None else bytes(data[o[0]:o[1]]) for o in _offsets(col, n)]


def encode_bytes_column(items, types=None):
    """A list of bytes-like objects / None as a WIT bytes-column."""
    T = types or wit_types()
    buf = bytearray()
    lengths = []
    for b in items:
        if b is None:
            lengths.append(-1)
        else:
            if isinstance(b, str):
                b = b.encode("utf-8")
            lengths.append(len(b))
            buf += b
    return T.BytesColumn(data=bytes(buf), lengths=lengths)


# --------------------------------------------------------------------------- schemas


class _SchemaReader:
    """Builds `Schema` objects from a WIT schema table on demand (memoized)."""

    __slots__ = ("rows", "built", "busy")

    def __init__(self, rows):
        self.rows = rows
        self.built = [None] * len(rows)
        self.busy = [False] * len(rows)

    def get(self, i):
        s = self.built[i] if 0 <= i < len(self.built) else None
        if s is not None:
            return s
        if not 0 <= i < len(self.rows):
            raise DataError("schema index %d out of range (table has %d)" % (i, len(self.rows)))
        if self.busy[i]:
            raise DataError("schema table has a cycle through index %d" % i)
        self.busy[i] = True
        ws = self.rows[i]
        t = _wit_to_type(ws.type)
        children = [self.get(c) for c in ws.children]
        kw = dict(optional=ws.optional, name=ws.name, version=ws.version, doc=ws.doc,
                  parameters=dict(ws.parameters))
        names = list(ws.field_names)
        if t is SchemaType.STRUCT:
            if len(names) != len(children):
                raise DataError("struct schema %d: %d field names for %d children"
                                % (i, len(names), len(children)))
            s = Schema(t, fields=list(zip(names, children)), **kw)
        elif t is SchemaType.ARRAY:
            if len(children) != 1:
                raise DataError("array schema %d needs 1 child, has %d" % (i, len(children)))
            s = Schema(t, value_schema=children[0], **kw)
        elif t is SchemaType.MAP:
            if len(children) != 2:
                raise DataError("map schema %d needs 2 children, has %d" % (i, len(children)))
            s = Schema(t, key_schema=children[0], value_schema=children[1], **kw)
        else:
            if children:
                raise DataError("%s schema %d must not have children" % (t.value, i))
            s = Schema(t, **kw)
        if ws.default_value is not None:
            d = _cbor.Decoder(ws.default_value)
            s.default = _decode(d, s)
            d.finish()
        self.busy[i] = False
        self.built[i] = s
        return s


def _wit_to_type(wt):
    name = getattr(wt, "name", None)
    if name is None:  # a plain string, e.g. "int8"
        return SchemaType(str(wt).replace("-", ""))
    return SchemaType[name.upper()]


def decode_schemas(rows):
    """Every schema of a WIT schema table, as `Schema` objects (same order)."""
    r = _SchemaReader(rows)
    return [r.get(i) for i in range(len(rows))]


class _SchemaWriter:
    """Interns `Schema`s into a WIT schema table (by identity, then by structure)."""

    __slots__ = ("T", "rows", "by_id", "by_key", "keep")

    def __init__(self, T):
        self.T = T
        self.rows = []
        self.by_id = {}
        self.by_key = {}
        self.keep = []  # keeps interned objects alive so their ids stay unique

    def index(self, schema):
        i = self.by_id.get(id(schema))
        if i is not None:
            return i
        k = schema._eq_key()
        i = self.by_key.get(k)
        if i is None:
            T = self.T
            if schema.type is SchemaType.STRUCT:
                children = [self.index(f.schema) for f in schema.fields]
                names = [f.name for f in schema.fields]
            elif schema.type is SchemaType.ARRAY:
                children = [self.index(schema.value_schema)]
                names = []
            elif schema.type is SchemaType.MAP:
                children = [self.index(schema.key_schema), self.index(schema.value_schema)]
                names = []
            else:
                children = []
                names = []
            default = None if schema.default is None else encode_value(schema, schema.default)
            row = T.Schema(
                type=T.SchemaType[schema.type.name],
                optional=schema.optional,
                name=schema.name,
                version=schema.version,
                doc=schema.doc,
                parameters=list(schema.parameters.items()),
                default_value=default,
                children=children,
                field_names=names,
            )
            i = len(self.rows)
            self.rows.append(row)
            self.by_key[k] = i
        self.by_id[id(schema)] = i
        self.keep.append(schema)
        return i


# --------------------------------------------------------------------------- value columns


def _decode_values(col, n=None):
    """(schemas, values) lists from a WIT value-column."""
    lengths = col.values.lengths
    ids = col.schema_ids
    if n is not None and len(lengths) != n:
        raise DataError("value column has %d values, expected %d" % (len(lengths), n))
    if len(ids) != len(lengths):
        raise DataError("value column has %d schema ids for %d values"
                        % (len(ids), len(lengths)))
    reader = _SchemaReader(col.schemas)
    built = reader.built
    data = col.values.data
    size = len(data)
    d = _cbor.Decoder(data)
    schemas = []
    values = []
    pos = 0
    for sid, ln in zip(ids, lengths):
        if sid < 0:
            if sid != -1:
                raise DataError("bad schema id %d" % sid)
            schema = None
        else:
            schema = built[sid] if sid < len(built) else None
            if schema is None:
                schema = reader.get(sid)
        schemas.append(schema)
        if ln < 0:
            if ln != -1:
                raise DataError("bad bytes-column length %d" % ln)
            values.append(None)
            continue
        end = pos + ln
        if end > size:
            raise DataError("value column lengths exceed its %d data bytes" % size)
        d.pos = pos
        d.end = end
        v = d.item() if schema is None else _decode(d, schema)
        if d.pos != end:
            raise _cbor.CBORError("%d trailing bytes after CBOR item" % (end - d.pos))
        values.append(v)
        pos = end
    if pos != size:
        raise DataError("value column lengths add up to %d but data has %d bytes" % (pos, size))
    return schemas, values


def decode_value_column(col):
    """A WIT value-column as `(schemas, values)`: two lists, one entry per record
    (schema None = schemaless; value None = null)."""
    return _decode_values(col)


def encode_value_column(schemas, values, types=None):
    """Build a WIT value-column from parallel lists of schemas (or None) and values.

    A None value is a null (-1 length). A schemaless `Struct` uses its own schema.
    """
    T = types or wit_types()
    return _encode_values(T, schemas, values)


def _encode_values(T, schemas, values):
    writer = _SchemaWriter(T)
    e = _cbor.Encoder()
    buf = e.buf
    ids = []
    lengths = []
    for schema, value in zip(schemas, values):
        if schema is None and isinstance(value, Struct):
            schema = value.schema
        ids.append(-1 if schema is None else writer.index(schema))
        if value is None:
            lengths.append(-1)
            continue
        start = len(buf)
        if schema is None:
            e.any(value)
        else:
            _encode(e, schema, value)
        ln = len(buf) - start
        if ln > 0x7FFFFFFF:
            raise DataError("encoded value too large (%d bytes)" % ln)
        lengths.append(ln)
    return T.ValueColumn(schemas=writer.rows, schema_ids=ids,
                         values=T.BytesColumn(data=bytes(buf), lengths=lengths))


# --------------------------------------------------------------------------- batches


def decode_batch(batch):
    """A WIT record-batch as a list of `ConnectRecord`."""
    n = len(batch.topic)
    for name in ("partition", "kafka_offset", "timestamp"):
        if len(getattr(batch, name)) != n:
            raise DataError("record batch: %s has %d entries for %d records"
                            % (name, len(getattr(batch, name)), n))
    topics = batch.topics
    key_schemas, keys = _decode_values(batch.key, n)
    value_schemas, values = _decode_values(batch.value, n)

    h = batch.headers
    if len(h.counts) != n:
        raise DataError("record batch: headers.counts has %d entries for %d records"
                        % (len(h.counts), n))
    hkeys = decode_bytes_column(h.keys)
    hschemas, hvals = _decode_values(h.values, len(hkeys))
    if sum(h.counts) != len(hkeys):
        raise DataError("header counts add up to %d but there are %d headers"
                        % (sum(h.counts), len(hkeys)))

    sps = _optional_json_column(batch.source_partition, n, "source-partition")
    sos = _optional_json_column(batch.source_offset, n, "source-offset")

    out = []
    hpos = 0
    raw = ConnectRecord._raw
    for i in range(n):
        ti = batch.topic[i]
        if not 0 <= ti < len(topics):
            raise DataError("record %d: topic index %d out of range" % (i, ti))
        c = h.counts[i]
        headers = []
        for j in range(hpos, hpos + c):
            k = hkeys[j]
            if k is None:
                raise DataError("record %d: null header key" % i)
            headers.append(Header(k.decode("utf-8"), hvals[j], hschemas[j]))
        hpos += c
        p = batch.partition[i]
        off = batch.kafka_offset[i]
        ts = batch.timestamp[i]
        out.append(raw(topics[ti], None if p < 0 else p, key_schemas[i], keys[i],
                       value_schemas[i], values[i], None if ts < 0 else ts, headers,
                       None if off < 0 else off,
                       None if sps is None else sps[i], None if sos is None else sos[i]))
    return out


def _optional_json_column(col, n, what):
    if len(col.lengths) == 0:
        if len(col.data):
            raise DataError("%s column has data but no entries" % what)
        return None
    if len(col.lengths) != n:
        raise DataError("%s column has %d entries for %d records" % (what, len(col.lengths), n))
    return decode_bytes_column(col)


def encode_batch(records, types=None):
    """A list of `ConnectRecord` as a WIT record-batch."""
    T = types or wit_types()
    topics = []
    topic_ix = {}
    topic = []
    partition = []
    kafka_offset = []
    timestamp = []
    counts = []
    hkeys = []
    hvals = []
    hschemas = []
    sps = []
    sos = []
    any_source = False
    for r in records:
        if not isinstance(r, ConnectRecord):
            raise TypeError("expected ConnectRecord, got %s" % type(r).__name__)
        t = r.topic
        ti = topic_ix.get(t)
        if ti is None:
            if not isinstance(t, str):
                raise DataError("record topic must be a str, got %r" % (t,))
            ti = topic_ix[t] = len(topics)
            topics.append(t)
        topic.append(ti)
        partition.append(-1 if r.kafka_partition is None else r.kafka_partition)
        kafka_offset.append(-1 if r.kafka_offset is None else r.kafka_offset)
        timestamp.append(-1 if r.timestamp is None else r.timestamp)
        counts.append(len(r.headers))
        for h in r.headers:
            hkeys.append(h[0].encode("utf-8"))
            hvals.append(h[1])
            hschemas.append(h[2] if len(h) > 2 else None)
        sp, so = r._source_json()
        if sp is not None or so is not None:
            any_source = True
        sps.append(sp)
        sos.append(so)
    if not any_source:
        sps = sos = []
    return T.RecordBatch(
        topics=topics,
        topic=topic,
        partition=partition,
        kafka_offset=kafka_offset,
        timestamp=timestamp,
        key=_encode_values(T, [r.key_schema for r in records], [r.key for r in records]),
        value=_encode_values(T, [r.value_schema for r in records],
                             [r.value for r in records]),
        headers=T.HeaderColumn(counts=counts, keys=encode_bytes_column(hkeys, T),
                               values=_encode_values(T, hschemas, hvals)),
        source_partition=encode_bytes_column(sps, T),
        source_offset=encode_bytes_column(sos, T),
    )
