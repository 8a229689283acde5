//! Every integration test, in one binary: the crate and `support` are compiled and
//! linked once. `scripts/test.sh` runs it with cargo-nextest, which gives each test a
//! process of its own (as separate test binaries did), so process-wide state (the
//! tracing subscriber, signal handlers, mounted disks) never leaks between tests.

mod support;

mod architecture;
mod commands;
mod connection;
mod crash;
mod daily;
mod database_faults;
mod deploy;
mod engagement;
mod faults;
mod habits;
mod hostile_input;
mod migrate_db;
mod migrations;
mod operations;
mod privacy;
mod private_answers;
mod processes;
mod question_banks;
mod questions_file;
mod scheduler;
mod security;
mod sharding;
mod storage;
