"""Pure-Python stand-ins for the WIT types of `ferry:connect/types@0.1.0`, with the
same class, field and enum-member names as componentize-py's generated
`wit_world.imports.types`. Used outside a component (unit tests, local harnesses);
inside a component the generated module is used instead (see `columnar.wit_types`)."""

from dataclasses import dataclass
from enum import Enum
from typing import List, Optional, Tuple, Union


@dataclass
class PluginError_Retriable:
    value: str


@dataclass
class PluginError_Fatal:
    value: str


@dataclass
class PluginError_Config:
    value: str


PluginError = Union[PluginError_Retriable, PluginError_Fatal, PluginError_Config]


class PluginKind(Enum):
    SOURCE = 0
    SINK = 1
    CONVERTER = 2
    HEADER_CONVERTER = 3
    TRANSFORMATION = 4
    PREDICATE = 5


class ConfigType(Enum):
    BOOLEAN = 0
    INT = 1
    LONG = 2
    DOUBLE = 3
    STRING = 4
    LIST = 5
    PASSWORD = 6
    CLASS = 7


class Importance(Enum):
    HIGH = 0
    MEDIUM = 1
    LOW = 2


class PathAccess(Enum):
    NONE = 0
    READ_FILE = 1
    WRITE_FILE = 2
    READ_DIR = 3
    WRITE_DIR = 4


class EndpointForm(Enum):
    NONE = 0
    HOST_PORT = 1
    HOST_PORT_LIST = 2
    URL = 3
    JDBC_URL = 4
    UDP_HOST_PORT = 5


@dataclass
class ConfigKey:
    name: str
    type: ConfigType
    default_value: Optional[str]
    importance: Importance
    documentation: str
    group: Optional[str]
    required: bool
    path: PathAccess
    endpoint: EndpointForm


@dataclass
class PluginDescriptor:
    name: str
    version: str
    kind: PluginKind
    aliases: List[str]
    config: List[ConfigKey]
    summary: str


@dataclass
class ConfigProblem:
    key: str
    message: str


@dataclass
class BytesColumn:
    data: bytes
    lengths: List[int]


class SchemaType(Enum):
    INT8 = 0
    INT16 = 1
    INT32 = 2
    INT64 = 3
    FLOAT32 = 4
    FLOAT64 = 5
    BOOLEAN = 6
    STRING = 7
    BYTES = 8
    ARRAY = 9
    MAP = 10
    STRUCT = 11


@dataclass
class Schema:
    type: SchemaType
    optional: bool
    name: Optional[str]
    version: Optional[int]
    doc: Optional[str]
    parameters: List[Tuple[str, str]]
    default_value: Optional[bytes]
    children: List[int]
    field_names: List[str]


@dataclass
class ValueColumn:
    schemas: List[Schema]
    schema_ids: List[int]
    values: BytesColumn


@dataclass
class HeaderColumn:
    counts: List[int]
    keys: BytesColumn
    values: ValueColumn


@dataclass
class RecordBatch:
    topics: List[str]
    topic: List[int]
    partition: List[int]
    kafka_offset: List[int]
    timestamp: List[int]
    key: ValueColumn
    value: ValueColumn
    headers: HeaderColumn
    source_partition: BytesColumn
    source_offset: BytesColumn


@dataclass
class TopicPartitionOffset:
    topic: str
    partition: int
    offset: int
