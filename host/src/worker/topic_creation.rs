//! Creates a source task's topics before its first record to each (KIP-158), as
//! Kafka Connect's `AbstractWorkerSourceTask.maybeCreateTopic`: a topic already
//! there is used as it is, never altered; a missing one is created with the
//! settings of its creation group; a topic that can be neither found nor created
//! fails the task. Each topic is checked once per task.

use std::collections::HashSet;
use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, ResourceSpecifier};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::RDKafkaErrorCode;

use super::task::TaskArgs;
use crate::config::topic_creation::{NewTopicSpec, TopicCreationSettings};

/// How long one admin request may take (Kafka's `default.api.timeout.ms` is 60 s).
const ADMIN_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a topic could not be found or created; fails the task.
#[derive(Debug, thiserror::Error)]
pub enum TopicCreationError {
    #[error("the connector's topic creation settings are invalid: {0}")]
    Settings(String),
    #[error("cannot create the Kafka admin client for topic creation: {0}")]
    Client(String),
    #[error(
        "Task failed to create new topic {topic}: {reason}. Ensure that the task is authorized to create topics or that the topic exists and restart the task"
    )]
    Create { topic: NewTopicSpec, reason: String },
}

/// What the broker said to a create request.
#[derive(Debug, PartialEq, Eq)]
pub enum Created {
    Created,
    /// It was there already (or another task created it meanwhile).
    Existed,
}

/// The two admin calls topic creation needs, behind a trait so the logic is
/// testable without a broker.
pub trait TopicAdmin {
    /// `Some(true)` if the topic exists, `Some(false)` if the broker says it does
    /// not, `None` when the broker cannot say (then creation decides).
    fn exists(&self, topic: &str) -> Option<bool>;
    /// Creates the topic; the error is the reason to report.
    fn create(&self, topic: &NewTopicSpec) -> Result<Created, String>;
}

/// Per task: the connector's creation settings and the topics already found or
/// created, so each is checked once.
pub struct TopicCreator {
    settings: Result<Option<TopicCreationSettings>, String>,
    admin: Option<Box<dyn TopicAdmin>>,
    /// Makes the admin client on first need.
    connect: Box<dyn Fn() -> Result<Box<dyn TopicAdmin>, String>>,
    known: HashSet<String>,
}

impl TopicCreator {
    /// The creator for one source task: off unless the worker's
    /// `topic.creation.enable` is on and the connector sets `topic.creation.*`.
    pub fn for_task(args: &TaskArgs) -> Self {
        let worker = args.services.config.clone();
        let props = args.connector.config.props.clone();
        let settings = TopicCreationSettings::parse(worker.topic_creation, &props).map_err(|e| {
            e.iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        });
        let client_id = format!("connector-adminclient-{}", args.label());
        Self::new(
            settings,
            Box::new(move || {
                crate::kafka::connector_admin_config(&worker, &props, &client_id)
                    .create::<AdminClient<DefaultClientContext>>()
                    .map(|admin| Box::new(KafkaTopicAdmin { admin }) as Box<dyn TopicAdmin>)
                    .map_err(|e| e.to_string())
            }),
        )
    }

    fn new(
        settings: Result<Option<TopicCreationSettings>, String>,
        connect: Box<dyn Fn() -> Result<Box<dyn TopicAdmin>, String>>,
    ) -> Self {
        Self {
            settings,
            admin: None,
            connect,
            known: HashSet::new(),
        }
    }

    /// Makes sure every topic in `topics` (one entry per record, repeats are
    /// cheap) exists before records are produced to it.
    pub fn ensure(&mut self, topics: &[String]) -> Result<(), TopicCreationError> {
        let settings = match &self.settings {
            Ok(None) => return Ok(()),
            Ok(Some(settings)) => settings,
            Err(message) => return Err(TopicCreationError::Settings(message.clone())),
        };
        for topic in topics {
            if self.known.contains(topic) {
                continue;
            }
            if self.admin.is_none() {
                self.admin = Some((self.connect)().map_err(TopicCreationError::Client)?);
            }
            let Some(admin) = self.admin.as_ref() else {
                continue;
            };
            tracing::info!(
                topic = %topic,
                "The task will send records to topic '{topic}' for the first time. Checking whether topic exists"
            );
            if admin.exists(topic) == Some(true) {
                tracing::info!("Topic '{topic}' already exists.");
                self.known.insert(topic.clone());
                continue;
            }
            let group = settings.group_for(topic);
            let spec = group.new_topic(topic);
            match admin.create(&spec) {
                Ok(Created::Created) => {
                    tracing::info!("Created topic '{spec}' using creation group {}", group.name)
                }
                Ok(Created::Existed) => tracing::info!("Found existing topic '{topic}'"),
                Err(reason) => {
                    return Err(TopicCreationError::Create {
                        topic: spec,
                        reason,
                    });
                }
            }
            self.known.insert(topic.clone());
        }
        Ok(())
    }
}

/// [`TopicAdmin`] over rdkafka's admin client.
struct KafkaTopicAdmin {
    admin: AdminClient<DefaultClientContext>,
}

impl TopicAdmin for KafkaTopicAdmin {
    /// Asks for the topic's configs: unlike a metadata request this never makes a
    /// broker with `auto.create.topics.enable` create the topic.
    fn exists(&self, topic: &str) -> Option<bool> {
        let options = AdminOptions::new().request_timeout(Some(ADMIN_TIMEOUT));
        let resource = ResourceSpecifier::Topic(topic);
        let answer = crate::kafka::block_on(
            self.admin.describe_configs([&resource], &options),
            ADMIN_TIMEOUT,
        )?;
        // rdkafka drops the per-topic error: a topic that is missing (or may not be
        // described) comes back without entries, and creation then finds out.
        match answer.ok()?.into_iter().next()? {
            Ok(resource) if !resource.entries.is_empty() => Some(true),
            Ok(_) => None,
            Err(RDKafkaErrorCode::UnknownTopicOrPartition) => Some(false),
            Err(code) => {
                tracing::debug!(topic, %code, "cannot describe the topic");
                None
            }
        }
    }

    fn create(&self, spec: &NewTopicSpec) -> Result<Created, String> {
        let created = crate::kafka::create_topic_if_missing(
            &self.admin,
            &spec.name,
            spec.partitions,
            i32::from(spec.replication_factor),
            &spec.configs,
        )?;
        Ok(if created {
            Created::Created
        } else {
            Created::Existed
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A broker in memory: the topics that exist, and every call made.
    #[derive(Clone, Default)]
    struct FakeAdmin {
        topics: Arc<Mutex<BTreeMap<String, NewTopicSpec>>>,
        calls: Arc<Mutex<Vec<String>>>,
        refuse: Option<String>,
    }

    impl TopicAdmin for FakeAdmin {
        fn exists(&self, topic: &str) -> Option<bool> {
            self.calls.lock().unwrap().push(format!("exists {topic}"));
            Some(self.topics.lock().unwrap().contains_key(topic))
        }
        fn create(&self, spec: &NewTopicSpec) -> Result<Created, String> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("create {}", spec.name));
            if let Some(reason) = &self.refuse {
                return Err(reason.clone());
            }
            let mut topics = self.topics.lock().unwrap();
            if topics.contains_key(&spec.name) {
                return Ok(Created::Existed);
            }
            topics.insert(spec.name.clone(), spec.clone());
            Ok(Created::Created)
        }
    }

    fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn creator(admin: &FakeAdmin, pairs: &[(&str, &str)]) -> TopicCreator {
        let admin = admin.clone();
        TopicCreator::new(
            TopicCreationSettings::parse(true, &props(pairs)).map_err(|e| format!("{e:?}")),
            Box::new(move || Ok(Box::new(admin.clone()) as Box<dyn TopicAdmin>)),
        )
    }

    const SETTINGS: &[(&str, &str)] = &[
        ("topic.creation.groups", "compacted"),
        ("topic.creation.default.replication.factor", "1"),
        ("topic.creation.default.partitions", "2"),
        ("topic.creation.compacted.include", "state-.*"),
        ("topic.creation.compacted.partitions", "4"),
        ("topic.creation.compacted.cleanup.policy", "compact"),
    ];

    fn topics(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn creates_each_missing_topic_once_with_its_groups_settings() {
        let admin = FakeAdmin::default();
        let mut creator = creator(&admin, SETTINGS);
        creator
            .ensure(&topics(&["state-a", "state-a", "data"]))
            .expect("created");
        creator
            .ensure(&topics(&["state-a", "data"]))
            .expect("known");
        let created = admin.topics.lock().unwrap().clone();
        assert_eq!(created["state-a"].partitions, 4);
        assert_eq!(created["state-a"].configs["cleanup.policy"], "compact");
        assert_eq!(created["data"].partitions, 2);
        assert!(created["data"].configs.is_empty());
        assert_eq!(
            *admin.calls.lock().unwrap(),
            [
                "exists state-a",
                "create state-a",
                "exists data",
                "create data"
            ]
        );
    }

    #[test]
    fn an_existing_topic_is_left_alone() {
        let admin = FakeAdmin::default();
        let existing = NewTopicSpec {
            name: "state-x".into(),
            partitions: 1,
            replication_factor: 1,
            configs: BTreeMap::new(),
        };
        admin
            .topics
            .lock()
            .unwrap()
            .insert("state-x".into(), existing.clone());
        let mut creator = creator(&admin, SETTINGS);
        creator.ensure(&topics(&["state-x"])).expect("found");
        assert_eq!(admin.topics.lock().unwrap()["state-x"], existing);
        assert_eq!(*admin.calls.lock().unwrap(), ["exists state-x"]);
    }

    #[test]
    fn a_refused_creation_fails_with_the_topic_and_the_reason() {
        let admin = FakeAdmin {
            refuse: Some("the broker answered PolicyViolation".into()),
            ..FakeAdmin::default()
        };
        let mut creator = creator(&admin, SETTINGS);
        let error = creator
            .ensure(&topics(&["state-a"]))
            .expect_err("refused")
            .to_string();
        assert!(
            error.starts_with("Task failed to create new topic NewTopic(name=state-a, numPartitions=4, replicationFactor=1, replicasAssignments=null, configs={cleanup.policy=compact}): the broker answered PolicyViolation"),
            "{error}"
        );
        // Not remembered: the next attempt asks again.
        assert!(creator.ensure(&topics(&["state-a"])).is_err());
    }

    #[test]
    fn without_creation_settings_no_admin_is_made() {
        let mut creator =
            TopicCreator::new(Ok(None), Box::new(|| Err("must not be called".to_string())));
        creator.ensure(&topics(&["a", "b"])).expect("nothing to do");
    }
}
