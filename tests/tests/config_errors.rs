//! Ferry's own config keys answer bad values like Kafka's do: validation names the
//! exact key, `error_count` counts each problem once, and creating the connector is
//! refused with 400 so nothing half-starts.

use ferry_tests::{
    Broker, Worker, file_sink_config, unique_name, validation_errors, with, worker_props,
};

#[test]
fn bad_sandbox_and_membership_values_are_reported_on_their_keys() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let topic = unique_name("cfg");
    broker.create_topic(&topic, 1);
    let worker = Worker::start_standalone(worker_props(broker, &[data.path()]), &[]);

    let bad = [
        ("ferry.sandbox.memory.max.bytes", "0"),
        ("ferry.sandbox.call.timeout.ms", "soon"),
        ("ferry.sink.static.membership", "flase"),
    ];
    let mut config = file_sink_config("cfg", &data.path().join("out.txt"), &topic);
    for (key, value) in bad {
        config = with(config, key, value);
    }
    let (status, body) = worker.rest().validate("file-sink", &config);
    assert_eq!(status, 200, "validate answered {status}: {body}");
    assert_eq!(
        body["error_count"],
        bad.len(),
        "one error per bad key: {body}"
    );
    for (key, value) in bad {
        let errors = validation_errors(&body, key).unwrap_or_default();
        assert!(
            errors.len() == 1 && errors[0].contains(key) && errors[0].contains(value),
            "{key}={value} must get one error naming the key and value: {errors:?}"
        );
    }
    let (status, body) = worker.rest().create_connector("cfg", &config);
    assert_eq!(
        status, 400,
        "create with bad values answered {status}: {body}"
    );
    assert_eq!(body["error_code"], 400);
}
