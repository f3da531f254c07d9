/*
 * A source connector only Kafka Connect has, for Ferry's mixed-cluster tests: Ferry
 * has no plugin by this name, so a task of it that lands on a Ferry worker must fail
 * alone, naming the plugin it lacks. Each task emits one record a second to `topic`,
 * its value "<task>-<n>".
 */
package dev.ferry.kafkaonly;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

public class KafkaOnlySourceConnector extends SourceConnector {
    private Map<String, String> props;

    @Override
    public String version() {
        return "1.0";
    }

    @Override
    public void start(Map<String, String> props) {
        this.props = props;
    }

    @Override
    public Class<? extends Task> taskClass() {
        return KafkaOnlySourceTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> configs = new ArrayList<>();
        for (int i = 0; i < maxTasks; i++) {
            Map<String, String> config = new HashMap<>(props);
            config.put("task.id", Integer.toString(i));
            configs.add(config);
        }
        return configs;
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef().define("topic", ConfigDef.Type.STRING, ConfigDef.Importance.HIGH,
                "Topic to write to.");
    }

    public static class KafkaOnlySourceTask extends SourceTask {
        private String topic;
        private String id;
        private long n;

        @Override
        public String version() {
            return "1.0";
        }

        @Override
        public void start(Map<String, String> props) {
            topic = props.get("topic");
            id = props.get("task.id");
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            Thread.sleep(1000);
            return Collections.singletonList(new SourceRecord(
                    Collections.singletonMap("task", id), Collections.singletonMap("n", n),
                    topic, Schema.STRING_SCHEMA, id + "-" + n++));
        }

        @Override
        public void stop() {
        }
    }
}
