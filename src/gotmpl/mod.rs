//! Go's text/template, with Go's exact semantics and output.
//!
//! Owns lexing, parsing and executing templates, Go's `fmt` rules for printing
//! values, and the built-in functions of text/template. Knows nothing of Helm:
//! Helm's functions and options are layered on top by `funcs` and `render`.

mod ast;
mod builtins;
mod error;
pub mod escape;
mod exec;
pub mod fmt;
mod func;
mod lex;
mod parse;
pub mod strconv;
mod template;
pub mod unicode;
pub mod value;

pub use error::Error;
pub use exec::MAX_EXEC_DEPTH;
pub use func::{Body, Context, Func, FuncMap, Param};
pub use parse::{MAX_PAREN_DEPTH, MAX_PIPELINE_CMDS};
pub use template::{MissingKey, Options, Parsed, Template};
pub use value::{ElemType, Entries, IntType, List, Map, Object, UintType, Value};
