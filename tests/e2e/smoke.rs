//! The harness itself: an emulator starts, the binary runs against it, and the emulator's
//! counters see exactly what the test did.

use brickform_tests::TestContext;

#[test]
fn the_context_reaches_its_emulator_and_counts_requests() {
    let context = TestContext::new();
    assert!(context.base_url().starts_with("http://127.0.0.1:"));
    assert!(context.list("credentials").is_empty());
    let stats = context.stats();
    assert_eq!(stats["requests"]["GET /credentials"], 1, "{stats}");
}

#[test]
fn the_binary_runs_in_a_clean_environment() {
    let context = TestContext::new();
    let run = context.run(["--version"]);
    run.success();
    assert!(run.stdout.starts_with("brickform "), "{}", run.stdout);
}
