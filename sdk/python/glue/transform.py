"""The exported `ferry:connect/transform` resource, forwarding to ferry_sdk.guest."""
from wit_world.exports import transform as _wit
from ferry_sdk import guest as _g


class Transform(_wit.Transform):
    def __init__(self, impl):
        self._impl = impl

    @classmethod
    def open(cls, config):
        return cls(_g.open_resource(config))

    def apply(self, batch):
        return _g.transform_apply(self._impl, batch)
