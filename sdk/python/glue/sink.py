"""The exported `ferry:connect/sink` resources, forwarding to ferry_sdk.guest."""
from wit_world.exports import sink as _wit
from ferry_sdk import guest as _g


class SinkConnector(_wit.SinkConnector):
    def __init__(self, impl):
        self._impl = impl

    @classmethod
    def open(cls, config):
        return cls(_g.open_resource(config))

    def task_configs(self, max_tasks):
        return _g.task_configs(self._impl, max_tasks)

    def stop(self):
        try:
            self._impl.stop()
        except Exception:
            pass


class SinkTask(_wit.SinkTask):
    def __init__(self, impl):
        self._impl = impl

    @classmethod
    def open(cls, config):
        return cls(_g.open_task(config))

    def put(self, batch):
        _g.sink_put(self._impl, batch)

    def flush(self, offsets):
        _g.sink_flush(self._impl, offsets)

    def stop(self):
        try:
            self._impl.stop()
        except Exception:
            pass
