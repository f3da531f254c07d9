"""py-uppercase: upper-cases string values and the string fields of struct values.

Records whose value is a string (schemaless str, or a `string` schema) get it
upper-cased; struct values get every top-level field of type string upper-cased.
Everything else (keys, headers, other value types, nulls) passes unchanged.
"""

import ferry_sdk as ferry
from ferry_sdk import SchemaType, Struct


class Uppercase(ferry.Transform):
    @classmethod
    def describe(cls):
        return ferry.Descriptor(
            name="py-uppercase",
            version="0.1.0",
            aliases=["PyUppercase"],
            config=[],
            summary="Upper-cases string values and the string fields of struct values (Python).",
        )

    def apply_record(self, record):
        value = record.value
        if isinstance(value, str):
            schema = record.value_schema
            if schema is None or schema.type is SchemaType.STRING:
                return record.new_record(value=value.upper())
            return record
        if isinstance(value, Struct):
            out = value.copy()
            changed = False
            for f in value.schema.fields:
                if f.schema.type is SchemaType.STRING:
                    v = out.get_without_default(f.name)
                    if isinstance(v, str):
                        out[f.name] = v.upper()
                        changed = True
            return record.new_record(value=out) if changed else record
        return record


# The names componentize-py looks for in the app module.
Plugin, Transform = ferry.export_transform(Uppercase)
