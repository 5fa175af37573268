//! Sprig's defaults functions: `default`, `empty`, `coalesce`, `all`, `any` and
//! `ternary`, all built on Sprig's idea of an empty value. (`fromJson`, `toJson`
//! live with the data functions; `required` and `fail` with the renderer.)

use crate::gotmpl::{Func, FuncMap, Param, Value};

use super::types::{Kind, kind_of};

pub(super) fn register(funcs: &mut FuncMap) {
    let any = Param::Any;
    funcs.insert(
        "default".into(),
        // `default D [GIVEN...]`: only the first of GIVEN counts.
        Func::pure(&[any], Some(any), |args| {
            Ok(match args.get(1) {
                Some(given) if !is_empty(given) => given.clone(),
                _ => args[0].clone(),
            })
        }),
    );
    funcs.insert(
        "empty".into(),
        Func::pure(&[any], None, |args| Ok(Value::Bool(is_empty(&args[0])))),
    );
    funcs.insert(
        "coalesce".into(),
        Func::pure(&[], Some(any), |args| {
            Ok(args
                .iter()
                .find(|v| !is_empty(v))
                .cloned()
                .unwrap_or_default())
        }),
    );
    funcs.insert(
        "all".into(),
        Func::pure(&[], Some(any), |args| {
            Ok(Value::Bool(args.iter().all(|v| !is_empty(v))))
        }),
    );
    funcs.insert(
        "any".into(),
        Func::pure(&[], Some(any), |args| {
            Ok(Value::Bool(args.iter().any(|v| !is_empty(v))))
        }),
    );
    funcs.insert(
        "ternary".into(),
        // `ternary IF_TRUE IF_FALSE CONDITION`, so `COND | ternary "a" "b"` reads well.
        Func::pure(&[any, any, Param::Bool], None, |args| {
            Ok(if matches!(args[2], Value::Bool(true)) {
                args[0].clone()
            } else {
                args[1].clone()
            })
        }),
    );
}

/// Sprig's `empty`: nil, false, zero numbers (`0.0` and `-0.0` too, not NaN),
/// and empty strings, lists and maps. Structs are never empty; a pointer is
/// empty when it is nil.
pub(super) fn is_empty(value: &Value) -> bool {
    match value {
        Value::Nil => true,
        Value::Bool(b) => !b,
        Value::Int(i, _) => *i == 0,
        Value::Uint(u, _) => *u == 0,
        Value::Float(f) => *f == 0.0,
        Value::Str(s) => s.is_empty(),
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.is_empty(),
        Value::Object(o) => match kind_of(value) {
            Kind::Ptr => o.is_nil(),
            Kind::Slice | Kind::Map => o.go_len().map_or(o.format_v() == "[]", |n| n == 0),
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gotmpl::Entries;

    #[test]
    fn empty_follows_sprig() {
        for v in [
            Value::Nil,
            Value::Bool(false),
            Value::int(0),
            Value::Float(-0.0),
            Value::str(""),
            Value::from(Vec::new()),
            Value::from(Entries::new()),
        ] {
            assert!(is_empty(&v), "{v:?} should be empty");
        }
        for v in [
            Value::Bool(true),
            Value::int64(-1),
            Value::Float(f64::NAN),
            Value::str(" "),
            Value::from(vec![Value::Nil]),
        ] {
            assert!(!is_empty(&v), "{v:?} should not be empty");
        }
    }
}
