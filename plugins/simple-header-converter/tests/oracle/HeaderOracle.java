import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;

/**
 * Runs Kafka's own SimpleHeaderConverter (connect-api jar) and prints golden vectors.
 *
 * "to" lines, one per base64 input line on stdin:
 *   to TAB input(base64, - = null) TAB schema TAB value TAB fromConnectHeader(result) (base64, - = null)
 * "from" lines, for the typed values built below (names match the Rust test's table):
 *   from TAB case TAB fromConnectHeader output (base64, - = null)
 * Schemas and values are written in the small notation of describe() below.
 */
public class HeaderOracle {
    static final SimpleHeaderConverter C = new SimpleHeaderConverter();

    public static void main(String[] args) throws Exception {
        C.configure(Map.of());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, false, "UTF-8");
        String line;
        while ((line = in.readLine()) != null) {
            byte[] input = line.equals("-") ? null : Base64.getDecoder().decode(line);
            try {
                SchemaAndValue sv = C.toConnectHeader("t", "h", input);
                Schema schema = sv == null ? null : sv.schema();
                Object value = sv == null ? null : sv.value();
                out.println("to\t" + line + "\t" + schema(schema) + "\t" + value(value) + "\t"
                        + b64(C.fromConnectHeader("t", "h", schema, value)));
            } catch (Throwable e) {
                out.println("to\t" + line + "\tERR\t" + e.getClass().getSimpleName() + "\t-");
            }
        }
        for (Map.Entry<String, Object[]> c : typed().entrySet()) {
            Schema schema = (Schema) c.getValue()[0];
            out.println("from\t" + c.getKey() + "\t" + b64(C.fromConnectHeader("t", "h", schema, c.getValue()[1])));
        }
        out.flush();
    }

    static String b64(byte[] b) {
        return b == null ? "-" : Base64.getEncoder().encodeToString(b);
    }

    static Map<String, Object[]> typed() {
        Map<String, Object[]> m = new LinkedHashMap<>();
        m.put("null", new Object[] {Schema.OPTIONAL_STRING_SCHEMA, null});
        m.put("int8", new Object[] {Schema.INT8_SCHEMA, (byte) -5});
        m.put("int64", new Object[] {Schema.INT64_SCHEMA, Long.MIN_VALUE});
        m.put("float32", new Object[] {Schema.FLOAT32_SCHEMA, 1.0e10f});
        m.put("float64", new Object[] {Schema.FLOAT64_SCHEMA, 0.1 + 0.2});
        m.put("float64-small", new Object[] {Schema.FLOAT64_SCHEMA, 1.0e-5});
        m.put("float64-nan", new Object[] {Schema.FLOAT64_SCHEMA, Double.NaN});
        m.put("bool", new Object[] {Schema.BOOLEAN_SCHEMA, false});
        m.put("string", new Object[] {Schema.STRING_SCHEMA, "a \"quoted\" \\ string"});
        m.put("bytes", new Object[] {Schema.BYTES_SCHEMA, new byte[] {0, 1, 2, (byte) 0xff}});
        m.put("decimal", new Object[] {Decimal.schema(2), new BigDecimal("-123.45")});
        m.put("decimal-exp", new Object[] {Decimal.schema(9), new BigDecimal("1E-9")});
        m.put("date", new Object[] {Date.SCHEMA, new java.util.Date(19724L * 86400000L)});
        m.put("date-epoch", new Object[] {Date.SCHEMA, new java.util.Date(0L)});
        m.put("time", new Object[] {Time.SCHEMA, new java.util.Date(45296789L)});
        m.put("timestamp", new Object[] {Timestamp.SCHEMA, new java.util.Date(1704196800123L)});
        m.put("timestamp-midnight", new Object[] {Timestamp.SCHEMA, new java.util.Date(1704153600000L)});
        m.put("timestamp-before-epoch", new Object[] {Timestamp.SCHEMA, new java.util.Date(-1000L)});
        m.put("array-strings", new Object[] {SchemaBuilder.array(Schema.STRING_SCHEMA).build(),
                Arrays.asList("a", "b,c", "d\"e")});
        m.put("array-optional", new Object[] {SchemaBuilder.array(Schema.OPTIONAL_INT32_SCHEMA).build(),
                Arrays.asList(1, null, 3)});
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("k1", Arrays.asList(1L, 2L));
        map.put("k2", new ArrayList<>());
        m.put("map-nested", new Object[] {SchemaBuilder.map(Schema.STRING_SCHEMA,
                SchemaBuilder.array(Schema.INT64_SCHEMA).build()).build(), map});
        Map<Integer, Boolean> imap = new LinkedHashMap<>();
        imap.put(1, true);
        imap.put(-2, false);
        m.put("map-int-keys", new Object[] {SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.BOOLEAN_SCHEMA).build(), imap});
        Schema st = SchemaBuilder.struct().name("S").field("name", Schema.STRING_SCHEMA)
                .field("n", Schema.OPTIONAL_INT32_SCHEMA).field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).build()).build();
        m.put("struct", new Object[] {st, new Struct(st).put("name", "x y").put("tags", List.of("t"))});
        m.put("array-dates", new Object[] {SchemaBuilder.array(Date.SCHEMA).build(),
                List.of(new java.util.Date(86400000L), new java.util.Date(19724L * 86400000L))});
        return m;
    }

    /** A schema: type name (optional marked with ?), logical name, children in <>. */
    static String schema(Schema s) {
        if (s == null) return "none";
        StringBuilder sb = new StringBuilder(s.type().getName());
        if (s.isOptional()) sb.append('?');
        if (s.name() != null) sb.append('(').append(s.name()).append(')');
        switch (s.type()) {
            case ARRAY:
                sb.append('<').append(schema(s.valueSchema())).append('>');
                break;
            case MAP:
                sb.append('<').append(schema(s.keySchema())).append(',').append(schema(s.valueSchema())).append('>');
                break;
            default:
        }
        return sb.toString();
    }

    /** A value with its Java class: i8:1, f64:1.5, str:"..." (JSON-style escapes), date:<ms>, [..], {k=v,..}. */
    static String value(Object v) {
        if (v == null) return "null";
        if (v instanceof Byte) return "i8:" + v;
        if (v instanceof Short) return "i16:" + v;
        if (v instanceof Integer) return "i32:" + v;
        if (v instanceof Long) return "i64:" + v;
        if (v instanceof Float) return "f32:" + v;
        if (v instanceof Double) return "f64:" + v;
        if (v instanceof Boolean) return "bool:" + v;
        if (v instanceof BigDecimal) return "dec:" + ((BigDecimal) v).unscaledValue() + "e-" + ((BigDecimal) v).scale();
        if (v instanceof java.util.Date) return "date:" + ((java.util.Date) v).getTime();
        if (v instanceof byte[]) return "bytes:" + Base64.getEncoder().encodeToString((byte[]) v);
        if (v instanceof String) return "str:" + Base64.getEncoder().encodeToString(((String) v).getBytes(StandardCharsets.UTF_8));
        if (v instanceof List) {
            StringBuilder sb = new StringBuilder("[");
            for (Object o : (List<?>) v) {
                if (sb.length() > 1) sb.append(',');
                sb.append(value(o));
            }
            return sb.append(']').toString();
        }
        if (v instanceof Map) {
            StringBuilder sb = new StringBuilder("{");
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                if (sb.length() > 1) sb.append(',');
                sb.append(value(e.getKey())).append('=').append(value(e.getValue()));
            }
            return sb.append('}').toString();
        }
        return "?" + v.getClass().getName();
    }
}
