//! Sprig's type functions: Go's names for types and kinds (`typeOf`, `kindOf`
//! and their `Is` forms), `deepEqual`, and the conversions `toString`,
//! `toStrings`, `toDecimal`, `int`, `int64`, `float64` and `atoi`.

use std::collections::HashSet;

use crate::gotmpl::{Func, FuncMap, Param, Value, fmt};

use super::cast::{atoi, parse_octal, to_float64, to_int, to_int64, to_string, to_strings};

pub(super) fn register(funcs: &mut FuncMap) {
    let any = Param::Any;
    let mut def = |name: &str, params: &[Param], body: fn(&[Value]) -> Value| {
        funcs.insert(
            name.into(),
            Func::pure(params, None, move |args| Ok(body(args))),
        );
    };
    def("typeOf", &[any], |a| {
        Value::from(a[0].type_name().into_owned())
    });
    def("typeIs", &[Param::String, any], |a| {
        Value::Bool(a[0].as_str() == Some(&*a[1].type_name()))
    });
    def("typeIsLike", &[Param::String, any], |a| {
        let target = a[0].as_str().unwrap_or_default();
        let actual = a[1].type_name();
        Value::Bool(actual == target || actual.strip_prefix('*') == Some(target))
    });
    def("kindOf", &[any], |a| Value::str(kind_of(&a[0]).name(&a[0])));
    def("kindIs", &[Param::String, any], |a| {
        Value::Bool(a[0].as_str() == Some(kind_of(&a[1]).name(&a[1])))
    });
    def("deepEqual", &[any, any], |a| {
        Value::Bool(deep_equal(&a[0], &a[1]))
    });

    def("toString", &[any], |a| Value::from(to_string(&a[0])));
    def("toStrings", &[any], |a| Value::List(to_strings(&a[0])));
    // Sprig reads the printed value as octal: `toDecimal "0777"` is 511.
    def("toDecimal", &[any], |a| {
        Value::int64(parse_octal(&fmt::sprint(std::slice::from_ref(&a[0]))).unwrap_or(0))
    });
    def("int", &[any], |a| Value::int(to_int(&a[0])));
    def("int64", &[any], |a| Value::int64(to_int64(&a[0])));
    def("float64", &[any], |a| Value::Float(to_float64(&a[0])));
    def("atoi", &[Param::String], |a| {
        Value::int(a[0].as_str().and_then(atoi).unwrap_or(0))
    });
}

/// Go's `reflect.Kind` of a value, as far as template values have kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// A nil interface.
    Invalid,
    Bool,
    /// A number: the kind's name is the value's type name (`int`, `uint8`, ...).
    Number,
    String,
    Slice,
    Map,
    Ptr,
    Struct,
}

impl Kind {
    /// The name `reflect.Kind.String` gives.
    pub(super) fn name(self, value: &Value) -> &'static str {
        match (self, value) {
            (Kind::Invalid, _) => "invalid",
            (Kind::Bool, _) => "bool",
            (Kind::Number, Value::Int(_, t)) => t.name(),
            (Kind::Number, Value::Uint(_, t)) => t.name(),
            (Kind::Number, _) => "float64",
            (Kind::String, _) => "string",
            (Kind::Slice, _) => "slice",
            (Kind::Map, _) => "map",
            (Kind::Ptr, _) => "ptr",
            (Kind::Struct, _) => "struct",
        }
    }
}

/// The kind of a value. Go objects don't say their kind, so it is read from
/// how Go names and prints them: a `*T` is a pointer, a value that prints as
/// `[...]` (Helm's `VersionSet`) a slice, anything else a struct.
pub(super) fn kind_of(value: &Value) -> Kind {
    match value {
        Value::Nil => Kind::Invalid,
        Value::Bool(_) => Kind::Bool,
        Value::Int(..) | Value::Uint(..) | Value::Float(_) => Kind::Number,
        Value::Str(_) => Kind::String,
        Value::List(_) => Kind::Slice,
        Value::Map(_) => Kind::Map,
        Value::Object(o) => match o.kind() {
            "slice" => Kind::Slice,
            "map" => Kind::Map,
            "struct" => Kind::Struct,
            _ => Kind::Ptr,
        },
    }
}

/// Go's `reflect.DeepEqual` on template values: same dynamic type and equal
/// contents, so `1` (int) and `1.0` (float64) differ, as do a `[]string` and a
/// `[]interface {}` with the same items. Like Go, a pair of maps met again while
/// comparing them (a map that contains itself) counts as equal.
pub(super) fn deep_equal(a: &Value, b: &Value) -> bool {
    deep_equal_in(a, b, &mut HashSet::new())
}

fn deep_equal_in(a: &Value, b: &Value, seen: &mut HashSet<(usize, usize)>) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x, t), Value::Int(y, u)) => t == u && x == y,
        (Value::Uint(x, t), Value::Uint(y, u)) => t == u && x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.elem() == y.elem()
                && x.len() == y.len()
                && stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
                    x.items()
                        .iter()
                        .zip(y.items())
                        .all(|(a, b)| deep_equal_in(a, b, seen))
                })
        }
        (Value::Map(x), Value::Map(y)) => {
            if x.type_name() != y.type_name() {
                return false;
            }
            if x.same(y) || !seen.insert((x.address(), y.address())) {
                return true;
            }
            let (xs, ys) = (x.read(), y.read());
            xs.len() == ys.len()
                && stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
                    xs.iter()
                        .all(|(key, a)| ys.get(key).is_some_and(|b| deep_equal_in(a, b, seen)))
                })
        }
        (Value::Object(x), Value::Object(y)) => {
            std::ptr::addr_eq(std::sync::Arc::as_ptr(x), std::sync::Arc::as_ptr(y))
                || (x.type_name() == y.type_name() && x.format_v() == y.format_v())
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::gotmpl::{Entries, Map};

    #[test]
    fn deep_equal_compares_types_and_contents() {
        let eq = |a: &Value, b: &Value| deep_equal(a, b);
        assert!(eq(&Value::int(1), &Value::int(1)));
        assert!(!eq(&Value::int(1), &Value::int64(1)));
        assert!(!eq(&Value::int(1), &Value::Float(1.0)));
        assert!(eq(&Value::Nil, &Value::Nil));
        let list = |items: Vec<Value>| Value::from(items);
        assert!(eq(
            &list(vec![Value::Float(1.0)]),
            &list(vec![Value::Float(1.0)])
        ));
        assert!(!eq(
            &list(vec![Value::Float(1.0)]),
            &list(vec![Value::int(1)])
        ));
        let entries: Entries = [(Arc::from("a"), Value::str("x"))].into_iter().collect();
        let named = Value::Map(Map::typed(
            entries.clone(),
            crate::gotmpl::ElemType::Interface,
            Some("common.Values"),
        ));
        assert!(eq(
            &Value::from(entries.clone()),
            &Value::from(entries.clone())
        ));
        assert!(!eq(&Value::from(entries), &named));
    }

    #[test]
    fn deep_equal_survives_cycles() {
        let a = Map::new(Entries::new());
        a.write().insert(Arc::from("self"), Value::Map(a.clone()));
        let b = Map::new(Entries::new());
        b.write().insert(Arc::from("self"), Value::Map(b.clone()));
        assert!(deep_equal(&Value::Map(a), &Value::Map(b)));
    }

    #[test]
    fn kinds_have_go_names() {
        let kind = |v: Value| kind_of(&v).name(&v);
        assert_eq!(kind(Value::Nil), "invalid");
        assert_eq!(kind(Value::int64(1)), "int64");
        assert_eq!(
            kind(Value::Uint(1, crate::gotmpl::UintType::Uint8)),
            "uint8"
        );
        assert_eq!(kind(Value::Float(1.0)), "float64");
        assert_eq!(kind(Value::from(Vec::new())), "slice");
    }
}
