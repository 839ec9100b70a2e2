//! The trace as plain data: the ring, the procedures, and batch planning against a realm's
//! broker. How the server records into it and drives it is tested in `router`.

use wamp_proto::{Id, Value};

use super::*;
use crate::realm::testing::{Harness, dict, id, uri};

fn call(request: u64, procedure: &str) -> Message {
    Message::Call {
        request: id(request),
        options: Dict::new(),
        procedure: uri(procedure),
        payload: Payload::args(vec![Value::from(request)]),
    }
}

fn frame(message: &Message) -> Bytes {
    Bytes::from(Serializer::Json.encode(message))
}

/// Records `n` CALLs from session 1, to `com.example.<i>`, with requests `from..from + n`.
fn record_calls(trace: &mut Trace, from: u64, n: u64) {
    for request in from..from + n {
        let message = call(request, &format!("com.example.{request}"));
        trace.record_received(id(1), Serializer::Json, &message, &frame(&message), None);
    }
}

fn seqs(trace: &Trace) -> Vec<u64> {
    trace.records.iter().map(|record| record.seq).collect()
}

/// Calls a trace procedure with keyword arguments and returns the RESULT's first argument,
/// or the ERROR's URI as a string.
fn call_procedure(trace: &mut Trace, session: u64, procedure: &str, kwargs: Dict) -> Value {
    let payload = Payload {
        args: Vec::new(),
        kwargs,
    };
    let answer = trace.call(id(session), id(9), &uri(procedure), &payload);
    match answer.into_message() {
        Message::Result {
            request, payload, ..
        } => {
            assert_eq!(request, id(9));
            payload.args.into_iter().next().unwrap_or_default()
        }
        Message::Error { error, .. } => Value::Str(format!("ERROR {}", error.as_str())),
        other => panic!("{other:?}"),
    }
}

fn history(trace: &mut Trace, kwargs: Dict) -> Vec<Dict> {
    match call_procedure(trace, 1, HISTORY, kwargs) {
        Value::List(records) => records
            .into_iter()
            .map(|record| record.as_dict().cloned().unwrap())
            .collect(),
        other => panic!("{other:?}"),
    }
}

fn field<'a>(records: &'a [Dict], key: &str) -> Vec<&'a Value> {
    records.iter().map(|record| &record[key]).collect()
}

#[test]
fn the_ring_keeps_the_newest_records_in_order() {
    let mut trace = Trace::new("realm1", 3, true);
    assert!(trace.is_enabled());
    let allocated = trace.records.capacity();
    assert!(allocated >= 3);
    record_calls(&mut trace, 1, 2);
    assert_eq!(seqs(&trace), [1, 2]);
    record_calls(&mut trace, 3, 30);
    assert_eq!(seqs(&trace), [30, 31, 32]);
    assert_eq!(trace.records.len(), 3);
    assert_eq!(trace.records.capacity(), allocated, "allocated once");
    let sent = Outgoing::new(call(9, "com.x"));
    trace.record_sent(id(2), Serializer::Cbor, &sent);
    assert_eq!(seqs(&trace), [31, 32, 33]);
    let newest = trace.records.back().unwrap();
    assert_eq!(
        (newest.direction, newest.session, newest.serializer),
        (Direction::Out, id(2), Serializer::Cbor)
    );
}

/// `n` recipients of one EVENT, the first on session 10.
fn record_event(trace: &mut Trace, n: u64, text: &str) -> Outgoing {
    let event = Outgoing::new(Message::Event {
        subscription: id(1),
        publication: id(2),
        details: Dict::new(),
        payload: Payload::args(vec![text.into()]),
    });
    for session in 10..10 + n {
        trace.record_sent(id(session), Serializer::Json, &event);
    }
    event
}

fn frames(trace: &Trace) -> Vec<&'static str> {
    trace
        .records
        .iter()
        .map(|record| match record.frame {
            Frame::Stored => "stored",
            Frame::Held(_) => "held",
            Frame::Redacted(_) => "redacted",
        })
        .collect()
}

fn positions(trace: &Trace) -> Vec<u64> {
    trace.records.iter().map(|record| record.position).collect()
}

#[test]
fn the_recipients_of_one_event_share_its_bytes() {
    let mut trace = Trace::new("realm1", 10, true);
    trace.new_round();
    let a = record_event(&mut trace, 3, "a");
    let size = Serializer::Json.encode(a.message()).len();
    assert_eq!(frames(&trace), ["stored"; 3]);
    assert_eq!(positions(&trace), [0, 0, 0]);
    assert_eq!(trace.bytes.head, size as u64, "written once");
    // Encoded for the recipients too: their connections send these bytes.
    assert_eq!(
        a.encoded(Serializer::Json),
        Bytes::from(Serializer::Json.encode(a.message()))
    );
    // Another serializer: its own bytes.
    trace.record_sent(id(20), Serializer::Cbor, &a);
    assert_eq!(positions(&trace)[3], size as u64);
    // A new round, and the same message is recorded anew.
    trace.new_round();
    trace.record_sent(id(21), Serializer::Cbor, &a);
    assert_ne!(positions(&trace)[4], positions(&trace)[3]);

    let records = history(&mut trace, Dict::new());
    assert_eq!(records.len(), 5);
    for record in &records {
        assert_eq!(
            record["message"].as_list().unwrap()[4],
            Value::List(vec!["a".into()])
        );
        assert_eq!(record["type"], Value::from("EVENT"));
    }
    let sessions: Vec<u64> = records
        .iter()
        .map(|r| r["session"].as_u64().unwrap())
        .collect();
    assert_eq!(sessions, [10, 11, 12, 20, 21]);
    assert_eq!(records[3]["serializer"], Value::from("cbor"));
}

#[test]
fn the_byte_ring_wraps_and_bounds_the_records() {
    // 4 records, 512 bytes each on average: 2048 bytes of messages.
    let mut trace = Trace::new("realm1", 4, true);
    assert_eq!(trace.bytes.capacity(), 4 * BYTES_PER_RECORD);
    let message = |n: usize| Message::Publish {
        request: id(1),
        options: Dict::new(),
        topic: uri("com.example.big"),
        payload: Payload::args(vec!["x".repeat(n).into()]),
    };
    // Three messages of 100 bytes or so fit, the fourth wraps around to the start.
    for _ in 0..3 {
        let medium = message(60);
        trace.record_received(id(1), Serializer::Json, &medium, &frame(&medium), None);
    }
    assert_eq!(trace.records.len(), 3);
    // Messages just under a 16th of the ring (128 bytes): 14 of them would not fit in 2048
    // bytes, so the oldest records go to make room, whatever the count.
    for _ in 0..20 {
        let sized = message(80);
        trace.record_received(id(1), Serializer::Json, &sized, &frame(&sized), None);
    }
    let records = history(&mut trace, Dict::new());
    assert_eq!(records.len(), 4);
    for record in &records {
        assert_eq!(
            record["uri"],
            Value::from("com.example.big"),
            "intact after wrapping"
        );
    }
    assert!(
        trace.bytes.head > trace.bytes.capacity() as u64,
        "it wrapped"
    );

    // Larger than a 16th of the ring: held by reference, counted against the ring's size.
    let huge = message(1000);
    trace.record_received(id(2), Serializer::Json, &huge, &frame(&huge), None);
    assert_eq!(frames(&trace).last(), Some(&"held"));
    assert_eq!(trace.held, frame(&huge).len());
    let huge_again = message(1100);
    trace.record_received(
        id(2),
        Serializer::Json,
        &huge_again,
        &frame(&huge_again),
        None,
    );
    assert!(trace.held <= trace.bytes.capacity(), "{}", trace.held);
    assert_eq!(trace.records.len(), 1, "both do not fit: the first went");
    let records = history(&mut trace, dict(&[("session", 2.into())]));
    let last = records.last().unwrap();
    assert_eq!(last["size"], Value::from(frame(&huge_again).len() as u64));
    assert_eq!(last["uri"], Value::from("com.example.big"));

    // Small ones again: the count bounds the ring.
    record_calls(&mut trace, 1, 10);
    assert_eq!(trace.records.len(), 4);
    assert_eq!(trace.held, 0);
    assert_eq!(frames(&trace), ["stored"; 4]);
}

#[test]
fn a_disabled_trace_keeps_nothing_and_allocates_nothing() {
    let mut trace = Trace::new("realm1", 0, true);
    assert!(!trace.is_enabled());
    assert_eq!(trace.records.capacity(), 0);
    record_calls(&mut trace, 1, 10);
    trace.record_sent(id(2), Serializer::Json, &Outgoing::new(call(1, "com.x")));
    assert!(trace.records.is_empty());
    assert_eq!(trace.records.capacity(), 0);
    assert_eq!(trace.next_seq, 1);
    assert!(history(&mut trace, Dict::new()).is_empty());
}

#[test]
fn records_carry_time_and_their_message() {
    let mut trace = Trace::new("realm1", 10, true);
    trace.set_time(1_700_000_000_000_250);
    record_calls(&mut trace, 1, 1);
    let records = history(&mut trace, Dict::new());
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!(record["time_ms"], Value::Float(1_700_000_000_000.25));
    assert_eq!(record["realm"], Value::from("realm1"));
    assert_eq!(record["uri"], Value::from("com.example.1"));
    assert_eq!(record["type"], Value::from("CALL"));
    assert_eq!(record["direction"], Value::from("in"));
    assert_eq!(record["serializer"], Value::from("json"));
    let message = call(1, "com.example.1");
    assert_eq!(record["size"], Value::from(frame(&message).len() as u64));
    assert_eq!(record["message"], wamp_proto::wire::to_value(&message));
}

#[test]
fn history_filters_and_limits_oldest_first() {
    let mut trace = Trace::new("realm1", 100, true);
    record_calls(&mut trace, 1, 12);
    let result = Outgoing::new(Message::Result {
        request: id(3),
        details: Dict::new(),
        payload: Payload::default(),
    });
    trace.record_sent(id(2), Serializer::Json, &result);

    let all = history(&mut trace, Dict::new());
    assert_eq!(all.len(), 13);
    let all_seqs: Vec<u64> = all.iter().map(|r| r["seq"].as_u64().unwrap()).collect();
    assert_eq!(all_seqs, (1..=13).collect::<Vec<_>>());

    let last3 = history(&mut trace, dict(&[("limit", 3.into())]));
    assert_eq!(
        field(&last3, "seq"),
        [
            &Value::from(11u64),
            &Value::from(12u64),
            &Value::from(13u64)
        ]
    );
    assert!(history(&mut trace, dict(&[("limit", 0.into())])).is_empty());

    let results = history(
        &mut trace,
        dict(&[("types", Value::List(vec!["result".into()]))]),
    );
    assert_eq!(field(&results, "type"), [&Value::from("RESULT")]);
    assert_eq!(field(&results, "uri"), [&Value::Null]);
    let of_two = history(&mut trace, dict(&[("session", 2.into())]));
    assert_eq!(field(&of_two, "seq"), [&Value::from(13u64)]);

    // The URI part: substring, newest `limit` of those that match, oldest first.
    let ones = history(
        &mut trace,
        dict(&[("uri", "example.1".into()), ("limit", 2.into())]),
    );
    assert_eq!(
        field(&ones, "uri"),
        [
            &Value::from("com.example.11"),
            &Value::from("com.example.12")
        ]
    );
    let ones = history(&mut trace, dict(&[("uri", "example.1".into())]));
    assert_eq!(ones.len(), 4, "1, 10, 11, 12");

    // The limit is capped by the buffer's size.
    let mut small = Trace::new("realm1", 5, true);
    record_calls(&mut small, 1, 8);
    assert_eq!(
        history(&mut small, dict(&[("limit", 1000.into())])).len(),
        5
    );
}

#[test]
fn the_default_history_limit() {
    let mut trace = Trace::new("realm1", DEFAULT_HISTORY_LIMIT + 20, true);
    record_calls(&mut trace, 1, DEFAULT_HISTORY_LIMIT as u64 + 20);
    let records = history(&mut trace, Dict::new());
    assert_eq!(records.len(), DEFAULT_HISTORY_LIMIT);
    assert_eq!(records[0]["seq"], Value::from(21u64));
}

#[test]
fn procedures_check_their_arguments() {
    let mut trace = Trace::new("realm1", 10, true);
    let invalid = Value::from("ERROR wamp.error.invalid_argument");
    assert_eq!(
        call_procedure(&mut trace, 1, HISTORY, dict(&[("limit", (-1).into())])),
        invalid
    );
    assert_eq!(
        call_procedure(&mut trace, 1, HISTORY, dict(&[("limits", 1.into())])),
        invalid
    );
    assert_eq!(
        call_procedure(&mut trace, 1, SET_FILTER, dict(&[("limit", 1.into())])),
        invalid
    );
    let positional = Payload::args(vec![Value::from(5u64)]);
    match trace
        .call(id(1), id(9), &uri(HISTORY), &positional)
        .into_message()
    {
        Message::Error { error, payload, .. } => {
            assert_eq!(error.as_str(), "wamp.error.invalid_argument");
            assert!(format!("{:?}", payload.args).contains("keyword arguments"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        call_procedure(&mut trace, 1, "dev_router.trace.nope", Dict::new()),
        Value::from("ERROR wamp.error.no_such_procedure")
    );
}

#[test]
fn set_filter_answers_the_normalized_filter_and_empty_clears_it() {
    let mut trace = Trace::new("realm1", 10, true);
    let set = call_procedure(
        &mut trace,
        4,
        SET_FILTER,
        dict(&[
            ("types", Value::List(vec!["call".into()])),
            ("uri", "com.".into()),
            ("session", Value::Null),
        ]),
    );
    assert_eq!(
        set,
        Value::Dict(dict(&[
            ("types", Value::List(vec!["CALL".into()])),
            ("uri", "com.".into())
        ]))
    );
    assert!(!trace.watchers[&id(4)].filter.is_empty());
    let cleared = call_procedure(&mut trace, 4, SET_FILTER, Dict::new());
    assert_eq!(cleared, Value::Dict(Dict::new()));
    assert!(trace.watchers[&id(4)].filter.is_empty());
    // Clearing a filter that was never set creates nothing.
    call_procedure(&mut trace, 5, SET_FILTER, Dict::new());
    assert!(!trace.watchers.contains_key(&id(5)));
    trace.forget(id(4));
    assert!(trace.watchers.is_empty());
}

#[test]
fn handshake_secrets_are_redacted_when_recorded() {
    let mut trace = Trace::new("realm1", 10, true);
    let hello = Message::Hello {
        realm: uri("realm1"),
        details: dict(&[
            ("authid", "alice".into()),
            (
                "authextra",
                Value::Dict(dict(&[
                    ("ticket", "alice-ticket".into()),
                    ("pubkey", "abcd".into()),
                ])),
            ),
        ]),
    };
    let authenticate = Message::Authenticate {
        signature: "alice-ticket".into(),
        extra: dict(&[("x", "alice-ticket".into())]),
    };
    for message in [&hello, &authenticate] {
        trace.record_received(id(1), Serializer::Json, message, &frame(message), None);
    }
    // Not even the buffer holds the secret.
    let kept = format!("{:?}", trace.records);
    assert!(!kept.contains("alice-ticket"), "{kept}");
    let records = history(&mut trace, Dict::new());
    let shown = format!("{records:?}");
    assert!(!shown.contains("alice-ticket"), "{shown}");
    assert!(shown.contains("abcd") && shown.contains(REDACTED));
    assert_eq!(records[0]["uri"], Value::from("realm1"));
    assert_eq!(records[0]["size"], Value::from(frame(&hello).len() as u64));
    assert_eq!(
        records[1]["message"],
        Value::List(vec![Value::from(5u64), REDACTED.into(), REDACTED.into()])
    );
}

#[test]
fn only_calls_into_the_namespace_are_trace_calls() {
    assert!(is_trace_call(&call(1, HISTORY)));
    assert!(is_trace_call(&call(1, SET_FILTER)));
    assert!(is_trace_call(&call(1, "dev_router.trace.other")));
    assert!(!is_trace_call(&call(1, "com.example.history")));
    assert!(!is_trace_call(&call(1, "dev_router.tracer")));
    let subscribe = Message::Subscribe {
        request: id(1),
        options: Dict::new(),
        topic: uri(ON_MESSAGE),
    };
    assert!(!is_trace_call(&subscribe));
}

/// A realm where sessions 1..=3 exist, and `watchers` subscribe to the trace topic.
fn watched_realm(watchers: &[u64]) -> Harness {
    let mut h = Harness::new(3);
    for watcher in watchers {
        h.subscribe(*watcher, ON_MESSAGE, "exact");
    }
    h
}

fn batch_records(batch: &Batch) -> (Vec<Value>, u64) {
    match batch.event.message() {
        Message::Event { payload, .. } => {
            let records = payload.args[0].as_list().unwrap().clone();
            let dropped = payload.kwargs["dropped"].as_u64().unwrap();
            (records, dropped)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn nobody_watching_means_no_batch_work() {
    let h = Harness::new(2);
    let mut trace = Trace::new("realm1", 100, true);
    trace.update_watched(h.realm.broker());
    record_calls(&mut trace, 1, 5);
    assert_eq!(trace.next_batch(), None);
    assert!(
        trace
            .plan_batch(Timestamp::from_millis(10_000), h.realm.broker())
            .is_none()
    );
}

#[test]
fn batches_start_with_watching_and_come_at_most_every_interval() {
    let mut h = watched_realm(&[]);
    let mut trace = Trace::new("realm1", 100, true);
    record_calls(&mut trace, 1, 3);
    trace.update_watched(h.realm.broker());
    h.subscribe(2, ON_MESSAGE, "exact");
    trace.update_watched(h.realm.broker());
    // What happened before anyone watched is history, not news.
    assert_eq!(trace.next_batch(), None);

    record_calls(&mut trace, 4, 2);
    let due = trace.next_batch().unwrap();
    let plan = trace.plan_batch(due, h.realm.broker()).unwrap();
    let batches = plan.build();
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].to, id(2));
    let (records, dropped) = batch_records(&batches[0]);
    assert_eq!(dropped, 0);
    let seqs: Vec<&Value> = records
        .iter()
        .map(|r| &r.as_dict().unwrap()["seq"])
        .collect();
    assert_eq!(seqs, [&Value::from(4u64), &Value::from(5u64)]);

    // Nothing new: nothing due. New records: due one interval after the last batch.
    assert_eq!(trace.next_batch(), None);
    record_calls(&mut trace, 6, 1);
    let next = trace.next_batch().unwrap();
    assert_eq!(next, due.plus_millis(BATCH_INTERVAL_MS));
    assert!(
        trace
            .plan_batch(due.plus_millis(BATCH_INTERVAL_MS - 1), h.realm.broker())
            .is_none()
    );
    let plan = trace.plan_batch(next, h.realm.broker()).unwrap();
    assert_eq!(plan.build().len(), 1);

    // The last watcher leaves: no more batches.
    h.leave(2);
    trace.update_watched(h.realm.broker());
    record_calls(&mut trace, 7, 1);
    assert_eq!(trace.next_batch(), None);
}

#[test]
fn each_watcher_gets_what_its_filter_admits() {
    let h = watched_realm(&[1, 2, 3]);
    let mut trace = Trace::new("realm1", 100, true);
    trace.update_watched(h.realm.broker());
    call_procedure(
        &mut trace,
        1,
        SET_FILTER,
        dict(&[("types", Value::List(vec!["RESULT".into()]))]),
    );
    call_procedure(
        &mut trace,
        2,
        SET_FILTER,
        dict(&[("uri", "example.2".into())]),
    );
    record_calls(&mut trace, 1, 3);
    let plan = trace
        .plan_batch(trace.next_batch().unwrap(), h.realm.broker())
        .unwrap();
    let batches = plan.build();
    // Session 1 wants RESULTs only: nothing new for it, so nothing sent.
    let to: Vec<Id> = batches.iter().map(|batch| batch.to).collect();
    assert_eq!(to.len(), 2);
    for batch in &batches {
        let (records, _) = batch_records(batch);
        let uris: Vec<&Value> = records
            .iter()
            .map(|r| &r.as_dict().unwrap()["uri"])
            .collect();
        if batch.to == id(2) {
            assert_eq!(uris, [&Value::from("com.example.2")]);
        } else {
            assert_eq!(batch.to, id(3));
            assert_eq!(uris.len(), 3);
        }
        assert_eq!(batch.records, records.len() as u64);
    }
}

#[test]
fn watchers_with_the_same_filter_share_one_event() {
    let h = watched_realm(&[1, 2]);
    let mut trace = Trace::new("realm1", 100, true);
    trace.update_watched(h.realm.broker());
    record_calls(&mut trace, 1, 2);
    let plan = trace
        .plan_batch(trace.next_batch().unwrap(), h.realm.broker())
        .unwrap();
    let batches = plan.build();
    assert_eq!(batches.len(), 2);
    assert!(batches[0].event.ptr_eq(&batches[1].event));
}

#[test]
fn pattern_subscribers_get_the_topic_in_the_details() {
    let mut h = Harness::new(1);
    h.subscribe(1, "dev_router.", "prefix");
    let mut trace = Trace::new("realm1", 100, true);
    trace.update_watched(h.realm.broker());
    record_calls(&mut trace, 1, 1);
    let batches = trace
        .plan_batch(trace.next_batch().unwrap(), h.realm.broker())
        .unwrap()
        .build();
    match batches[0].event.message() {
        Message::Event { details, .. } => assert_eq!(details["topic"], Value::from(ON_MESSAGE)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_watcher_that_falls_behind_is_told_how_much_it_missed() {
    let h = watched_realm(&[1]);
    let mut trace = Trace::new("realm1", 5000, true);
    trace.update_watched(h.realm.broker());

    // More than a batch holds in one interval: the newest MAX_BATCH go, the rest count.
    record_calls(&mut trace, 1, MAX_BATCH as u64 + 7);
    let at = trace.next_batch().unwrap();
    let batches = trace.plan_batch(at, h.realm.broker()).unwrap().build();
    let (records, dropped) = batch_records(&batches[0]);
    assert_eq!((records.len(), dropped), (MAX_BATCH, 7));
    assert_eq!(records[0].as_dict().unwrap()["seq"], Value::from(8u64));
    trace.settle(&batches[0], true);
    assert_eq!(trace.watchers[&id(1)].dropped, 0);

    // The same again, but it could not take that batch: all of it counts.
    record_calls(&mut trace, 1, MAX_BATCH as u64 + 7);
    let at = trace.next_batch().unwrap();
    let batches = trace.plan_batch(at, h.realm.broker()).unwrap().build();
    trace.settle(&batches[0], false);
    assert_eq!(trace.watchers[&id(1)].dropped, MAX_BATCH as u64 + 7);
    trace.watchers.get_mut(&id(1)).unwrap().dropped = 0;

    // A batch it could not take (its queue was full): reported with the next one.
    record_calls(&mut trace, 2000, 3);
    let at = trace.next_batch().unwrap();
    let batches = trace.plan_batch(at, h.realm.broker()).unwrap().build();
    trace.settle(&batches[0], false);
    assert_eq!(trace.watchers[&id(1)].dropped, 3);
    record_calls(&mut trace, 3000, 1);
    let at = trace.next_batch().unwrap();
    let batches = trace.plan_batch(at, h.realm.broker()).unwrap().build();
    assert_eq!(batch_records(&batches[0]).1, 3);
    trace.settle(&batches[0], true);
    assert_eq!(trace.watchers[&id(1)].dropped, 0);

    // Records overwritten in the ring before a batch took them count too.
    let mut small = Trace::new("realm1", 4, true);
    small.update_watched(h.realm.broker());
    record_calls(&mut small, 1, 10);
    let at = small.next_batch().unwrap();
    let batches = small.plan_batch(at, h.realm.broker()).unwrap().build();
    let (records, dropped) = batch_records(&batches[0]);
    assert_eq!((records.len(), dropped), (4, 6));
}

#[test]
fn a_watcher_with_nothing_new_but_drops_still_hears_of_them() {
    let h = watched_realm(&[1]);
    let mut trace = Trace::new("realm1", 100, true);
    trace.update_watched(h.realm.broker());
    call_procedure(
        &mut trace,
        1,
        SET_FILTER,
        dict(&[("types", Value::List(vec!["EVENT".into()]))]),
    );
    trace.watchers.get_mut(&id(1)).unwrap().dropped = 2;
    record_calls(&mut trace, 1, 1);
    let batches = trace
        .plan_batch(trace.next_batch().unwrap(), h.realm.broker())
        .unwrap()
        .build();
    assert_eq!(batches.len(), 1);
    let (records, dropped) = batch_records(&batches[0]);
    assert_eq!((records.len(), dropped), (0, 2));
}

#[test]
fn without_always_it_records_only_while_watched_and_for_a_while_after() {
    const LINGER_US: u64 = LINGER_SECS * 1_000_000;
    let mut h = Harness::new(2);
    let mut trace = Trace::new("realm1", 100, false);
    trace.set_time(1_000_000);
    trace.update_watched(h.realm.broker());
    record_calls(&mut trace, 1, 3);
    assert!(!trace.is_recording());
    assert_eq!(seqs(&trace), [0u64; 0], "nobody watches: nothing recorded");

    // Somebody watches: recorded.
    let subscription = h.subscribe(1, ON_MESSAGE, "exact");
    trace.update_watched(h.realm.broker());
    record_calls(&mut trace, 4, 2);
    assert_eq!(seqs(&trace), [1, 2]);

    // The watcher leaves (an inspector reloading): still recorded for a while.
    h.send(
        1,
        Message::Unsubscribe {
            request: id(2),
            subscription,
        },
    );
    trace.update_watched(h.realm.broker());
    trace.set_time(1_000_000 + LINGER_US - 1);
    record_calls(&mut trace, 6, 1);
    assert_eq!(seqs(&trace), [1, 2, 3]);
    trace.set_time(1_000_000 + LINGER_US);
    record_calls(&mut trace, 7, 1);
    assert_eq!(seqs(&trace), [1, 2, 3], "no longer after the linger");

    // A history call starts it again, for as long; what was kept is still there.
    let found = history(&mut trace, Dict::new());
    assert_eq!(found.len(), 3);
    assert!(trace.is_recording());
    record_calls(&mut trace, 8, 1);
    assert_eq!(seqs(&trace), [1, 2, 3, 4]);
}
