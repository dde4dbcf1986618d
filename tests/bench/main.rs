//! The end-to-end scale harness: the release `brickform` binary against an emulator seeded
//! with N workspaces and their objects.
//!
//! ```text
//! cargo build --release -p brickform-cli
//! cargo run --release -p brickform-tests --bin bench -- plan  [--sizes 100,1000,5000] [--runs 3]
//! cargo run --release -p brickform-tests --bin bench -- apply [--sizes 10,50,200] [--runs 3]
//! ```
//!
//! `plan` measures `brickform plan` wall time, peak RSS and the number of Account API requests
//! (the emulator's counters) with 0 ms and 50 ms of injected latency, next to a *model* of the
//! per-object refresh other tools do (one GET per managed object, ten in flight). `apply`
//! measures `brickform apply` of N independent workspaces with a 2 s provisioning delay and
//! 10 ms of latency, divided by the critical path (one create request for the shared
//! credentials, one for the workspace, then the provisioning delay). Medians of `--runs`.
//! See BENCHMARKS.md.
#![allow(clippy::print_stdout, clippy::print_stderr)] // A harness reports on its terminal.

mod seed;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use brickform_tests::TEST_TOKEN;

fn main() {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let result = match arguments.first().map(String::as_str) {
        Some("measure") => measure_child(&arguments[1..]),
        Some("plan") => Options::parse(&arguments[1..], &[100, 1_000, 5_000]).and_then(plan),
        Some("apply") => Options::parse(&arguments[1..], &[10, 50, 200]).and_then(apply),
        Some("serve") => Options::parse(&arguments[1..], &[1_000]).and_then(serve),
        _ => Err(
            "usage: bench plan|apply|serve [--sizes N,N,...] [--runs R] (see BENCHMARKS.md)"
                .to_owned(),
        ),
    };
    if let Err(message) = result {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

struct Options {
    sizes: Vec<usize>,
    runs: usize,
}

impl Options {
    fn parse(arguments: &[String], default_sizes: &[usize]) -> Result<Options, String> {
        let mut options = Options {
            sizes: default_sizes.to_vec(),
            runs: 3,
        };
        let mut arguments = arguments.iter();
        while let Some(argument) = arguments.next() {
            let value = arguments
                .next()
                .ok_or_else(|| format!("{argument} needs a value"))?;
            match argument.as_str() {
                "--sizes" => {
                    options.sizes = value
                        .split(',')
                        .map(|size| {
                            size.trim()
                                .parse()
                                .map_err(|_| format!("bad size `{size}`"))
                        })
                        .collect::<Result<_, _>>()?;
                }
                "--runs" => {
                    options.runs = value
                        .parse()
                        .map_err(|_| format!("bad run count `{value}`"))?;
                }
                other => return Err(format!("unknown option `{other}`")),
            }
        }
        Ok(options)
    }
}

/// One measured run of the binary.
#[derive(Debug, Clone, Copy)]
struct Measurement {
    wall: Duration,
    max_rss_kib: u64,
}

/// `bench measure -- PROGRAM ARGS...`: runs one program and prints its wall time and peak
/// RSS. A process of its own per measurement, because the kernel's peak-RSS figure for
/// children covers every child a process ever waited for.
fn measure_child(arguments: &[String]) -> Result<(), String> {
    let program = arguments.get(1).ok_or("measure needs -- PROGRAM")?;
    let started = Instant::now();
    let output = Command::new(program)
        .args(&arguments[2..])
        .output()
        .map_err(|error| format!("running {program}: {error}"))?;
    let wall = started.elapsed();
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .map_err(|error| format!("getrusage: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "{program} failed with {}:\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    println!("{} {}", wall.as_micros(), usage.max_rss());
    Ok(())
}

/// Runs `brickform ARGS` against the emulator through `bench measure`.
fn measure(
    emulator: &seed::Emulator,
    arguments: &[&str],
    extra_env: &[(&str, &str)],
) -> Measurement {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .arg("measure")
        .arg("--")
        .arg(brickform_binary())
        .args(arguments)
        .env("DATABRICKS_HOST", emulator.base_url())
        .env("DATABRICKS_ACCOUNT_ID", emulator.account_id())
        .env("DATABRICKS_TOKEN", TEST_TOKEN)
        .env("NO_COLOR", "1")
        .env_remove("DATABRICKS_CONFIG_PROFILE");
    for (name, value) in extra_env {
        command.env(name, value);
    }
    let output = command.output().expect("running bench measure");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let mut fields = text.split_whitespace();
    let micros: u64 = fields.next().unwrap().parse().unwrap();
    let max_rss_kib: u64 = fields.next().unwrap().parse().unwrap();
    Measurement {
        wall: Duration::from_micros(micros),
        max_rss_kib,
    }
}

fn brickform_binary() -> PathBuf {
    let harness = std::env::current_exe().unwrap();
    let binary = harness.parent().unwrap().join("brickform");
    assert!(
        binary.exists(),
        "{} is missing: run `cargo build --release -p brickform-cli` first",
        binary.display()
    );
    binary
}

fn median_duration(mut values: Vec<Duration>) -> Duration {
    values.sort_unstable();
    values[values.len() / 2]
}

fn median_u64(mut values: Vec<u64>) -> u64 {
    values.sort_unstable();
    values[values.len() / 2]
}

fn plan(options: Options) -> Result<(), String> {
    let runtime = tokio::runtime::Runtime::new().map_err(|error| error.to_string())?;
    println!("brickform plan at scale (medians of {} runs)", options.runs);
    println!(
        "| workspaces | objects | latency | requests | wall | peak RSS | model: per-object refresh requests | model: per-object refresh time |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for &size in &options.sizes {
        let emulator = runtime.block_on(seed::Emulator::start(Duration::ZERO))?;
        let started = Instant::now();
        runtime.block_on(emulator.seed_workspaces(size))?;
        eprintln!(
            "seeded {size} workspaces in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let directory = tempfile::tempdir().map_err(|error| error.to_string())?;
        let spec = directory.path().join("spec.yaml");
        std::fs::write(&spec, seed::spec_for_seeded(size)).map_err(|error| error.to_string())?;
        let get_time = runtime.block_on(emulator.median_get_time())?;
        for latency_ms in [0_u64, 50] {
            runtime.block_on(emulator.set_latency(latency_ms))?;
            let mut walls = Vec::new();
            let mut rss = Vec::new();
            let mut requests = Vec::new();
            for _ in 0..options.runs {
                let before = runtime.block_on(emulator.total_requests())?;
                let measurement = measure(&emulator, &["plan", path_str(&spec)], &[]);
                let after = runtime.block_on(emulator.total_requests())?;
                walls.push(measurement.wall);
                rss.push(measurement.max_rss_kib);
                requests.push(after - before);
            }
            // The model: every managed object read with its own GET, ten at a time, each
            // taking the injected latency plus the emulator's measured time for one GET.
            let managed_objects = 4 * size;
            let waves = managed_objects.div_ceil(10) as u32;
            let model_time = (Duration::from_millis(latency_ms) + get_time) * waves;
            println!(
                "| {size} | {managed_objects} | {latency_ms} ms | {} | {:.3} s | {:.1} MiB | {managed_objects} | {:.3} s |",
                median_u64(requests),
                median_duration(walls).as_secs_f64(),
                median_u64(rss) as f64 / 1024.0,
                model_time.as_secs_f64(),
            );
        }
        runtime.block_on(emulator.shutdown());
    }
    Ok(())
}

fn apply(options: Options) -> Result<(), String> {
    let runtime = tokio::runtime::Runtime::new().map_err(|error| error.to_string())?;
    let provisioning_delay = Duration::from_secs(2);
    let latency_ms = 10;
    println!(
        "brickform apply of N independent workspaces, {} s provisioning delay, {latency_ms} ms latency (medians of {} runs)",
        provisioning_delay.as_secs(),
        options.runs
    );
    println!("| workspaces | rate limit | wall | critical path | ratio |");
    println!("| ---: | ---: | ---: | ---: | ---: |");
    for &size in &options.sizes {
        for rate_limit in ["15", "1000"] {
            let mut walls = Vec::new();
            let mut critical_paths = Vec::new();
            for _ in 0..options.runs {
                let emulator = runtime.block_on(seed::Emulator::start(provisioning_delay))?;
                runtime.block_on(emulator.set_latency(latency_ms))?;
                let request_time = runtime.block_on(emulator.median_get_time())?
                    + Duration::from_millis(latency_ms);
                let directory = tempfile::tempdir().map_err(|error| error.to_string())?;
                let spec = directory.path().join("spec.yaml");
                std::fs::write(&spec, seed::independent_workspaces(size))
                    .map_err(|error| error.to_string())?;
                let measurement = measure(
                    &emulator,
                    &["apply", path_str(&spec), "--auto-approve"],
                    &[("DATABRICKS_RATE_LIMIT", rate_limit)],
                );
                walls.push(measurement.wall);
                // Credentials create, then workspace create, then provisioning.
                critical_paths.push(request_time * 2 + provisioning_delay);
                runtime.block_on(emulator.shutdown());
            }
            let wall = median_duration(walls);
            let critical_path = median_duration(critical_paths);
            println!(
                "| {size} | {rate_limit}/s | {:.2} s | {:.2} s | {:.2} |",
                wall.as_secs_f64(),
                critical_path.as_secs_f64(),
                wall.as_secs_f64() / critical_path.as_secs_f64()
            );
        }
    }
    Ok(())
}

/// `bench serve --sizes N`: seeds an emulator with N workspaces, writes the matching spec and
/// keeps serving until Ctrl-C, so that a profiler can be pointed at one `brickform plan`.
fn serve(options: Options) -> Result<(), String> {
    let size = *options.sizes.first().ok_or("serve needs one size")?;
    let runtime = tokio::runtime::Runtime::new().map_err(|error| error.to_string())?;
    let emulator = runtime.block_on(seed::Emulator::start(Duration::ZERO))?;
    runtime.block_on(emulator.seed_workspaces(size))?;
    let spec = std::env::temp_dir().join(format!("brickform-bench-{size}.yaml"));
    std::fs::write(&spec, seed::spec_for_seeded(size)).map_err(|error| error.to_string())?;
    println!("seeded {size} workspaces; spec in {}", spec.display());
    println!(
        "DATABRICKS_HOST={} DATABRICKS_ACCOUNT_ID={} DATABRICKS_TOKEN={TEST_TOKEN} brickform plan {}",
        emulator.base_url(),
        emulator.account_id(),
        spec.display()
    );
    runtime.block_on(async {
        let _ = tokio::signal::ctrl_c().await;
    });
    runtime.block_on(emulator.shutdown());
    Ok(())
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}
