"""The exported `ferry:connect/converter` resource, forwarding to ferry_sdk.guest."""
from wit_world.exports import converter as _wit
from ferry_sdk import guest as _g


class Converter(_wit.Converter):
    def __init__(self, impl):
        self._impl = impl

    @classmethod
    def open(cls, config, is_key):
        return cls(_g.open_resource(config, is_key=bool(is_key)))

    def from_connect(self, topics, values):
        return _g.converter_from_connect(self._impl, topics, values)

    def to_connect(self, topics, data):
        return _g.converter_to_connect(self._impl, topics, data)
