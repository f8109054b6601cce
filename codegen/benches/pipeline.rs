//! Generator timings per phase: load (YAML → document), lower (document → model), emit (model →
//! formatted Rust, prettyplease included) and the whole pipeline (`codegen::generate`).
//!
//! Specs: the project's own `spec/webhooks.yaml`, and from the shared OpenAPI examples (skipped
//! with a note when that folder is absent) the largest one, `star-trek.yaml`. A spec the generator
//! rejects is still timed for the phases it gets through (lowering up to its diagnostics), and the
//! largest example that does generate is then timed end to end in its place.
//!
//! Run with `cargo bench -p codegen`; the times are kept short for a 2-core machine.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, criterion_group, criterion_main};

fn options() -> codegen::Options {
    codegen::Options {
        client_crate: "bench_client".into(),
        regenerate_with: "bench".into(),
    }
}

fn manifest_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

const MEASUREMENT: Duration = Duration::from_secs(3);

/// Twenty samples when they fit in the measurement time, criterion's minimum of ten otherwise
/// (star-trek.yaml takes a quarter of a second to emit).
fn fit_samples(group: &mut BenchmarkGroup<'_, WallTime>, one_run: Duration) {
    let samples = if one_run * 20 <= MEASUREMENT { 20 } else { 10 };
    group.sample_size(samples);
}

/// Runs `f` once, untimed by criterion, returning its result and how long it took.
fn once<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let value = f();
    (value, start.elapsed())
}

/// Times every phase `text` gets through; returns whether it generated fully.
fn bench_spec(c: &mut Criterion, name: &str, text: &str) -> bool {
    let options = options();
    let mut group = c.benchmark_group(name);
    // Flat sampling: emitting takes tens of milliseconds or more, too long for linear sampling.
    group
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(MEASUREMENT);

    let (loaded, load_time) = once(|| codegen::load::load(text));
    fit_samples(&mut group, load_time);
    group.bench_function("load", |b| b.iter(|| codegen::load::load(black_box(text))));
    let doc = match loaded {
        Ok(doc) => doc,
        Err(d) => {
            println!("note: {name} does not load ({d}); only `load` was timed");
            group.finish();
            return false;
        }
    };

    let (lowered, lower_time) = once(|| codegen::lower::lower(&doc));
    fit_samples(&mut group, lower_time);
    group.bench_function("lower", |b| {
        b.iter(|| codegen::lower::lower(black_box(&doc)))
    });
    let api = match lowered {
        Ok(api) => api,
        Err(diagnostics) => {
            let count = diagnostics.iter().count();
            println!(
                "note: {name} does not lower ({count} diagnostics); `lower` timed up to its \
                 diagnostics, `emit` and `generate` skipped"
            );
            group.finish();
            return false;
        }
    };

    let (emitted, emit_time) = once(|| codegen::emit::emit(&api, &options));
    if let Err(d) = emitted {
        println!("note: {name} does not emit ({d}); `emit` and `generate` skipped");
        group.finish();
        return false;
    }
    fit_samples(&mut group, emit_time);
    group.bench_function("emit", |b| {
        b.iter(|| codegen::emit::emit(black_box(&api), &options))
    });

    fit_samples(&mut group, load_time + lower_time + emit_time);
    group.bench_function("generate", |b| {
        b.iter(|| codegen::generate(black_box(text), &options))
    });
    group.finish();
    true
}

/// The largest spec in `dir` (other than `except`) that generates fully.
fn largest_generating(dir: &Path, except: &Path) -> Option<(PathBuf, String)> {
    let mut specs: Vec<(u64, PathBuf)> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path != except
                && matches!(
                    path.extension().and_then(|e| e.to_str()),
                    Some("yaml" | "yml" | "json")
                )
        })
        .filter_map(|path| Some((std::fs::metadata(&path).ok()?.len(), path)))
        .collect();
    specs.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let options = options();
    specs.into_iter().find_map(|(_, path)| {
        let text = std::fs::read_to_string(&path).ok()?;
        codegen::generate(&text, &options)
            .is_ok()
            .then_some((path, text))
    })
}

fn webhooks(c: &mut Criterion) {
    let path = manifest_path("../spec/webhooks.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    if !bench_spec(c, "webhooks.yaml", &text) {
        panic!("spec/webhooks.yaml no longer generates");
    }
}

fn shared_examples(c: &mut Criterion) {
    let dir = manifest_path("../../shared/specs/oas-examples");
    let largest = dir.join("star-trek.yaml");
    let Ok(text) = std::fs::read_to_string(&largest) else {
        println!(
            "note: {} is missing; the shared example benches are skipped",
            largest.display()
        );
        return;
    };
    if bench_spec(c, "star-trek.yaml", &text) {
        return;
    }
    match largest_generating(&dir, &largest) {
        Some((path, text)) => {
            let name = file_name(&path);
            println!(
                "note: star-trek.yaml does not generate; {name} is the largest example that does"
            );
            bench_spec(c, &name, &text);
        }
        None => println!("note: no example in {} generates fully", dir.display()),
    }
}

criterion_group!(benches, webhooks, shared_examples);
criterion_main!(benches);
