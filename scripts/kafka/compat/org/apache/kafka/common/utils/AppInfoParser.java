package org.apache.kafka.common.utils;

/**
 * Maven Central has no connect-file 4.4.0, so scripts/kafka/pom.xml takes 4.3.1, whose
 * FileStreamSource and FileStreamSink connectors report their version through this
 * class. Kafka 4.4.0 moved it to {@code org.apache.kafka.common.utils.internals}; without
 * this stand-in, creating either connector fails with NoClassDefFoundError. It only
 * forwards to the moved class.
 */
public final class AppInfoParser {
    private AppInfoParser() {
    }

    public static String getVersion() {
        return org.apache.kafka.common.utils.internals.AppInfoParser.getVersion();
    }

    public static String getCommitId() {
        return org.apache.kafka.common.utils.internals.AppInfoParser.getCommitId();
    }
}
