//! Go's text/template, with Go's exact semantics and output.
//!
//! Owns lexing, parsing and executing templates, Go's `fmt` rules for printing
//! values, and the built-in functions of text/template. Knows nothing of Helm:
//! Helm's functions and options are layered on top by `funcs` and `render`.

pub mod escape;
pub mod fmt;
pub mod value;

pub use value::{ElemType, Entries, IntType, List, Map, Object, UintType, Value};
