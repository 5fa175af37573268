//! text/template's built-in functions (`and`, `index`, `eq`, `printf`, ...), with
//! Go's argument handling and error messages.
//!
//! They take Go's `reflect.Value` parameters, so they see values exactly as the
//! executor holds them (nil interfaces and invalid values included), unlike
//! ordinary functions whose arguments are checked against Go types first.

use std::cmp::Ordering;
use std::sync::Arc;

use super::error::Error;
use super::exec::{ArgType, Val};
use super::func::Param;
use super::value::{ElemType, List, UintType, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Builtin {
    And,
    Or,
    Not,
    Call,
    Html,
    Js,
    Urlquery,
    Index,
    Slice,
    Len,
    Print,
    Printf,
    Println,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// The names text/template defines, for the parser's "function not defined" check.
pub(crate) const NAMES: &[&str] = &[
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf",
    "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
];

impl Builtin {
    pub fn lookup(name: &str) -> Option<Builtin> {
        Some(match name {
            "and" => Builtin::And,
            "or" => Builtin::Or,
            "not" => Builtin::Not,
            "call" => Builtin::Call,
            "html" => Builtin::Html,
            "js" => Builtin::Js,
            "urlquery" => Builtin::Urlquery,
            "index" => Builtin::Index,
            "slice" => Builtin::Slice,
            "len" => Builtin::Len,
            "print" => Builtin::Print,
            "printf" => Builtin::Printf,
            "println" => Builtin::Println,
            "eq" => Builtin::Eq,
            "ne" => Builtin::Ne,
            "lt" => Builtin::Lt,
            "le" => Builtin::Le,
            "gt" => Builtin::Gt,
            "ge" => Builtin::Ge,
            _ => return None,
        })
    }

    /// Fixed parameters and the `...` element type, as Go declares them.
    pub fn signature(self) -> (&'static [ArgType], Option<ArgType>) {
        use ArgType::{Go, Reflect};
        match self {
            Builtin::And
            | Builtin::Or
            | Builtin::Call
            | Builtin::Index
            | Builtin::Slice
            | Builtin::Eq => (&[Reflect], Some(Reflect)),
            Builtin::Not | Builtin::Len => (&[Reflect], None),
            Builtin::Html | Builtin::Js | Builtin::Urlquery | Builtin::Print | Builtin::Println => {
                (&[], Some(Go(Param::Any)))
            }
            Builtin::Printf => (&[Go(Param::String)], Some(Go(Param::Any))),
            Builtin::Ne | Builtin::Lt | Builtin::Le | Builtin::Gt | Builtin::Ge => {
                (&[Reflect, Reflect], None)
            }
        }
    }

    /// Runs the built-in on checked arguments. `and`, `or` and `call` are handled
    /// by the executor, which must control their evaluation.
    /// `scratch` is an empty buffer the `...any` functions may use.
    pub fn apply(
        self,
        args: &[Val],
        scratch: &mut Vec<Value>,
        scratch_text: &mut String,
    ) -> Result<Val, Error> {
        fn values<'s>(args: &[Val], scratch: &'s mut Vec<Value>) -> &'s [Value] {
            scratch.extend(args.iter().map(|a| a.v.clone()));
            scratch
        }
        Ok(match self {
            Builtin::And | Builtin::Or | Builtin::Call => {
                return Err(Error::msg(
                    "internal error: special built-in applied directly",
                ));
            }
            Builtin::Not => Val::new(Value::Bool(!args[0].v.is_true())),
            Builtin::Len => Val::new(Value::int(length(&args[0])?)),
            Builtin::Index => index(&args[0], &args[1..])?,
            Builtin::Slice => slice(&args[0], &args[1..])?,
            Builtin::Print => Val::new(Value::from(super::fmt::sprint(args))),
            Builtin::Println => Val::new(Value::from(super::fmt::sprintln(args))),
            Builtin::Printf => {
                let format = args[0].v.as_str().unwrap_or_default();
                // Formatted in the reused buffer: the result needs one allocation.
                let mut text = std::mem::take(scratch_text);
                text.clear();
                super::fmt::write_printf(&mut text, format, &args[1..]);
                let value = Value::Str(Arc::from(text.as_str()));
                *scratch_text = text;
                Val::new(value)
            }
            Builtin::Html => Val::new(Value::from(super::escape::html_escape(
                &super::escape::eval_args(values(args, scratch)),
            ))),
            Builtin::Js => Val::new(Value::from(super::escape::js_escape(
                &super::escape::eval_args(values(args, scratch)),
            ))),
            Builtin::Urlquery => Val::new(Value::from(super::escape::url_query_escape(
                &super::escape::eval_args(values(args, scratch)),
            ))),
            Builtin::Eq => Val::new(Value::Bool(eq(&args[0], &args[1..])?)),
            Builtin::Ne => Val::new(Value::Bool(!eq(&args[0], &args[1..])?)),
            Builtin::Lt => Val::new(Value::Bool(lt(&args[0], &args[1])?)),
            Builtin::Le => Val::new(Value::Bool(le(&args[0], &args[1])?)),
            Builtin::Gt => Val::new(Value::Bool(!le(&args[0], &args[1])?)),
            Builtin::Ge => Val::new(Value::Bool(!lt(&args[0], &args[1])?)),
        })
    }
}

/// Go's `indirectInterface`: the value out of its interface slot; a nil interface
/// becomes the invalid value.
fn indirect_interface(v: &Val) -> Val {
    Val::new(v.v.clone())
}

/// The message of the panic Go's reflect package raises for a call on an invalid
/// value; Go's template executor turns that panic into the function's error.
fn zero_value_panic(method: &str) -> Error {
    Error::msg(format!(
        "reflect: call of reflect.Value.{method} on zero Value"
    ))
}

fn length(item: &Val) -> Result<i64, Error> {
    if item.boxed && item.v.is_nil() {
        return Err(Error::msg("len of nil pointer"));
    }
    match &item.v {
        Value::Str(s) => Ok(s.len() as i64),
        Value::List(l) => Ok(l.len() as i64),
        Value::Map(m) => Ok(m.len() as i64),
        Value::Nil => Err(zero_value_panic("Type")),
        Value::Object(o) if o.is_nil() => Err(Error::msg("len of nil pointer")),
        Value::Object(o) => o
            .go_len()
            .map(|n| n as i64)
            .ok_or_else(|| Error::msg(format!("len of type {}", o.type_name()))),
        other => Err(Error::msg(format!("len of type {}", other.type_name()))),
    }
}

/// Go's `indexArg`: an integer index within `0..=cap`.
fn index_arg(index: &Val, cap: usize) -> Result<usize, Error> {
    let x: i128 = match &index.v {
        _ if index.boxed => {
            return Err(Error::msg(
                "cannot index slice/array with type interface {}",
            ));
        }
        Value::Int(i, _) => i128::from(*i),
        Value::Uint(u, _) => i128::from(*u as i64),
        Value::Nil => return Err(Error::msg("cannot index slice/array with nil")),
        other => {
            return Err(Error::msg(format!(
                "cannot index slice/array with type {}",
                other.type_name()
            )));
        }
    };
    if x < 0 || x > cap as i128 {
        return Err(Error::msg(format!("index out of range: {x}")));
    }
    Ok(x as usize)
}

fn index(item: &Val, indexes: &[Val]) -> Result<Val, Error> {
    let mut item = indirect_interface(item);
    if item.is_invalid() {
        return Err(Error::msg("index of untyped nil"));
    }
    for index in indexes {
        let index = indirect_interface(index);
        if item.boxed && item.v.is_nil() {
            return Err(Error::msg("index of nil pointer"));
        }
        item = match &item.v {
            Value::List(list) => {
                let x = index_arg(&index, list.len())?;
                let elem = list
                    .get(x)
                    .cloned()
                    .ok_or_else(|| Error::msg("reflect: slice index out of range"))?;
                Val {
                    v: elem,
                    boxed: list.elem() == ElemType::Interface,
                }
            }
            Value::Str(s) => {
                let x = index_arg(&index, s.len())?;
                let byte = s
                    .as_bytes()
                    .get(x)
                    .copied()
                    .ok_or_else(|| Error::msg("reflect: string index out of range"))?;
                Val::new(Value::Uint(u64::from(byte), UintType::Uint8))
            }
            Value::Map(map) => {
                let key = map_key(&index)?;
                let boxed = map.elem() == ElemType::Interface;
                match map.get(&key) {
                    Some(v) => Val { v, boxed },
                    None if boxed => Val::boxed(Value::Nil),
                    None => zero_elem(map.elem()),
                }
            }
            Value::Object(o) if o.is_nil() => return Err(Error::msg("index of nil pointer")),
            // A named map type (Helm's `.Files`) looks keys up as its fields.
            Value::Object(o) if o.kind() == "map" => {
                let key = map_key(&index)?;
                Val::new(o.field(&key).unwrap_or_default())
            }
            other => {
                return Err(Error::msg(format!(
                    "can't index item of type {}",
                    other.type_name()
                )));
            }
        };
    }
    Ok(item)
}

/// A map index, which must be a string.
fn map_key(index: &Val) -> Result<std::sync::Arc<str>, Error> {
    match &index.v {
        Value::Str(s) => Ok(s.clone()),
        Value::Nil => Err(Error::msg("value is nil; should be of type string")),
        other => Err(Error::msg(format!(
            "value has type {}; should be string",
            other.type_name()
        ))),
    }
}

fn zero_elem(elem: ElemType) -> Val {
    Val::new(match elem {
        ElemType::Interface => Value::Nil,
        ElemType::String => Value::str(""),
        ElemType::Int => Value::int(0),
        ElemType::Int64 => Value::int64(0),
        ElemType::Float64 => Value::Float(0.0),
        ElemType::Bool => Value::Bool(false),
    })
}

fn slice(item: &Val, indexes: &[Val]) -> Result<Val, Error> {
    let item = indirect_interface(item);
    if item.is_invalid() {
        return Err(Error::msg("slice of untyped nil"));
    }
    if indexes.len() > 3 {
        return Err(Error::msg(format!(
            "too many slice indexes: {}",
            indexes.len()
        )));
    }
    let len = match &item.v {
        Value::Str(s) => {
            if indexes.len() == 3 {
                return Err(Error::msg("cannot 3-index slice a string"));
            }
            s.len()
        }
        Value::List(l) => l.len(),
        other => {
            return Err(Error::msg(format!(
                "can't slice item of type {}",
                other.type_name()
            )));
        }
    };
    let mut idx = [0, len, len];
    for (i, index) in indexes.iter().enumerate() {
        idx[i] = index_arg(index, len)?;
    }
    if idx[0] > idx[1] {
        return Err(Error::msg(format!(
            "invalid slice index: {} > {}",
            idx[0], idx[1]
        )));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(Error::msg(format!(
            "invalid slice index: {} > {}",
            idx[1], idx[2]
        )));
    }
    Ok(Val::new(match &item.v {
        Value::Str(s) => {
            Value::from(String::from_utf8_lossy(&s.as_bytes()[idx[0]..idx[1]]).into_owned())
        }
        Value::List(l) => Value::List(List::typed(l.items()[idx[0]..idx[1]].to_vec(), l.elem())),
        _ => Value::Nil,
    }))
}

/// Go's `basicKind`: the comparison class of a value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Invalid,
    Bool,
    Int,
    Uint,
    Float,
    String,
}

fn basic_kind(v: &Value) -> Kind {
    match v {
        Value::Bool(_) => Kind::Bool,
        Value::Int(..) => Kind::Int,
        Value::Uint(..) => Kind::Uint,
        Value::Float(_) => Kind::Float,
        Value::Str(_) => Kind::String,
        _ => Kind::Invalid,
    }
}

fn incompatible(a: &Value, b: &Value) -> Error {
    Error::msg(format!(
        "incompatible types for comparison: {} and {}",
        a.type_name(),
        b.type_name()
    ))
}

/// Go's reflect `Kind` name, which decides whether two odd values may be compared.
fn reflect_kind(v: &Value) -> &'static str {
    match v {
        Value::Nil => "invalid",
        Value::List(_) => "slice",
        Value::Map(_) => "map",
        Value::Object(_) => "ptr",
        _ => "basic",
    }
}

fn eq(arg1: &Val, rest: &[Val]) -> Result<bool, Error> {
    let a = &arg1.v;
    if rest.is_empty() {
        return Err(Error::msg("missing argument for comparison"));
    }
    let k1 = basic_kind(a);
    for arg in rest {
        let b = &arg.v;
        let k2 = basic_kind(b);
        let truth = if k1 != k2 {
            match (a, b) {
                (Value::Int(i, _), Value::Uint(u, _)) => *i >= 0 && *i as u64 == *u,
                (Value::Uint(u, _), Value::Int(i, _)) => *i >= 0 && *u == *i as u64,
                _ if !a.is_nil() && !b.is_nil() => return Err(incompatible(a, b)),
                _ => false,
            }
        } else {
            match (a, b) {
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::Float(x), Value::Float(y)) => x == y,
                (Value::Int(x, _), Value::Int(y, _)) => x == y,
                (Value::Str(x), Value::Str(y)) => x == y,
                (Value::Uint(x, _), Value::Uint(y, _)) => x == y,
                _ => compare_odd(a, b)?,
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `eq` for values that are not basic: nil, slices, maps, pointers.
fn compare_odd(a: &Value, b: &Value) -> Result<bool, Error> {
    let (ka, kb) = (reflect_kind(a), reflect_kind(b));
    if ka != kb && ka != "invalid" && kb != "invalid" {
        return Err(Error::msg(format!(
            "non-comparable types {}: {}, {}: {}",
            super::fmt::sprintf("%s", std::slice::from_ref(a)),
            a.type_name(),
            b.type_name(),
            super::fmt::sprintf("%v", std::slice::from_ref(b)),
        )));
    }
    if a.is_nil() || b.is_nil() {
        return Ok(a.is_nil() == b.is_nil());
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => Ok(std::sync::Arc::ptr_eq(x, y)),
        _ => Err(Error::msg(format!(
            "non-comparable type {}: {}",
            super::fmt::sprintf("%s", std::slice::from_ref(b)),
            b.type_name()
        ))),
    }
}

fn lt(arg1: &Val, arg2: &Val) -> Result<bool, Error> {
    let (a, b) = (&arg1.v, &arg2.v);
    let bad_type = || Error::msg("invalid type for comparison");
    let k1 = basic_kind(a);
    if k1 == Kind::Invalid {
        return Err(bad_type());
    }
    let k2 = basic_kind(b);
    if k2 == Kind::Invalid {
        return Err(bad_type());
    }
    if k1 != k2 {
        return match (a, b) {
            (Value::Int(i, _), Value::Uint(u, _)) => Ok(*i < 0 || (*i as u64) < *u),
            (Value::Uint(u, _), Value::Int(i, _)) => Ok(*i >= 0 && *u < *i as u64),
            _ => Err(incompatible(a, b)),
        };
    }
    Ok(match (a, b) {
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y) == Some(Ordering::Less),
        (Value::Int(x, _), Value::Int(y, _)) => x < y,
        (Value::Str(x), Value::Str(y)) => x.as_bytes() < y.as_bytes(),
        (Value::Uint(x, _), Value::Uint(y, _)) => x < y,
        _ => return Err(bad_type()),
    })
}

fn le(arg1: &Val, arg2: &Val) -> Result<bool, Error> {
    if lt(arg1, arg2)? {
        return Ok(true);
    }
    eq(arg1, std::slice::from_ref(arg2))
}

/// The `call` built-in. Template data holds no Go functions, so what it is given
/// is never callable; it fails the way Go fails for such values.
pub(crate) fn call(name: &str, args: &[Val]) -> Result<Val, Error> {
    let f = args
        .first()
        .map(indirect_interface)
        .unwrap_or_else(Val::invalid);
    if f.is_invalid() {
        return Err(Error::msg("call of nil"));
    }
    Err(Error::msg(format!(
        "non-function {name} of type {}",
        f.v.type_name()
    )))
}
