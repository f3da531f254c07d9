//! `insert-field-key`: Kafka's `InsertField$Key` (see the `insert-field` crate).

ferry_sdk::export_transform!(insert_field::InsertField<insert_field::KeySide>);
