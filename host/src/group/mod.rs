//! The worker group: Kafka's classic group protocol with protocol type `connect`,
//! spoken directly over the wire (librdkafka cannot run a custom protocol).
//!
//! `wire` is the blocking protocol client, `protocol` Kafka Connect's member
//! metadata and assignment layouts, `member` the membership thread (Kafka's
//! `AbstractCoordinator` + `WorkerCoordinator`), `assignor` the incremental
//! cooperative assignor and `plan` the leader's whole assignment step around it.

pub mod assignor;
pub mod member;
pub mod plan;
pub mod protocol;
pub mod wire;
