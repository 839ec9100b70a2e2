//! Serializer micro-benchmarks: encode and decode of `CALL` and `EVENT`, with a small and a
//! 1 KB payload, in JSON, MessagePack and CBOR.
//!
//! `cargo bench -p wamp-proto --bench serializers` (criterion; add `-- --quick` for a short
//! run, or a filter such as `-- json/decode`). Throughput is in bytes of the encoded
//! message.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use wamp_proto::{Dict, Id, Message, Payload, Serializer, Uri, Value};

/// `[42, "hello"]`: a typical small call.
fn small() -> Payload {
    Payload::args(vec![Value::Int(42), Value::from("hello")])
}

/// About 1 KB once encoded in JSON (a little less in MessagePack and CBOR): a record of 36
/// named fields of mixed types, as an application would send it in `ArgumentsKw`.
fn one_kilobyte() -> Payload {
    let mut kwargs = Dict::new();
    for field in 0..36 {
        let value = match field % 4 {
            0 => Value::from(format!("value number {field} of the record")),
            1 => Value::Int(1_000_000 + field),
            2 => Value::Float(field as f64 * 1.5),
            _ => Value::List(vec![Value::Bool(true), Value::Null, Value::from("x")]),
        };
        kwargs.insert(format!("field_{field:02}"), value);
    }
    Payload {
        args: vec![Value::from("com.example.record")],
        kwargs,
    }
}

fn id(value: u64) -> Id {
    Id::new(value).unwrap_or_else(|| unreachable!("a valid id"))
}

fn call(payload: Payload) -> Message {
    Message::Call {
        request: id(7_814_135),
        options: Dict::new(),
        procedure: Uri::new("com.myapp.echo"),
        payload,
    }
}

fn event(payload: Payload) -> Message {
    Message::Event {
        subscription: id(5_512_315_355),
        publication: id(4_429_313_566),
        details: Dict::new(),
        payload,
    }
}

fn serializers(c: &mut Criterion) {
    let messages = [
        ("CALL small", call(small())),
        ("CALL 1KB", call(one_kilobyte())),
        ("EVENT small", event(small())),
        ("EVENT 1KB", event(one_kilobyte())),
    ];
    for serializer in Serializer::ALL {
        let mut group = c.benchmark_group(serializer.name());
        for (name, message) in &messages {
            let bytes = serializer.encode(message);
            println!(
                "{}/{name}: {} bytes encoded",
                serializer.name(),
                bytes.len()
            );
            group.throughput(Throughput::Bytes(bytes.len() as u64));
            group.bench_function(format!("encode {name}"), |b| {
                b.iter(|| serializer.encode(black_box(message)));
            });
            group.bench_function(format!("decode {name}"), |b| {
                b.iter(|| serializer.decode(black_box(&bytes)));
            });
        }
        group.finish();
    }
}

criterion_group!(benches, serializers);
criterion_main!(benches);
