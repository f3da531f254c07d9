"""The exported `ferry:connect/source` resources, forwarding to ferry_sdk.guest."""
from wit_world.exports import source as _wit
from ferry_sdk import guest as _g


class SourceConnector(_wit.SourceConnector):
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


class SourceTask(_wit.SourceTask):
    def __init__(self, impl):
        self._impl = impl

    @classmethod
    def open(cls, config):
        return cls(_g.open_task(config))

    def poll(self):
        return _g.source_poll(self._impl)

    def commit(self):
        _g.call(self._impl.commit)

    def stop(self):
        try:
            self._impl.stop()
        except Exception:
            pass
