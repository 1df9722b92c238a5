//! The binary allocates with jemalloc, in the configuration `.cargo/config.toml` builds in
//! (docs/benchmarks.md, 17): jemalloc describes itself on exit when `MALLOC_CONF` asks it
//! to, and glibc's allocator would print nothing.

mod support;

use std::process::Command;
use support::BIN;

#[test]
fn the_binary_allocates_with_jemalloc_in_its_built_in_configuration() {
    let output = Command::new(BIN)
        .arg("--version")
        .env("MALLOC_CONF", "stats_print:true")
        .output()
        .expect("runsheet runs");
    assert!(output.status.success(), "{output:?}");
    let stats = String::from_utf8_lossy(&output.stderr);
    for option in [
        "opt.narenas: 2",
        "opt.dirty_decay_ms: 1000",
        "opt.muzzy_decay_ms: 0",
    ] {
        assert!(stats.contains(option), "no {option:?} in:\n{stats}");
    }
}
