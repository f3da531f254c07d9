"""The exported `ferry:connect/predicate` resource, forwarding to ferry_sdk.guest."""
from wit_world.exports import predicate as _wit
from ferry_sdk import guest as _g


class Predicate(_wit.Predicate):
    def __init__(self, impl):
        self._impl = impl

    @classmethod
    def open(cls, config):
        return cls(_g.open_resource(config))

    def test(self, batch):
        return _g.predicate_test(self._impl, batch)
