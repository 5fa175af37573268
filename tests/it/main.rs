//! The one integration-test binary: each module tests one area end to end.

// A failed unwrap in a test is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod archive;
mod chart_dir;
mod charts;
mod crosstool;
mod engine;
mod files;
mod fixtures;
mod flags;
mod gotmpl_conformance;
mod kill;
mod lifecycle;
mod patch;
mod preview;
mod ready;
mod release_cli;
mod sandbox;
mod schema;
mod show;
mod sql;
mod storage;
mod strvals;
mod template;
mod tui;
