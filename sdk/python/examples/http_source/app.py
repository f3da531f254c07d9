"""py-http-source: polls a JSON HTTP endpoint and emits one record per element.

Every `poll.interval.ms` it GETs `http.url` with `?<cursor.param>=<cursor>` (once a
cursor is known). The response is a JSON object: its `items.field` (default `items`)
is a list, each element becomes one record on `topic` (the element as JSON text, a
string schema), and its `cursor.field` (default `next`) is the cursor of the next
request. The source partition is `{"url": <http.url>}` and each record's offset
`{"cursor": <the cursor after its page>}`, so a restarted task continues from the
last committed page. A page with elements is followed at once by the next one; an
empty page waits the interval.

It reaches the network through the sandbox's grant like any plugin: `http.url` is an
endpoint-typed key (a URL), so the worker's `ferry.sandbox.allowed.hosts` must admit
its host and port, and nothing else is reachable. It speaks plain HTTP/1.1 through
Python's `http.client` over a `wasi:sockets` TCP connection (no TLS in this example).
"""

import encodings.idna  # noqa: F401 (socket encodes host names with it, lazily)
import http.client
import json
import time
import urllib.parse

import ferry_sdk as ferry
from ferry_sdk import STRING_SCHEMA, ConfigKey, ConnectRecord, host

URL = "http.url"
TOPIC = "topic"
POLL_INTERVAL = "poll.interval.ms"
ITEMS_FIELD = "items.field"
CURSOR_FIELD = "cursor.field"
CURSOR_PARAM = "cursor.param"

# componentize-py runs no imports after pre-initialization: warm what `http.client`
# and `socket` would otherwise load on first use.
"localhost".encode("idna")

# The longest one poll waits for the next request to be due.
MAX_WAIT_S = 0.5


class HttpSource(ferry.SourceConnector):
    @classmethod
    def describe(cls):
        return ferry.Descriptor(
            name="py-http-source",
            version="0.1.0",
            aliases=["PyHttpSource"],
            summary="Polls a JSON HTTP endpoint, one record per element, resuming from a cursor (Python).",
            config=[
                ConfigKey(URL, required=True, endpoint="url", importance="high",
                          documentation="The http:// URL to poll."),
                ConfigKey(TOPIC, required=True, importance="high",
                          documentation="The topic the records go to."),
                ConfigKey(POLL_INTERVAL, type="long", default="1000",
                          documentation="Wait after an empty page, in milliseconds."),
                ConfigKey(ITEMS_FIELD, default="items",
                          documentation="The response field holding the list of elements."),
                ConfigKey(CURSOR_FIELD, default="next",
                          documentation="The response field holding the next cursor."),
                ConfigKey(CURSOR_PARAM, default="cursor",
                          documentation="The query parameter the cursor is sent in."),
            ],
        )

    @classmethod
    def validate(cls, config):
        url = config.get(URL, "")
        if not url.lower().startswith("http://"):
            return [(URL, "Invalid value %s for configuration %s: must be an http:// URL" % (url, URL))]
        return []


class HttpSourceTask(ferry.SourceTask):
    def configure(self, config):
        self.url = config.get_string(URL)
        self.topic = config.get_string(TOPIC)
        self.interval = config.get_long(POLL_INTERVAL) / 1000.0
        self.items_field = config.get_string(ITEMS_FIELD)
        self.cursor_field = config.get_string(CURSOR_FIELD)
        self.cursor_param = config.get_string(CURSOR_PARAM)
        self.partition = {"url": self.url}
        committed = host.read_offsets([self.partition])[0]
        self.cursor = None if committed is None else committed.get("cursor")
        self.next_poll = 0.0
        parts = urllib.parse.urlsplit(self.url)
        self.host = parts.hostname
        self.port = parts.port or 80
        self.path = parts.path or "/"
        self.query = urllib.parse.parse_qsl(parts.query)

    def _get(self):
        query = list(self.query)
        if self.cursor is not None:
            query.append((self.cursor_param, str(self.cursor)))
        target = self.path + ("?" + urllib.parse.urlencode(query) if query else "")
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            connection.request("GET", target, headers={"Accept": "application/json"})
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        if response.status == 429 or response.status >= 500:
            raise ferry.RetriableError("GET %s answered %d: %s"
                                       % (target, response.status, body[:200]))
        if response.status != 200:
            raise ferry.FatalError("GET %s answered %d: %s"
                                   % (target, response.status, body[:500]))
        return json.loads(body)

    def poll(self):
        wait = self.next_poll - time.monotonic()
        if wait > 0:
            time.sleep(min(wait, MAX_WAIT_S))
            return []
        try:
            page = self._get()
        except (OSError, http.client.HTTPException) as e:
            self.next_poll = time.monotonic() + self.interval
            raise ferry.RetriableError("GET %s failed: %s" % (self.url, e))
        items = page.get(self.items_field) or []
        cursor = page.get(self.cursor_field, self.cursor)
        if not items:
            self.next_poll = time.monotonic() + self.interval
            if cursor is not None:
                self.cursor = cursor
            return []
        self.cursor = cursor
        records = []
        for item in items:
            record = ConnectRecord(self.topic, value_schema=STRING_SCHEMA,
                                   value=json.dumps(item, separators=(",", ":")))
            record.source_partition = self.partition
            record.source_offset = {"cursor": cursor}
            records.append(record)
        return records


# The names componentize-py looks for in the app module.
Plugin, Source = ferry.export_source(HttpSource, HttpSourceTask)
