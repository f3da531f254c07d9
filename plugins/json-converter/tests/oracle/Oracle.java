import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;

import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.json.JsonConverter;

/**
 * Runs Kafka's own JsonConverter over a corpus: for each input line
 * "CONFIG<TAB>base64(bytes)" it prints "OK<TAB>base64(out)" (out = fromConnectData of
 * toConnectData(bytes), "-" for null) or "ERR<TAB>message of the outermost exception".
 * CONFIG is a comma-separated list of key=value pairs (or "-" for none).
 */
public class Oracle {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, false, "UTF-8");
        Map<String, JsonConverter> converters = new HashMap<>();
        String line;
        while ((line = in.readLine()) != null) {
            String[] parts = line.split("\t", -1);
            String cfg = parts[0];
            JsonConverter c = converters.computeIfAbsent(cfg, k -> {
                Map<String, String> props = new HashMap<>();
                if (!k.equals("-")) {
                    for (String kv : k.split(",")) {
                        String[] p = kv.split("=", 2);
                        props.put(p[0], p[1]);
                    }
                }
                JsonConverter jc = new JsonConverter();
                jc.configure(props, false);
                return jc;
            });
            byte[] input = parts[1].equals("-") ? null : Base64.getDecoder().decode(parts[1]);
            try {
                SchemaAndValue sv = c.toConnectData("t", input);
                byte[] result = c.fromConnectData("t", sv.schema(), sv.value());
                out.println("OK\t" + (result == null ? "-" : Base64.getEncoder().encodeToString(result)));
            } catch (Throwable e) {
                String msg = String.valueOf(e.getMessage()).replace('\n', ' ').replace('\t', ' ');
                out.println("ERR\t" + e.getClass().getSimpleName() + ": " + msg);
            }
        }
        out.flush();
    }
}
