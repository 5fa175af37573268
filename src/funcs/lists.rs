//! Sprig's list functions.

use crate::gotmpl::{Error, Func, FuncMap, List, Param, Value};

use super::{cast::to_int, kind_name};

pub(super) fn register(funcs: &mut FuncMap) {
    funcs.insert(
        "slice".into(),
        Func::pure(&[Param::Any], Some(Param::Any), slice),
    );
}

/// Sprig's `slice LIST [START [END]]`, which replaces Go's built-in in Helm:
/// only slices, indexes converted leniently, extra indexes ignored, and an empty
/// list gives nil.
fn slice(args: &[Value]) -> Result<Value, Error> {
    let list = match &args[0] {
        Value::List(list) => list,
        // Sprig asks reflect for the kind of a nil interface and crashes; Go's
        // executor reports the crash as this error.
        Value::Nil => {
            return Err(Error::msg(
                "runtime error: invalid memory address or nil pointer dereference",
            ));
        }
        other => {
            return Err(Error::msg(format!(
                "list should be type of slice or array but {}",
                kind_name(other)
            )));
        }
    };
    if list.is_empty() {
        return Ok(Value::Nil);
    }
    let indexes = &args[1..];
    let start = indexes.first().map_or(0, to_int);
    let end = indexes.get(1).map_or(list.len() as i64, to_int);
    if start < 0 || end < start || end > list.len() as i64 {
        return Err(Error::msg("reflect.Value.Slice: slice index out of bounds"));
    }
    let items = list.items()[start as usize..end as usize].to_vec();
    Ok(Value::List(List::typed(items, list.elem())))
}
