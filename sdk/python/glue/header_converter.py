"""The exported `ferry:connect/header-converter` resource, forwarding to ferry_sdk.guest."""
from wit_world.exports import header_converter as _wit
from ferry_sdk import guest as _g


class HeaderConverter(_wit.HeaderConverter):
    def __init__(self, impl):
        self._impl = impl

    @classmethod
    def open(cls, config):
        return cls(_g.open_resource(config))

    def from_connect_header(self, topics, topic_ids, header_keys, values):
        return _g.header_converter_from_connect(self._impl, topics, topic_ids, header_keys,
                                                values)

    def to_connect_header(self, topics, topic_ids, header_keys, data):
        return _g.header_converter_to_connect(self._impl, topics, topic_ids, header_keys, data)
