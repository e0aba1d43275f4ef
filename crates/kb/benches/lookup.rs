//! Criterion benchmarks of the knowledge base's lookups.
#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use portwarden_kb::{annotate, by_service, card, search, Protocol};

fn bench(c: &mut Criterion) {
    c.bench_function("annotate 3389/tcp", |b| {
        b.iter(|| annotate(Protocol::Tcp, black_box(3389)))
    });
    c.bench_function("card 3389", |b| {
        b.iter(|| card(black_box(3389), None, None))
    });
    c.bench_function("by_service ssh", |b| {
        b.iter(|| by_service(black_box("ssh")))
    });
    c.bench_function("search 'remote desktop'", |b| {
        b.iter(|| search(black_box("remote desktop"), 10))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
