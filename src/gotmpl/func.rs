//! Template functions: Go signatures, so arguments are checked and converted as Go
//! checks them, and a call context that lets a function run templates of the set
//! (`include`, `tpl`) with the data it was given.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use super::error::Error;
use super::value::{ElemType, IntType, Value};

/// A Go parameter type, as far as templates can tell them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    /// `interface {}`: anything, nil included.
    Any,
    String,
    Int,
    Int64,
    Float64,
    Bool,
    /// `map[string]interface {}` (Helm's named `common.Values` is assignable to it).
    Map,
    /// `[]interface {}`.
    List,
    /// `[]string`.
    Strings,
    /// A Go struct or pointer type by name (`time.Time`, `*semver.Version`): only
    /// an [`Object`](super::Object) of that type fits.
    Object(&'static str),
}

impl Param {
    /// The Go type name used in argument errors.
    pub fn go_name(self) -> &'static str {
        match self {
            Param::Any => "interface {}",
            Param::String => "string",
            Param::Int => "int",
            Param::Int64 => "int64",
            Param::Float64 => "float64",
            Param::Bool => "bool",
            Param::Map => "map[string]interface {}",
            Param::List => "[]interface {}",
            Param::Strings => "[]string",
            Param::Object(name) => name,
        }
    }

    /// Whether an untyped nil can stand for this type (Go's `canBeNil`).
    pub fn can_be_nil(self) -> bool {
        match self {
            Param::Any | Param::Map | Param::List | Param::Strings => true,
            Param::Object(name) => name.starts_with('*'),
            _ => false,
        }
    }

    /// Whether a value of `value`'s dynamic type is assignable to this type.
    pub fn accepts(self, value: &Value) -> bool {
        match (self, value) {
            (Param::Any, _) => true,
            (Param::String, Value::Str(_)) => true,
            (Param::Int, Value::Int(_, IntType::Int)) => true,
            (Param::Int64, Value::Int(_, IntType::Int64)) => true,
            (Param::Float64, Value::Float(_)) => true,
            (Param::Bool, Value::Bool(_)) => true,
            (Param::Map, Value::Map(m)) => m.elem() == ElemType::Interface,
            (Param::List, Value::List(l)) => l.elem() == ElemType::Interface,
            (Param::Strings, Value::List(l)) => l.elem() == ElemType::String,
            (Param::Object(name), Value::Object(o)) => o.type_name() == *name,
            _ => false,
        }
    }
}

/// What a function body receives besides its arguments.
pub trait Context {
    /// Runs the named template of the set with `data` as dot, like Go's
    /// `ExecuteTemplate`, returning its output.
    fn execute_template(&mut self, name: &str, data: Value) -> Result<String, Error>;

    /// Parses `text` as the template `name` in a copy of the template set (so its
    /// `define`s don't leak into the set), and runs it with `data` (Helm's `tpl`).
    fn execute_text(&mut self, name: &str, text: &str, data: Value) -> Result<String, Error>;

    /// The name of the template being executed.
    fn template_name(&self) -> &str;
}

/// A function's body: arguments already checked against the signature.
pub type Body = dyn Fn(&mut dyn Context, &[Value]) -> Result<Value, Error> + Send + Sync;

/// A function that templates can call.
#[derive(Clone)]
pub struct Func {
    pub params: Vec<Param>,
    /// The element type of a final `...` parameter.
    pub variadic: Option<Param>,
    pub body: Arc<Body>,
}

impl Func {
    pub fn new(
        params: &[Param],
        variadic: Option<Param>,
        body: impl Fn(&mut dyn Context, &[Value]) -> Result<Value, Error> + Send + Sync + 'static,
    ) -> Func {
        Func {
            params: params.to_vec(),
            variadic,
            body: Arc::new(body),
        }
    }

    /// A function that needs no context.
    pub fn pure(
        params: &[Param],
        variadic: Option<Param>,
        body: impl Fn(&[Value]) -> Result<Value, Error> + Send + Sync + 'static,
    ) -> Func {
        Func::new(params, variadic, move |_, args| body(args))
    }
}

impl fmt::Debug for Func {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Func")
            .field("params", &self.params)
            .field("variadic", &self.variadic)
            .finish_non_exhaustive()
    }
}

/// Functions by name, added to a template set (Go's `FuncMap`). Looked up on
/// every call, so hashed with a fast non-cryptographic hash.
pub type FuncMap = HashMap<String, Func, rustc_hash::FxBuildHasher>;
