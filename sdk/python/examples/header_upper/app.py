"""A header converter in Python: header values are UTF-8 strings, upper-cased on the
way in (Kafka -> Connect) and written back as they are."""

import ferry_sdk as ferry


class UpperHeaders(ferry.HeaderConverter):
    @classmethod
    def describe(cls):
        return ferry.Descriptor(name="py-upper-headers", version="0.1.0",
                                summary="Header values as upper-cased strings.")

    def to_connect_header(self, topic, header_key, data):
        if data is None:
            return None
        return ferry.OPTIONAL_STRING_SCHEMA, data.decode("utf-8").upper()

    def from_connect_header(self, topic, header_key, schema, value):
        return None if value is None else str(value).encode("utf-8")


Plugin, HeaderConverter = ferry.export_header_converter(UpperHeaders)
