//! `insert-field-value`: Kafka's `InsertField$Value` (see the `insert-field` crate).

ferry_sdk::export_transform!(insert_field::InsertField<insert_field::ValueSide>);
