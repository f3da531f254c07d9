"""A minimal CBOR (RFC 8949) encoder and decoder in pure Python.

Only what Ferry's value columns use: unsigned and negative integers, byte and text
strings, arrays, maps, the simple values false/true/null (undefined decodes as
None), and floats. Encoding writes floats as doubles and always uses the shortest
integer/length heads (preferred serialization); decoding accepts half, single and
double floats, any head width, indefinite-length strings/arrays/maps, and tags
(bignum tags 2/3 decode to int, other tags are skipped and their content returned).

Pure Python on purpose: C extensions are trouble inside componentize-py.

Schemaless decoding maps CBOR to Python as: integers -> int, floats -> float,
text -> str, byte strings -> bytes, arrays -> list, maps -> dict. A map key that
is an array decodes as a tuple (dict keys must be hashable).
"""

import struct as _struct

__all__ = ["CBORError", "encode", "decode", "Encoder", "Decoder"]

_MAX_U64 = (1 << 64) - 1
_BREAK = 0xFF

# Majors.
UINT, NINT, BYTES, TEXT, ARRAY, MAP, TAG, SIMPLE = range(8)

_PACK_D = _struct.Struct(">d").pack
_UNPACK_E = _struct.Struct(">e").unpack_from
_UNPACK_F = _struct.Struct(">f").unpack_from
_UNPACK_D = _struct.Struct(">d").unpack_from


class CBORError(ValueError):
    """Malformed CBOR, or a Python value CBOR (as used here) cannot represent."""


# --------------------------------------------------------------------------- encode


class Encoder:
    """Appends CBOR items to a bytearray. `encode()` is the one-shot helper."""

    __slots__ = ("buf",)

    def __init__(self):
        self.buf = bytearray()

    def head(self, major, n):
        buf = self.buf
        mt = major << 5
        if n < 24:
            buf.append(mt | n)
        elif n < 0x100:
            buf.append(mt | 24)
            buf.append(n)
        elif n < 0x10000:
            buf.append(mt | 25)
            buf += n.to_bytes(2, "big")
        elif n < 0x100000000:
            buf.append(mt | 26)
            buf += n.to_bytes(4, "big")
        elif n <= _MAX_U64:
            buf.append(mt | 27)
            buf += n.to_bytes(8, "big")
        else:
            raise CBORError("integer out of CBOR range: %d" % n)

    def int(self, v):
        if v >= 0:
            if v > _MAX_U64:
                raise CBORError("integer too large for CBOR: %d" % v)
            self.head(UINT, v)
        else:
            n = -1 - v
            if n > _MAX_U64:
                raise CBORError("integer too small for CBOR: %d" % v)
            self.head(NINT, n)

    def float(self, v):
        self.buf.append(0xFB)
        self.buf += _PACK_D(v)

    def bool(self, v):
        self.buf.append(0xF5 if v else 0xF4)

    def null(self):
        self.buf.append(0xF6)

    def text(self, s):
        b = s.encode("utf-8")
        self.head(TEXT, len(b))
        self.buf += b

    def bytes(self, b):
        self.head(BYTES, len(b))
        self.buf += b

    def array_head(self, n):
        self.head(ARRAY, n)

    def map_head(self, n):
        self.head(MAP, n)

    def raw(self, b):
        """Append an already-encoded item."""
        self.buf += b

    def any(self, v):
        """Encode a plain Python value without a schema."""
        t = type(v)
        if t is str:
            self.text(v)
        elif t is int:
            self.int(v)
        elif t is bool:
            self.bool(v)
        elif v is None:
            self.null()
        elif t is float:
            self.float(v)
        elif t is bytes or t is bytearray or t is memoryview:
            self.bytes(v)
        elif t is list or t is tuple:
            self.head(ARRAY, len(v))
            for item in v:
                self.any(item)
        elif t is dict:
            self.head(MAP, len(v))
            for k, item in v.items():
                self.any(k)
                self.any(item)
        # Subclasses (IntEnum, OrderedDict, ...) after the exact-type fast paths.
        elif isinstance(v, bool):
            self.bool(v)
        elif isinstance(v, int):
            self.int(int(v))
        elif isinstance(v, float):
            self.float(float(v))
        elif isinstance(v, str):
            self.text(str(v))
        elif isinstance(v, (bytes, bytearray, memoryview)):
            self.bytes(bytes(v))
        elif isinstance(v, (list, tuple)):
            self.head(ARRAY, len(v))
            for item in v:
                self.any(item)
        elif isinstance(v, dict):
            self.head(MAP, len(v))
            for k, item in v.items():
                self.any(k)
                self.any(item)
        else:
            raise CBORError("cannot CBOR-encode a schemaless %s" % type(v).__name__)

    def getvalue(self):
        return bytes(self.buf)


def encode(value):
    """Encode a plain Python value (None, bool, int, float, str, bytes, list/tuple,
    dict) as one CBOR item."""
    e = Encoder()
    e.any(value)
    return bytes(e.buf)


# --------------------------------------------------------------------------- decode


class Decoder:
    """Reads CBOR items from a bytes-like object, starting at `pos`.

    Besides `item()` (one schemaless item) it offers the primitives the schema-driven
    decoder in `ferry_sdk.data` builds on.
    """

    __slots__ = ("data", "pos", "end")

    def __init__(self, data, pos=0, end=None):
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    # -- low level

    def _need(self, n):
        if self.pos + n > self.end:
            raise CBORError("truncated CBOR at byte %d" % self.pos)

    def peek(self):
        if self.pos >= self.end:
            raise CBORError("truncated CBOR at byte %d" % self.pos)
        return self.data[self.pos]

    def head(self):
        """Read an item head: (major, info, arg). arg is the integer argument for
        info < 28, None for indefinite length (info 31) and for the float/simple
        cases of major 7 with info 25..27 (the payload is left unread)."""
        if self.pos >= self.end:
            raise CBORError("truncated CBOR at byte %d" % self.pos)
        ib = self.data[self.pos]
        self.pos += 1
        major = ib >> 5
        info = ib & 0x1F
        if info < 24:
            return major, info, info
        if major == SIMPLE and info in (25, 26, 27):
            return major, info, None
        if info == 24:
            self._need(1)
            v = self.data[self.pos]
            self.pos += 1
            return major, info, v
        if info == 25:
            n = 2
        elif info == 26:
            n = 4
        elif info == 27:
            n = 8
        elif info == 31:
            if major in (UINT, NINT, TAG):
                raise CBORError("indefinite length not allowed for major type %d" % major)
            return major, info, None
        else:
            raise CBORError("reserved additional information %d at byte %d" % (info, self.pos - 1))
        self._need(n)
        v = int.from_bytes(self.data[self.pos:self.pos + n], "big")
        self.pos += n
        return major, info, v

    def _float_payload(self, info):
        p = self.pos
        if info == 25:
            self._need(2)
            self.pos = p + 2
            return _UNPACK_E(self.data, p)[0]
        if info == 26:
            self._need(4)
            self.pos = p + 4
            return _UNPACK_F(self.data, p)[0]
        self._need(8)
        self.pos = p + 8
        return _UNPACK_D(self.data, p)[0]

    def _string_payload(self, major, arg):
        if arg is None:  # indefinite: definite-length chunks of the same major until break
            parts = []
            while True:
                if self.peek() == _BREAK:
                    self.pos += 1
                    break
                m, _info, n = self.head()
                if m != major or n is None:
                    raise CBORError("bad chunk in indefinite-length string")
                self._need(n)
                parts.append(bytes(self.data[self.pos:self.pos + n]))
                self.pos += n
            raw = b"".join(parts)
        else:
            self._need(arg)
            raw = bytes(self.data[self.pos:self.pos + arg])
            self.pos += arg
        if major == TEXT:
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise CBORError("invalid UTF-8 in CBOR text: %s" % e) from None
        return raw

    def at_break(self):
        """For indefinite-length containers: consume and report a break byte."""
        if self.peek() == _BREAK:
            self.pos += 1
            return True
        return False

    def skip_tags(self):
        """Skip any tag heads before the next item; return the last tag number or None."""
        tag = None
        while self.pos < self.end and (self.data[self.pos] >> 5) == TAG:
            _m, _i, tag = self.head()
        return tag

    def try_null(self):
        """Consume a null (or undefined) if one is next; report whether it was."""
        self.skip_tags()
        b = self.peek()
        if b == 0xF6 or b == 0xF7:
            self.pos += 1
            return True
        return False

    # -- typed readers (schema-driven decoding)

    def read_int(self):
        tag = self.skip_tags()
        major, _info, arg = self.head()
        if major == UINT:
            return arg
        if major == NINT:
            return -1 - arg
        if major == BYTES and tag in (2, 3):
            n = int.from_bytes(self._string_payload(BYTES, arg), "big")
            return n if tag == 2 else -1 - n
        raise CBORError("expected a CBOR integer, found major type %d" % major)

    def read_float(self):
        self.skip_tags()
        major, info, arg = self.head()
        if major == SIMPLE and info in (25, 26, 27):
            return self._float_payload(info)
        if major == UINT:
            return float(arg)
        if major == NINT:
            return float(-1 - arg)
        raise CBORError("expected a CBOR float, found major type %d" % major)

    def read_bool(self):
        self.skip_tags()
        major, info, _arg = self.head()
        if major == SIMPLE and info == 20:
            return False
        if major == SIMPLE and info == 21:
            return True
        raise CBORError("expected a CBOR bool, found major type %d/%d" % (major, info))

    def read_text(self):
        self.skip_tags()
        major, _info, arg = self.head()
        if major != TEXT:
            raise CBORError("expected CBOR text, found major type %d" % major)
        return self._string_payload(TEXT, arg)

    def read_bytes(self):
        self.skip_tags()
        major, _info, arg = self.head()
        if major != BYTES:
            raise CBORError("expected a CBOR byte string, found major type %d" % major)
        return self._string_payload(BYTES, arg)

    def read_array_len(self):
        """Length of the array that starts here, or None if indefinite."""
        self.skip_tags()
        major, _info, arg = self.head()
        if major != ARRAY:
            raise CBORError("expected a CBOR array, found major type %d" % major)
        return arg

    def read_map_len(self):
        """Number of pairs of the map that starts here, or None if indefinite."""
        self.skip_tags()
        major, _info, arg = self.head()
        if major != MAP:
            raise CBORError("expected a CBOR map, found major type %d" % major)
        return arg

    # -- schemaless

    def item(self):
        """Decode one item as plain Python values."""
        major, info, arg = self.head()
        if major == UINT:
            return arg
        if major == NINT:
            return -1 - arg
        if major == BYTES or major == TEXT:
            return self._string_payload(major, arg)
        if major == ARRAY:
            out = []
            if arg is None:
                while not self.at_break():
                    out.append(self.item())
            else:
                for _ in range(arg):
                    out.append(self.item())
            return out
        if major == MAP:
            out = {}
            if arg is None:
                while not self.at_break():
                    k = _freeze(self.item())
                    out[k] = self.item()
            else:
                for _ in range(arg):
                    k = _freeze(self.item())
                    out[k] = self.item()
            return out
        if major == TAG:
            if arg in (2, 3) and self.pos < self.end and (self.data[self.pos] >> 5) == BYTES:
                n = int.from_bytes(self.read_bytes(), "big")
                return n if arg == 2 else -1 - n
            return self.item()
        # major 7
        if info in (25, 26, 27):
            return self._float_payload(info)
        if info == 20:
            return False
        if info == 21:
            return True
        if info == 22 or info == 23:
            return None
        if info == 31:
            raise CBORError("unexpected break at byte %d" % (self.pos - 1))
        raise CBORError("unsupported CBOR simple value %d" % arg)

    def finish(self):
        if self.pos != self.end:
            raise CBORError("%d trailing bytes after CBOR item" % (self.end - self.pos))


def _freeze(k):
    """Make a decoded map key hashable: lists become tuples, dicts tuples of pairs."""
    t = type(k)
    if t is list:
        return tuple(_freeze(x) for x in k)
    if t is dict:
        return tuple((_freeze(a), _freeze(b)) for a, b in k.items())
    return k


def decode(data):
    """Decode exactly one CBOR item (trailing bytes are an error) as plain Python."""
    d = Decoder(data)
    v = d.item()
    d.finish()
    return v
