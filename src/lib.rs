//! wheelhouse: a terminal release manager for Helm charts.

pub mod funcs;
pub mod gotmpl;
pub mod render;
