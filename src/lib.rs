//! wheelhouse: a terminal release manager for Helm charts.

pub mod chart;
pub mod cli;
pub mod diff;
pub mod engine;
pub mod funcs;
pub mod gotmpl;
pub mod kube;
pub mod patch;
pub mod release;
pub mod render;
pub mod sandbox;
pub mod storage;
pub mod tui;
