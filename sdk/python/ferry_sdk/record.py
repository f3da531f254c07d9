"""`ConnectRecord`: one Kafka Connect record as a plugin sees it."""

import json as _json
from typing import NamedTuple, Optional

__all__ = ["ConnectRecord", "Header", "SchemaAndValue"]


class Header(NamedTuple):
    """A Connect header (Kafka's `Header`): a UTF-8 key and a Connect value with its
    schema (None when schemaless). The host's header converter (`header.converter`,
    SimpleHeaderConverter by default) makes them from the Kafka header bytes before a
    sink or transform sees them, and turns them back into bytes after a source's
    transforms; a plain `bytes` value with no schema passes through the
    ByteArrayConverter unchanged."""

    key: str
    value: object
    schema: object = None


class SchemaAndValue(NamedTuple):
    """A value with its schema (None when schemaless), as Kafka's `SchemaAndValue`."""

    schema: object
    value: object


_UNSET = object()


class ConnectRecord:
    """A Connect record (Kafka's `ConnectRecord`, covering `SourceRecord` and
    `SinkRecord`).

    Attributes: `topic`, `kafka_partition` (None: let the producer choose),
    `key_schema`, `key`, `value_schema`, `value` (schemas are `Schema` or None for
    schemaless), `timestamp` (ms since epoch or None), `headers` (list of `Header`),
    `kafka_offset` (sink records; None otherwise), and for source records
    `source_partition` / `source_offset` (JSON-compatible dicts, parsed lazily; the
    raw JSON text passes through untouched when you don't assign them).
    """

    __slots__ = ("topic", "kafka_partition", "key_schema", "key", "value_schema", "value",
                 "timestamp", "headers", "kafka_offset",
                 "_sp_raw", "_sp", "_so_raw", "_so")

    def __init__(self, topic, kafka_partition=None, key_schema=None, key=None,
                 value_schema=None, value=None, timestamp=None, headers=None,
                 kafka_offset=None, source_partition=None, source_offset=None):
        self.topic = topic
        self.kafka_partition = kafka_partition
        self.key_schema = key_schema
        self.key = key
        self.value_schema = value_schema
        self.value = value
        self.timestamp = timestamp
        self.headers = list(headers) if headers else []
        self.kafka_offset = kafka_offset
        self._sp_raw = None
        self._sp = source_partition if source_partition is not None else _UNSET
        self._so_raw = None
        self._so = source_offset if source_offset is not None else _UNSET

    @classmethod
    def _raw(cls, topic, kafka_partition, key_schema, key, value_schema, value, timestamp,
             headers, kafka_offset, sp_raw, so_raw):
        r = cls.__new__(cls)
        r.topic = topic
        r.kafka_partition = kafka_partition
        r.key_schema = key_schema
        r.key = key
        r.value_schema = value_schema
        r.value = value
        r.timestamp = timestamp
        r.headers = headers
        r.kafka_offset = kafka_offset
        r._sp_raw = sp_raw
        r._sp = _UNSET
        r._so_raw = so_raw
        r._so = _UNSET
        return r

    # -- source partition / offset (JSON on the wire)

    @property
    def source_partition(self):
        if self._sp is _UNSET:
            self._sp = None if self._sp_raw is None else _json.loads(self._sp_raw)
        return self._sp

    @source_partition.setter
    def source_partition(self, v):
        self._sp = v
        self._sp_raw = None

    @property
    def source_offset(self):
        if self._so is _UNSET:
            self._so = None if self._so_raw is None else _json.loads(self._so_raw)
        return self._so

    @source_offset.setter
    def source_offset(self, v):
        self._so = v
        self._so_raw = None

    def _source_json(self):
        """(partition JSON bytes or None, offset JSON bytes or None) for encoding."""
        sp = self._sp_raw if self._sp is _UNSET else _dumps(self._sp)
        so = self._so_raw if self._so is _UNSET else _dumps(self._so)
        return sp, so

    # -- copies

    def new_record(self, **changes):
        """A copy with some attributes replaced (Kafka's `newRecord`), e.g.
        `record.new_record(value=v.upper())`. Headers are copied (a new list)."""
        r = ConnectRecord._raw(self.topic, self.kafka_partition, self.key_schema, self.key,
                               self.value_schema, self.value, self.timestamp,
                               list(self.headers), self.kafka_offset,
                               self._sp_raw, self._so_raw)
        r._sp = self._sp
        r._so = self._so
        for k, v in changes.items():
            if k not in _FIELDS:
                raise TypeError("ConnectRecord has no attribute %r" % k)
            setattr(r, k, v)
        return r

    def __eq__(self, other):
        if not isinstance(other, ConnectRecord):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in _FIELDS)

    __hash__ = None

    def __repr__(self):
        return ("ConnectRecord(topic=%r, partition=%r, offset=%r, timestamp=%r, "
                "key=%r, value=%r)" % (self.topic, self.kafka_partition, self.kafka_offset,
                                       self.timestamp, self.key, self.value))


_FIELDS = ("topic", "kafka_partition", "key_schema", "key", "value_schema", "value",
           "timestamp", "headers", "kafka_offset", "source_partition", "source_offset")


def _dumps(v):
    if v is None:
        return None
    return _json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
