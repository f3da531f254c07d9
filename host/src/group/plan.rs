//! The leader's assignment step.
