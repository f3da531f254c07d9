//! `test-flaky-transform` (tests only): passes records through unchanged, failing on
//! demand so the host's retry and `errors.tolerance` handling can be tested.
//! - `retriable.calls`: the first N `apply` calls of an instance fail `retriable`.
//! - `fail.value.contains`: a batch holding a string value containing this text fails
//!   `fatal` (so the host must find the record).
//! - `trap.value.contains`: likewise, but the plugin panics (a trap).

use ferry_sdk::{
    Config, ConfigKey, ConnectRecord, Plugin, PluginDescriptor, PluginError, Transform, Value,
};

pub struct FlakyTransform {
    retriable_calls: u32,
    calls: u32,
    fail: Option<String>,
    trap: Option<String>,
}

fn text(record: &ConnectRecord) -> &str {
    match &record.value {
        Value::String(s) => s,
        _ => "",
    }
}

impl Plugin for FlakyTransform {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::transformation("test-flaky-transform")
            .version(env!("CARGO_PKG_VERSION"))
            .summary("Fails on demand (tests only).")
            .config(ConfigKey::int("retriable.calls").default_value("0"))
            .config(ConfigKey::string("fail.value.contains").default_value(""))
            .config(ConfigKey::string("trap.value.contains").default_value(""))
    }
}

impl Transform for FlakyTransform {
    fn open(config: Config) -> Result<Self, PluginError> {
        let non_empty = |key: &str| {
            config
                .get(key)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        Ok(Self {
            retriable_calls: config.parse_or("retriable.calls", 0)?,
            calls: 0,
            fail: non_empty("fail.value.contains"),
            trap: non_empty("trap.value.contains"),
        })
    }

    fn apply_record(
        &mut self,
        record: ConnectRecord,
    ) -> Result<Option<ConnectRecord>, PluginError> {
        Ok(Some(record))
    }

    fn apply(&mut self, records: Vec<ConnectRecord>) -> Result<Vec<ConnectRecord>, PluginError> {
        self.calls += 1;
        if self.calls <= self.retriable_calls {
            return Err(PluginError::retriable(format!(
                "flaky transform: call {} of {} planned failures",
                self.calls, self.retriable_calls
            )));
        }
        for record in &records {
            if let Some(poison) = &self.trap
                && text(record).contains(poison.as_str())
            {
                panic!("flaky transform: trapping on {:?}", text(record));
            }
            if let Some(poison) = &self.fail
                && text(record).contains(poison.as_str())
            {
                return Err(PluginError::fatal(format!(
                    "flaky transform: refusing record {:?}",
                    text(record)
                )));
            }
        }
        Ok(records)
    }
}

ferry_sdk::export_transform!(FlakyTransform);
