"""Source and sink connector classes, and the HTTP source example's logic, run
natively (the component itself is exercised by tests/tests/python_source.rs)."""

import http.server
import importlib.util
import json
import os
import threading

import ferry_sdk as ferry
from ferry_sdk import plugin as _p

HERE = os.path.dirname(os.path.abspath(__file__))
APP = os.path.join(os.path.dirname(HERE), "examples", "http_source", "app.py")


def load_app():
    spec = importlib.util.spec_from_file_location("http_source_app", APP)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Collect(ferry.SinkTask):
    def configure(self, config):
        self.seen = []

    def put(self, records):
        self.seen.extend(records)


class Nothing(ferry.SinkConnector):
    @classmethod
    def describe(cls):
        return ferry.Descriptor(name="nothing", version="1",
                                config=[ferry.ConfigKey("x", default="7")])


def test_connector_defaults_and_task_configs():
    connector = _p.open_instance(Nothing, [("a", "1")])
    assert connector.config == {"a": "1", "x": "7"}
    assert connector.task_configs(3) == [{"a": "1", "x": "7"}]
    task = _p.open_task(Nothing, Collect, [("a", "1")])
    task.put([ferry.ConnectRecord("t", value="v")])
    assert [r.value for r in task.seen] == ["v"]
    assert Nothing._descriptor().kind is ferry.PluginKind.SINK


def test_endpoint_keys_are_declared():
    app = load_app()
    keys = {k.name: k for k in app.HttpSource.describe().config}
    assert keys["http.url"].endpoint is ferry.EndpointForm.URL
    assert keys["topic"].endpoint is ferry.EndpointForm.NONE
    assert app.HttpSource.validate({"http.url": "ftp://x"})[0][0] == "http.url"


def test_http_source_pages_through_a_feed():
    pages = {None: ([1, 2], 2), "2": ([3], 3), "3": ([], 3)}
    asked = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            cursor = self.path.split("cursor=")[1] if "cursor=" in self.path else None
            asked.append(cursor)
            items, nxt = pages[cursor]
            body = json.dumps({"items": [{"n": i} for i in items], "next": nxt}).encode()
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        app = load_app()
        url = "http://127.0.0.1:%d/feed" % server.server_port
        task = _p.open_task(app.HttpSource, app.HttpSourceTask,
                            [("http.url", url), ("topic", "t"), ("poll.interval.ms", "0")])
        first = task.poll()
        assert [r.value for r in first] == ['{"n":1}', '{"n":2}']
        assert first[0].source_partition == {"url": url}
        assert first[1].source_offset == {"cursor": 2}
        assert [r.value for r in task.poll()] == ['{"n":3}']
        assert task.poll() == []
        assert asked == [None, "2", "3"]
    finally:
        server.shutdown()
