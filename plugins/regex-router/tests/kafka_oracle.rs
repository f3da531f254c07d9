//! RegexRouter against the vectors Kafka 4.4.0's own RegexRouter produced
//! (`transform-oracle/oracle/cases/RegexRouter.json`).

use regex_router::RegexRouter;

#[test]
fn matches_kafka_regex_router() {
    transform_oracle::check_transform::<RegexRouter>(
        "org.apache.kafka.connect.transforms.RegexRouter",
        &[],
    );
}
