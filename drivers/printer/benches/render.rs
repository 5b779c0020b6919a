//! Rendering cost: one card PDF (target ≤ 30 ms), a 100-card batch (≤ 3 s), and
//! the size of a card PDF with a CJK name and a photo.
//!
//!     cargo bench -p pass-printer --bench render

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use pass_credential::PassKind;
use pass_printer::Orientation;

fn render(c: &mut Criterion) {
    let renderer = common::renderer(Orientation::Landscape);
    let card = common::card(PassKind::Person);
    let size = renderer.render(&card).expect("render").pdf.len();
    println!(
        "card PDF with a CJK name and a photo: {size} bytes ({:.1} KB)",
        size as f64 / 1024.0
    );

    c.bench_function("render one card PDF", |b| {
        b.iter(|| renderer.render(&card).expect("render"))
    });

    let batch: Vec<_> = (0..100).map(|i| common::card(PassKind::ALL[i % 4])).collect();
    let batch_size = renderer.render_batch(&batch).expect("batch").pdf.len();
    println!(
        "100-card batch PDF: {batch_size} bytes ({:.1} MB)",
        batch_size as f64 / 1_048_576.0
    );
    let mut group = c.benchmark_group("batch");
    group.sample_size(10);
    group.bench_function("render a 100-card batch PDF", |b| {
        b.iter(|| renderer.render_batch(&batch).expect("batch"))
    });
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
