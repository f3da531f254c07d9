//! `errors.tolerance` over batch-shaped plugin calls. Plugins convert and transform
//! whole batches, but Kafka Connect tolerates, logs and dead-letters single records.
//! So a batch runs through the chain in one go; only when a stage fails is it run
//! again record by record, to find the records that fail and hand each to the
//! reporter. The fast path costs nothing; the slow path costs one call per record
//! per stage, only for batches that hold a bad record.

use std::ops::Range;

use super::StageFailure;

/// What to do with the failure of record `index` (log it, dead-letter it). An error
/// means the report itself failed and the task must fail.
pub type OnFailure<'a> = dyn FnMut(usize, &StageFailure) -> Result<(), String> + 'a;

/// Runs `chain` over records `0..n`, returning its outputs in record order.
///
/// - The whole batch first; if that succeeds, one output.
/// - If a tolerable stage fails, the batch again, one record at a time. A record
///   that fails is reported; with `tolerate` it is skipped, without it the task fails
///   with Kafka's "Tolerance exceeded in error handler" after that report (as Kafka,
///   which reports before it throws). Records that pass are kept, so a stage that
///   only failed once (a flaky plugin) loses nothing.
/// - A failure no tolerance covers (a plugin returning a malformed batch) fails the
///   task at once.
pub fn run_tolerant<O>(
    n: usize,
    tolerate: bool,
    mut chain: impl FnMut(Range<usize>) -> Result<O, StageFailure>,
    on_failure: &mut OnFailure<'_>,
) -> Result<Vec<O>, String> {
    let first = match chain(0..n) {
        Ok(out) => return Ok(vec![out]),
        Err(failure) => failure,
    };
    let mut handle = |index: usize, failure: StageFailure| -> Result<(), String> {
        if !failure.tolerable() {
            return Err(failure.trace());
        }
        on_failure(index, &failure)?;
        if tolerate {
            Ok(())
        } else {
            Err(failure.tolerance_exceeded_trace())
        }
    };
    if n <= 1 || !first.tolerable() {
        handle(0, first)?;
        return Ok(Vec::new());
    }
    let mut outputs = Vec::new();
    for index in 0..n {
        match chain(index..index + 1) {
            Ok(out) => outputs.push(out),
            Err(failure) => handle(index, failure)?,
        }
    }
    Ok(outputs)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::super::Stage;
    use super::*;
    use crate::plugin::CallError;

    fn fail(stage: Stage, error: CallError) -> StageFailure {
        StageFailure::new(stage, "class", "label", error)
    }

    /// A chain over records 0..10 that fails on the records in `bad`.
    fn chain<'a>(
        bad: &'a [usize],
        calls: &'a Cell<u32>,
    ) -> impl FnMut(Range<usize>) -> Result<Vec<usize>, StageFailure> + 'a {
        move |range: Range<usize>| {
            calls.set(calls.get() + 1);
            if range.clone().any(|i| bad.contains(&i)) {
                Err(fail(
                    Stage::ValueConverter,
                    CallError::Fatal("bad json".into()),
                ))
            } else {
                Ok(range.collect())
            }
        }
    }

    #[test]
    fn a_good_batch_is_one_call() {
        let calls = Cell::new(0);
        let mut reported = Vec::new();
        let out = run_tolerant(10, true, chain(&[], &calls), &mut |i, _| {
            reported.push(i);
            Ok(())
        });
        assert_eq!(out, Ok(vec![(0..10).collect::<Vec<_>>()]));
        assert_eq!(calls.get(), 1);
        assert!(reported.is_empty());
    }

    #[test]
    fn tolerance_all_skips_and_reports_exactly_the_bad_records() {
        let calls = Cell::new(0);
        let mut reported = Vec::new();
        let out = run_tolerant(10, true, chain(&[3, 7], &calls), &mut |i, _| {
            reported.push(i);
            Ok(())
        })
        .map(|o| o.concat());
        assert_eq!(out, Ok(vec![0, 1, 2, 4, 5, 6, 8, 9]));
        assert_eq!(reported, [3, 7]);
        assert_eq!(calls.get(), 11);
    }

    #[test]
    fn tolerance_none_reports_the_first_bad_record_then_fails_as_kafka() {
        let calls = Cell::new(0);
        let mut reported = Vec::new();
        let out = run_tolerant(10, false, chain(&[3, 7], &calls), &mut |i, _| {
            reported.push(i);
            Ok(())
        });
        let trace = out.err().unwrap_or_default();
        assert!(trace.starts_with(
            "org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler\n\
             Caused by: org.apache.kafka.connect.errors.DataException: bad json"
        ));
        assert_eq!(reported, [3]);
    }

    #[test]
    fn a_flaky_batch_loses_nothing() {
        let calls = Cell::new(0);
        let flaky = |range: Range<usize>| {
            calls.set(calls.get() + 1);
            if calls.get() == 1 {
                Err(fail(Stage::Transformation, CallError::Fatal("once".into())))
            } else {
                Ok(range.collect::<Vec<_>>())
            }
        };
        let out = run_tolerant(4, false, flaky, &mut |_, _| Ok(())).map(|o| o.concat());
        assert_eq!(out, Ok(vec![0, 1, 2, 3]));
    }

    #[test]
    fn malformed_plugin_output_is_never_tolerated() {
        let out: Result<Vec<()>, String> = run_tolerant(
            5,
            true,
            |_| {
                Err(fail(
                    Stage::Transformation,
                    CallError::Invalid("3 records for 5".into()),
                ))
            },
            &mut |_, _| panic!("not a record failure"),
        );
        assert!(out.is_err_and(|t| t.contains("3 records for 5")));
    }

    #[test]
    fn a_failing_report_fails_the_task() {
        let calls = Cell::new(0);
        let out = run_tolerant(3, true, chain(&[1], &calls), &mut |_, _| {
            Err("dead letter queue down".into())
        });
        assert_eq!(out, Err("dead letter queue down".to_string()));
    }
}
