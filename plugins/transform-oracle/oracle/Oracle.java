// The transform oracle: runs Apache Kafka's own transforms and predicates (the 4.4.0
// jars in build/kafka/libs) over the record corpus and the case files, and writes the
// golden vectors Ferry's ports are checked against. See README.md for the formats.
//
// Usage (regenerate.sh does this):
//   java -cp <classes>:<kafka libs>/* Oracle <oracle dir> <vectors dir> [Simple ...]
//   java -cp ... Oracle --check-corpus <oracle dir>

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;

import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;

import java.io.File;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

public final class Oracle {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Kafka's JsonConverter, one per record part, configured as Ferry's test side is. */
    private final JsonConverter keyConverter = converter("key");
    private final JsonConverter valueConverter = converter("value");
    private final JsonConverter headerConverter = converter("header");

    private static JsonConverter converter(String type) {
        Map<String, Object> config = new HashMap<>();
        config.put("schemas.enable", "true");
        // Keep nulls as nulls: the corpus has null fields whose schema has a default.
        config.put("replace.null.with.default", "false");
        config.put("converter.type", type);
        JsonConverter c = new JsonConverter();
        c.configure(config);
        return c;
    }

    /** A failure in the oracle's own inputs (bad case file, bad corpus record). */
    static final class OracleError extends RuntimeException {
        OracleError(String message) {
            super(message);
        }
    }

    public static void main(String[] args) throws Exception {
        try {
            if (args.length >= 2 && args[0].equals("--check-corpus")) {
                System.exit(new Oracle().checkCorpus(Path.of(args[1])) ? 0 : 1);
            }
            if (args.length < 2) {
                System.err.println("usage: Oracle <oracle dir> <vectors dir> [Simple ...] | --check-corpus <oracle dir>");
                System.exit(2);
            }
            Path oracleDir = Path.of(args[0]);
            Path vectorsDir = Path.of(args[1]);
            List<String> names = new ArrayList<>(Arrays.asList(args).subList(2, args.length));
            if (names.isEmpty()) {
                File[] files = oracleDir.resolve("cases").toFile().listFiles((d, n) -> n.endsWith(".json"));
                TreeSet<String> sorted = new TreeSet<>();
                if (files != null) {
                    for (File f : files) {
                        sorted.add(f.getName().substring(0, f.getName().length() - ".json".length()));
                    }
                }
                names.addAll(sorted);
            }
            Oracle oracle = new Oracle();
            if (!oracle.checkCorpus(oracleDir)) {
                System.exit(1);
            }
            Map<String, JsonNode> corpus = oracle.loadCorpus(oracleDir.resolve("records.json"));
            Files.createDirectories(vectorsDir);
            boolean failed = false;
            for (String name : names) {
                Path caseFile = oracleDir.resolve("cases").resolve(name + ".json");
                try {
                    if (!Files.exists(caseFile)) {
                        throw new OracleError("no case file " + caseFile);
                    }
                    int n = oracle.run(name, caseFile, corpus, vectorsDir.resolve(name + ".jsonl"));
                    System.err.println("oracle: " + name + ": " + n + " vectors");
                } catch (OracleError | IOException e) {
                    // One broken case file does not stop the others; its vectors stay as they were.
                    failed = true;
                    System.err.println("oracle: error: " + name + ": " + e.getMessage());
                }
            }
            if (failed) {
                System.exit(1);
            }
        } catch (OracleError e) {
            System.err.println("oracle: error: " + e.getMessage());
            System.exit(1);
        }
    }

    // ---------------------------------------------------------------- corpus

    Map<String, JsonNode> loadCorpus(Path file) throws IOException {
        JsonNode root = MAPPER.readTree(file.toFile());
        JsonNode records = root.get("records");
        if (records == null || !records.isObject()) {
            throw new OracleError(file + ": expected {\"records\": {name: record, ...}}");
        }
        Map<String, JsonNode> corpus = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : records.properties()) {
            checkName(e.getKey(), "record");
            corpus.put(e.getKey(), e.getValue());
        }
        return corpus;
    }

    private static void checkName(String name, String what) {
        if (name.isEmpty() || name.contains("/")) {
            throw new OracleError("bad " + what + " name \"" + name + "\" (empty or contains '/')");
        }
    }

    /** Every corpus record must come back unchanged through Kafka's JsonConverter. */
    boolean checkCorpus(Path oracleDir) throws IOException {
        Map<String, JsonNode> corpus = loadCorpus(oracleDir.resolve("records.json"));
        boolean ok = true;
        for (Map.Entry<String, JsonNode> e : corpus.entrySet()) {
            try {
                ObjectNode back = writeRecord(readRecord(e.getValue()));
                JsonNode reparsed = MAPPER.readTree(MAPPER.writeValueAsString(back));
                JsonNode original = normalizedInput(e.getValue());
                if (!reparsed.equals(original)) {
                    ok = false;
                    System.err.println("corpus: " + e.getKey() + " does not round-trip:\n  in:  "
                            + MAPPER.writeValueAsString(original) + "\n  out: " + MAPPER.writeValueAsString(reparsed));
                }
            } catch (RuntimeException ex) {
                ok = false;
                System.err.println("corpus: " + e.getKey() + ": " + ex.getClass().getSimpleName() + ": " + ex.getMessage());
            }
        }
        System.err.println("corpus: " + corpus.size() + " records, " + (ok ? "all round-trip" : "SOME DO NOT round-trip"));
        return ok;
    }

    /** A record with every optional member spelled out, as writeRecord writes it. */
    private static JsonNode normalizedInput(JsonNode rec) {
        ObjectNode out = NODES.objectNode();
        out.set("topic", rec.get("topic"));
        out.set("partition", orNull(rec.get("partition")));
        out.set("kafka_offset", orNull(rec.get("kafka_offset")));
        out.set("timestamp", orNull(rec.get("timestamp")));
        out.set("key", orNull(rec.get("key")));
        out.set("value", orNull(rec.get("value")));
        out.set("headers", rec.has("headers") ? rec.get("headers") : NODES.arrayNode());
        return out;
    }

    private static JsonNode orNull(JsonNode n) {
        return n == null ? NODES.nullNode() : n;
    }

    // ---------------------------------------------------------------- records

    private static byte[] envBytes(JsonNode env) throws IOException {
        if (env == null || env.isNull()) {
            return null;
        }
        return MAPPER.writeValueAsBytes(env);
    }

    ConnectRecord<?> readRecord(JsonNode rec) {
        try {
            if (!rec.isObject()) {
                throw new OracleError("a record must be a JSON object: " + rec);
            }
            Set<String> known = new HashSet<>(Arrays.asList("topic", "partition", "kafka_offset", "timestamp", "key", "value", "headers"));
            for (Map.Entry<String, JsonNode> member : rec.properties()) {
                String f = member.getKey();
                if (!known.contains(f)) {
                    throw new OracleError("unknown record member \"" + f + "\" in " + rec);
                }
            }
            JsonNode topicNode = rec.get("topic");
            if (topicNode == null || !topicNode.isTextual()) {
                throw new OracleError("a record needs a string \"topic\": " + rec);
            }
            String topic = topicNode.asText();
            Integer partition = intOrNull(rec.get("partition"));
            Long offset = longOrNull(rec.get("kafka_offset"));
            Long timestamp = longOrNull(rec.get("timestamp"));
            SchemaAndValue key = keyConverter.toConnectData(topic, envBytes(rec.get("key")));
            SchemaAndValue value = valueConverter.toConnectData(topic, envBytes(rec.get("value")));
            ConnectHeaders headers = new ConnectHeaders();
            JsonNode hs = rec.get("headers");
            if (hs != null && !hs.isNull()) {
                for (JsonNode h : hs) {
                    String hk = h.get("key").asText();
                    SchemaAndValue hv = headerConverter.toConnectHeader(topic, hk, envBytes(h.get("value")));
                    headers.add(hk, hv);
                }
            }
            if (offset != null) {
                if (partition == null) {
                    throw new OracleError("a sink record (kafka_offset set) needs a partition: " + rec);
                }
                return new SinkRecord(topic, partition, key.schema(), key.value(), value.schema(), value.value(),
                        offset, timestamp, timestamp == null ? TimestampType.NO_TIMESTAMP_TYPE : TimestampType.CREATE_TIME,
                        headers);
            }
            return new SourceRecord(null, null, topic, partition, key.schema(), key.value(), value.schema(), value.value(),
                    timestamp, headers);
        } catch (IOException e) {
            throw new OracleError("cannot write " + rec + ": " + e);
        }
    }

    private static Integer intOrNull(JsonNode n) {
        return n == null || n.isNull() ? null : n.intValue();
    }

    private static Long longOrNull(JsonNode n) {
        return n == null || n.isNull() ? null : n.longValue();
    }

    /** Kafka's converter output as raw JSON (exactly Kafka's bytes), or JSON null. */
    private static void putEnv(ObjectNode out, String name, byte[] bytes) {
        if (bytes == null) {
            out.putNull(name);
        } else {
            out.putRawValue(name, new RawValue(new String(bytes, StandardCharsets.UTF_8)));
        }
    }

    /** Serializes an output record; a converter failure throws (the caller records it). */
    ObjectNode writeRecord(ConnectRecord<?> r) {
        String topic = r.topic();
        ObjectNode out = NODES.objectNode();
        out.put("topic", topic);
        if (r.kafkaPartition() == null) {
            out.putNull("partition");
        } else {
            out.put("partition", r.kafkaPartition());
        }
        if (r instanceof SinkRecord) {
            out.put("kafka_offset", ((SinkRecord) r).kafkaOffset());
        } else {
            out.putNull("kafka_offset");
        }
        if (r.timestamp() == null) {
            out.putNull("timestamp");
        } else {
            out.put("timestamp", r.timestamp());
        }
        putEnv(out, "key", keyConverter.fromConnectData(topic, r.keySchema(), r.key()));
        putEnv(out, "value", valueConverter.fromConnectData(topic, r.valueSchema(), r.value()));
        ArrayNode headers = out.putArray("headers");
        for (Header h : r.headers()) {
            ObjectNode ho = headers.addObject();
            ho.put("key", h.key());
            putEnv(ho, "value", headerConverter.fromConnectHeader(topic, h.key(), h.schema(), h.value()));
        }
        return out;
    }

    /**
     * Java identity hash codes (Object.toString of classes without one, e.g.
     * "...InsertField$InsertionSpec@1b2c3d4e", a byte[]'s "[B@1b2c3d4e") differ run
     * to run: they become
     * "@<hash>" so the vectors are stable (the Rust harness does the same to Ferry's).
     */
    private static final java.util.regex.Pattern IDENTITY_HASH =
            java.util.regex.Pattern.compile("(?<![\\w$.])([A-Za-z_$][\\w$]*(?:\\.[A-Za-z_$][\\w$]*)+|\\[B)@[0-9a-f]{1,8}(?![0-9A-Za-z])");

    static String message(Throwable e) {
        String m = e.getMessage();
        return m == null ? null : IDENTITY_HASH.matcher(m).replaceAll("$1@<hash>");
    }

    private static ObjectNode error(Throwable e, String stage) {
        ObjectNode err = NODES.objectNode();
        if (message(e) == null) {
            err.putNull("error");
        } else {
            err.put("error", message(e));
        }
        err.put("exception", e.getClass().getSimpleName());
        if (stage != null) {
            err.put("stage", stage);
        }
        return err;
    }

    // ---------------------------------------------------------------- cases

    private static List<String> classesOf(JsonNode node, String where) {
        List<String> classes = new ArrayList<>();
        JsonNode one = node.get("class");
        JsonNode many = node.get("classes");
        if (one != null && many != null) {
            throw new OracleError(where + ": give \"class\" or \"classes\", not both");
        }
        if (one != null) {
            classes.add(one.asText());
        }
        if (many != null) {
            for (JsonNode c : many) {
                classes.add(c.asText());
            }
        }
        return classes;
    }

    private static ObjectNode configOf(JsonNode node, String where) {
        ObjectNode config = NODES.objectNode();
        if (node == null || node.isNull()) {
            return config;
        }
        if (!node.isObject()) {
            throw new OracleError(where + ": \"config\" must be an object");
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            JsonNode v = e.getValue();
            if (v.isTextual()) {
                config.put(e.getKey(), v.asText());
            } else if (v.isNumber() || v.isBoolean()) {
                config.put(e.getKey(), v.asText());
            } else {
                throw new OracleError(where + ": config value of \"" + e.getKey() + "\" must be a string, number or boolean");
            }
        }
        return config;
    }

    int run(String simple, Path caseFile, Map<String, JsonNode> corpus, Path vectorFile) throws Exception {
        JsonNode root = MAPPER.readTree(caseFile.toFile());
        List<String> fileClasses = classesOf(root, caseFile.toString());
        JsonNode cases = root.get("cases");
        if (cases == null || !cases.isArray()) {
            throw new OracleError(caseFile + ": expected \"cases\": [...]");
        }
        Set<String> ids = new HashSet<>();
        int count = 0;
        Path tmp = vectorFile.resolveSibling(vectorFile.getFileName() + ".tmp");
        Map<String, JsonNode> shared = sharedRecords(root, corpus, caseFile.getFileName().toString());
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            for (JsonNode c : cases) {
                String name = c.path("name").asText("");
                String where = caseFile.getFileName() + " case \"" + name + "\"";
                checkName(name, "case");
                List<String> classes = classesOf(c, where);
                if (classes.isEmpty()) {
                    classes = fileClasses;
                }
                if (classes.isEmpty()) {
                    throw new OracleError(where + ": no class");
                }
                Map<String, Object> config = new LinkedHashMap<>();
                ObjectNode configNode = configOf(c.get("config"), where);
                configNode.properties().forEach(e -> config.put(e.getKey(), e.getValue().asText()));
                LinkedHashMap<String, JsonNode> records = selectRecords(c, corpus, shared, where);
                for (String cls : classes) {
                    String simpleOfClass = cls.substring(cls.lastIndexOf('.') + 1).split("\\$")[0];
                    if (!simpleOfClass.equals(simple)) {
                        throw new OracleError(where + ": class " + cls + " does not belong in " + simple + ".json");
                    }
                    if (!ids.add(cls + " " + name)) {
                        throw new OracleError(where + ": duplicate case name for " + cls);
                    }
                    for (ObjectNode line : runCase(cls, name, config, configNode, records)) {
                        w.write(MAPPER.writeValueAsString(line));
                        w.write('\n');
                        count++;
                    }
                }
            }
        } catch (RuntimeException | IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, vectorFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return count;
    }

    /** The case file's own named records ("records" at the top), usable in any case's list. */
    private static Map<String, JsonNode> sharedRecords(JsonNode root, Map<String, JsonNode> corpus, String where) {
        Map<String, JsonNode> shared = new LinkedHashMap<>();
        JsonNode node = root.get("records");
        if (node == null || node.isNull()) {
            return shared;
        }
        if (!node.isObject()) {
            throw new OracleError(where + ": top-level \"records\" must be an object {name: record}");
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            checkName(e.getKey(), "record");
            if (corpus.containsKey(e.getKey())) {
                throw new OracleError(where + ": record \"" + e.getKey() + "\" is already a corpus record");
            }
            shared.put(e.getKey(), e.getValue());
        }
        return shared;
    }

    private static LinkedHashMap<String, JsonNode> selectRecords(JsonNode c, Map<String, JsonNode> corpus,
                                                                 Map<String, JsonNode> shared, String where) {
        LinkedHashMap<String, JsonNode> selected = new LinkedHashMap<>();
        JsonNode sel = c.get("records");
        Set<String> exclude = new HashSet<>();
        JsonNode ex = c.get("exclude");
        if (ex != null) {
            for (JsonNode n : ex) {
                if (!corpus.containsKey(n.asText())) {
                    throw new OracleError(where + ": excluded record \"" + n.asText() + "\" is not in the corpus");
                }
                exclude.add(n.asText());
            }
        }
        if (sel == null || sel.isNull()) {
            // only extra_records
        } else if (sel.isTextual() && sel.asText().equals("*")) {
            for (Map.Entry<String, JsonNode> e : corpus.entrySet()) {
                if (!exclude.contains(e.getKey())) {
                    selected.put(e.getKey(), e.getValue());
                }
            }
        } else if (sel.isArray()) {
            if (!exclude.isEmpty()) {
                throw new OracleError(where + ": \"exclude\" only goes with \"records\": \"*\"");
            }
            for (JsonNode n : sel) {
                String rn = n.asText();
                JsonNode rec = corpus.containsKey(rn) ? corpus.get(rn) : shared.get(rn);
                if (rec == null) {
                    throw new OracleError(where + ": record \"" + rn + "\" is neither in the corpus nor in the file's \"records\"");
                }
                if (selected.put(rn, rec) != null) {
                    throw new OracleError(where + ": record \"" + rn + "\" listed twice");
                }
            }
        } else {
            throw new OracleError(where + ": \"records\" must be \"*\" or a list of corpus names");
        }
        JsonNode extra = c.get("extra_records");
        if (extra != null && !extra.isNull()) {
            for (Map.Entry<String, JsonNode> e : extra.properties()) {
                checkName(e.getKey(), "record");
                if (selected.put(e.getKey(), e.getValue()) != null) {
                    throw new OracleError(where + ": extra record \"" + e.getKey() + "\" clashes with a selected corpus record");
                }
            }
        }
        return selected;
    }

    private static ObjectNode head(String id, String cls, String caseName, ObjectNode config) {
        ObjectNode line = NODES.objectNode();
        line.put("id", id);
        line.put("class", cls);
        line.put("case", caseName);
        line.set("config", config);
        return line;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private List<ObjectNode> runCase(String cls, String caseName, Map<String, Object> config, ObjectNode configNode,
                                     LinkedHashMap<String, JsonNode> records) throws Exception {
        List<ObjectNode> lines = new ArrayList<>();
        Object instance;
        try {
            instance = Class.forName(cls).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new OracleError("cannot instantiate " + cls + ": " + e);
        }
        boolean predicate = instance instanceof Predicate;
        if (!predicate && !(instance instanceof Transformation)) {
            throw new OracleError(cls + " is neither a Transformation nor a Predicate");
        }
        try {
            try {
                if (predicate) {
                    ((Predicate) instance).configure(config);
                } else {
                    ((Transformation) instance).configure(config);
                }
            } catch (RuntimeException e) {
                ObjectNode line = head(caseName, cls, caseName, configNode);
                line.put("config_error", message(e));
                line.put("exception", e.getClass().getSimpleName());
                lines.add(line);
                return lines;
            }
            if (records.isEmpty()) {
                // A case without records only states that Kafka accepts the config.
                ObjectNode line = head(caseName, cls, caseName, configNode);
                line.put("config_ok", true);
                lines.add(line);
                return lines;
            }
            for (Map.Entry<String, JsonNode> e : records.entrySet()) {
                ObjectNode line = head(caseName + "/" + e.getKey(), cls, caseName, configNode);
                line.set("input", e.getValue());
                ConnectRecord<?> in = readRecord(e.getValue());
                if (predicate) {
                    try {
                        line.put("output", ((Predicate) instance).test(in));
                    } catch (RuntimeException ex) {
                        line.set("output", error(ex, null));
                    }
                } else {
                    ConnectRecord<?> out;
                    try {
                        out = ((Transformation) instance).apply(in);
                    } catch (RuntimeException ex) {
                        line.set("output", error(ex, null));
                        lines.add(line);
                        continue;
                    }
                    if (out == null) {
                        line.putNull("output");
                    } else {
                        try {
                            line.set("output", writeRecord(out));
                        } catch (RuntimeException ex) {
                            line.set("output", error(ex, "serialize"));
                        }
                    }
                }
                lines.add(line);
            }
        } finally {
            try {
                if (predicate) {
                    ((Predicate) instance).close();
                } else {
                    ((Transformation) instance).close();
                }
            } catch (RuntimeException ignored) {
                // close() failures are not part of the vectors
            }
        }
        return lines;
    }
}
