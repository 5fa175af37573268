//! Sprig's list functions: building lists (`list`, `append`, `concat`, ...),
//! taking them apart (`first`, `rest`, `slice`, `chunk`, ...), searching them
//! (`has`, `uniq`, `without`) and making integer ranges (`until`, `untilStep`,
//! `seq`).
//!
//! Sprig takes its lists as `interface {}` and reads them through reflection, so
//! every slice type works (`[]interface {}` from values, `[]string` from
//! `splitList` or `sortAlpha`, `[]int` from `until`), and a new list is always a
//! `[]interface {}`. Anything else is refused with Sprig's message naming the
//! value's reflect kind; nil crashes Sprig, and Go reports the crash as an error.
//! Items are compared with `reflect.DeepEqual`: the types must match, so the int
//! `1` of a template literal is not the float64 `1` of a values file.

use crate::gotmpl::{ElemType, Error, Func, FuncMap, List, Param, Value};

use super::cast::{to_int, to_string as strval};
use super::kind_name;
use super::types::deep_equal;

pub(super) fn register(funcs: &mut FuncMap) {
    use Param::{Any, Int};
    let mut add = |names: &[&str], params: &[Param], variadic: Option<Param>, body: Body| {
        for name in names {
            funcs.insert((*name).into(), Func::pure(params, variadic, body));
        }
    };
    add(&["list", "tuple"], &[], Some(Any), |args| {
        Ok(Value::from(args.to_vec()))
    });
    add(
        &["append", "push", "mustAppend", "mustPush"],
        &[Any, Any],
        None,
        append,
    );
    add(&["prepend", "mustPrepend"], &[Any, Any], None, prepend);
    add(&["concat"], &[], Some(Any), concat);
    add(&["first", "mustFirst"], &[Any], None, first);
    add(&["last", "mustLast"], &[Any], None, last);
    add(&["rest", "mustRest"], &[Any], None, rest);
    add(&["initial", "mustInitial"], &[Any], None, initial);
    add(&["reverse", "mustReverse"], &[Any], None, reverse);
    add(&["uniq", "mustUniq"], &[Any], None, uniq);
    add(&["without", "mustWithout"], &[Any], Some(Any), without);
    add(&["has", "mustHas"], &[Any, Any], None, has);
    add(&["compact", "mustCompact"], &[Any], None, compact);
    add(&["chunk", "mustChunk"], &[Int, Any], None, chunk);
    add(&["slice", "mustSlice"], &[Any], Some(Any), slice);
    add(&["sortAlpha"], &[Any], None, sort_alpha);
    add(&["until"], &[Int], None, until);
    add(&["untilStep"], &[Int, Int, Int], None, until_step);
    add(&["seq"], &[], Some(Int), seq);
}

type Body = fn(&[Value]) -> Result<Value, Error>;

/// What Go reports when Sprig asks reflect for the kind of a nil interface.
const NIL_DEREFERENCE: &str = "runtime error: invalid memory address or nil pointer dereference";

/// The list a Sprig function was given, or its error: `message` with `{}`
/// replaced by the reflect kind of what it got instead.
fn list_arg<'a>(value: &'a Value, message: &str) -> Result<&'a List, Error> {
    match value {
        Value::List(list) => Ok(list),
        Value::Nil => Err(Error::msg(NIL_DEREFERENCE)),
        other => Err(Error::msg(message.replace("{}", &kind_name(other)))),
    }
}

fn new_list(items: Vec<Value>) -> Result<Value, Error> {
    Ok(Value::List(List::new(items)))
}

fn append(args: &[Value]) -> Result<Value, Error> {
    let list = list_arg(&args[0], "Cannot push on type {}")?;
    let mut items = Vec::with_capacity(list.len() + 1);
    items.extend_from_slice(list.items());
    items.push(args[1].clone());
    new_list(items)
}

fn prepend(args: &[Value]) -> Result<Value, Error> {
    let list = list_arg(&args[0], "Cannot prepend on type {}")?;
    let mut items = Vec::with_capacity(list.len() + 1);
    items.push(args[1].clone());
    items.extend_from_slice(list.items());
    new_list(items)
}

fn concat(args: &[Value]) -> Result<Value, Error> {
    let mut items = Vec::new();
    for arg in args {
        items.extend_from_slice(list_arg(arg, "Cannot concat type {} as list")?.items());
    }
    new_list(items)
}

/// The first item, or nil for an empty list.
fn first(args: &[Value]) -> Result<Value, Error> {
    let list = list_arg(&args[0], "Cannot find first on type {}")?;
    Ok(list.items().first().cloned().unwrap_or_default())
}

/// The last item, or nil for an empty list.
fn last(args: &[Value]) -> Result<Value, Error> {
    let list = list_arg(&args[0], "Cannot find last on type {}")?;
    Ok(list.items().last().cloned().unwrap_or_default())
}

/// All but the first item. Sprig gives a nil `[]interface {}` for an empty list,
/// which prints and ranges like the empty list given here.
fn rest(args: &[Value]) -> Result<Value, Error> {
    let list = list_arg(&args[0], "Cannot find rest on type {}")?;
    new_list(list.items().get(1..).unwrap_or_default().to_vec())
}

/// All but the last item.
fn initial(args: &[Value]) -> Result<Value, Error> {
    let list = list_arg(&args[0], "Cannot find initial on type {}")?;
    let items = list.items();
    new_list(items[..items.len().saturating_sub(1)].to_vec())
}

fn reverse(args: &[Value]) -> Result<Value, Error> {
    let list = list_arg(&args[0], "Cannot find reverse on type {}")?;
    new_list(list.items().iter().rev().cloned().collect())
}

/// The items without repeats (by `reflect.DeepEqual`), first occurrences kept.
fn uniq(args: &[Value]) -> Result<Value, Error> {
    let list = list_arg(&args[0], "Cannot find uniq on type {}")?;
    let mut items: Vec<Value> = Vec::new();
    for item in list.items() {
        if !items.iter().any(|kept| deep_equal(kept, item)) {
            items.push(item.clone());
        }
    }
    new_list(items)
}

/// The items equal (by `reflect.DeepEqual`) to none of the other arguments.
fn without(args: &[Value]) -> Result<Value, Error> {
    let list = list_arg(&args[0], "Cannot find without on type {}")?;
    let omit = &args[1..];
    new_list(
        list.items()
            .iter()
            .filter(|item| !omit.iter().any(|o| deep_equal(o, item)))
            .cloned()
            .collect(),
    )
}

/// `has NEEDLE HAYSTACK`: whether an item equals the needle. A nil haystack has
/// nothing (Sprig checks for nil before asking reflect).
fn has(args: &[Value]) -> Result<Value, Error> {
    let (needle, haystack) = (&args[0], &args[1]);
    if matches!(haystack, Value::Nil) {
        return Ok(Value::Bool(false));
    }
    let list = list_arg(haystack, "Cannot find has on type {}")?;
    Ok(Value::Bool(
        list.items().iter().any(|item| deep_equal(needle, item)),
    ))
}

/// The items that aren't empty in Sprig's sense, which is Go's falsiness.
fn compact(args: &[Value]) -> Result<Value, Error> {
    let list = list_arg(&args[0], "Cannot compact on type {}")?;
    new_list(
        list.items()
            .iter()
            .filter(|item| item.is_true())
            .cloned()
            .collect(),
    )
}

/// `chunk SIZE LIST`: the list cut into lists of SIZE items, the last one shorter.
///
/// Sprig counts the chunks in floating point and converts with Go's `int(f)`,
/// so a size of zero or below makes a count or a length Go can't allocate; its
/// runtime error is reproduced, as is the empty result of the sizes that happen
/// to give zero chunks. (The result is a `[][]interface {}` in Go; here it is a
/// list of lists, which prints and ranges the same.)
fn chunk(args: &[Value]) -> Result<Value, Error> {
    const BAD_LENGTH: &str = "runtime error: makeslice: len out of range";
    let size = to_int(&args[0]);
    let list = list_arg(&args[1], "Cannot chunk type {}")?;
    let len = list.len() as f64;
    let count = go_float_to_int(((len - 1.0) / size as f64).floor() + 1.0);
    if count < 0 {
        return Err(Error::msg(BAD_LENGTH));
    }
    let mut chunks = Vec::new();
    for i in 0..count {
        let mut chunk_len = size;
        if i == count - 1 {
            // Go's math.Mod and Rust's `%` on floats agree: the sign of `len`.
            chunk_len = go_float_to_int((len % size as f64).floor());
            if chunk_len == 0 {
                chunk_len = size;
            }
        }
        if chunk_len < 0 {
            return Err(Error::msg(BAD_LENGTH));
        }
        let start = i.saturating_mul(size) as usize;
        let end = start.saturating_add(chunk_len as usize);
        let items = list
            .items()
            .get(start..end)
            .ok_or_else(|| Error::msg("runtime error: index out of range"))?;
        chunks.push(Value::from(items.to_vec()));
    }
    new_list(chunks)
}

/// Go's `int(f)` on amd64: truncation, and the minimum int for NaN and for
/// anything out of range, where Rust's `as` would saturate.
fn go_float_to_int(f: f64) -> i64 {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() || !(-LIMIT..LIMIT).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// Sprig's `slice LIST [START [END]]`, which replaces Go's built-in in Helm:
/// only slices, indexes converted leniently, extra indexes ignored, and an empty
/// list gives nil.
fn slice(args: &[Value]) -> Result<Value, Error> {
    let list = list_arg(&args[0], "list should be type of slice or array but {}")?;
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

/// `sortAlpha`: a `[]string` of the items as `strval` prints them (nil items
/// dropped), sorted bytewise as Go sorts strings. Anything that isn't a list
/// becomes a one-item list of itself, nil included (as `<nil>`).
fn sort_alpha(args: &[Value]) -> Result<Value, Error> {
    let mut strings: Vec<String> = match &args[0] {
        Value::List(list) => list
            .items()
            .iter()
            .filter(|item| !matches!(item, Value::Nil))
            .map(strval)
            .collect(),
        other => vec![strval(other)],
    };
    strings.sort_unstable();
    Ok(Value::List(List::typed(
        strings.into_iter().map(Value::from).collect(),
        ElemType::String,
    )))
}

/// `until N`: the `[]int` 0, 1, ... up to N (exclusive), counting down for a
/// negative N.
fn until(args: &[Value]) -> Result<Value, Error> {
    let count = to_int(&args[0]);
    let step = if count < 0 { -1 } else { 1 };
    Ok(int_list(int_range(0, count, step)))
}

/// `untilStep START STOP STEP`: the `[]int` from START towards STOP (exclusive);
/// empty when STEP is zero or points away from STOP.
fn until_step(args: &[Value]) -> Result<Value, Error> {
    let [start, stop, step] = [&args[0], &args[1], &args[2]].map(to_int);
    Ok(int_list(int_range(start, stop, step)))
}

/// `seq [START [STEP]] END`, like the Unix command: the numbers from START
/// (default 1) to END inclusive, joined by spaces, as a string. With two
/// arguments the step is 1 or -1 towards END; a STEP pointing away from END
/// gives an empty string, as do no arguments or more than three.
fn seq(args: &[Value]) -> Result<Value, Error> {
    let params: Vec<i64> = args.iter().map(to_int).collect();
    let numbers = match params[..] {
        [end] => {
            let step = if end < 1 { -1 } else { 1 };
            int_range(1, end.wrapping_add(step), step)
        }
        [start, end] => {
            let step = if end < start { -1 } else { 1 };
            int_range(start, end.wrapping_add(step), step)
        }
        [start, step, end] => {
            let direction = if end < start { -1 } else { 1 };
            if end < start && step > 0 {
                Vec::new()
            } else {
                int_range(start, end.wrapping_add(direction), step)
            }
        }
        _ => Vec::new(),
    };
    let words: Vec<String> = numbers.iter().map(i64::to_string).collect();
    Ok(Value::from(words.join(" ")))
}

/// Sprig's `untilStep` on plain integers. Go's loop would wrap around at the
/// ends of `int` and never stop; this stops there.
fn int_range(start: i64, stop: i64, step: i64) -> Vec<i64> {
    let mut out = Vec::new();
    let mut i = start;
    let more = |i: i64| if stop < start { i > stop } else { i < stop };
    if (stop < start && step >= 0) || (stop >= start && step <= 0) {
        return out;
    }
    while more(i) {
        out.push(i);
        match i.checked_add(step) {
            Some(next) => i = next,
            None => break,
        }
    }
    out
}

fn int_list(numbers: Vec<i64>) -> Value {
    Value::List(List::typed(
        numbers.into_iter().map(Value::int).collect(),
        ElemType::Int,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(numbers: &[i64]) -> Vec<i64> {
        numbers.to_vec()
    }

    #[test]
    fn int_range_follows_sprig() {
        assert_eq!(int_range(0, 5, 1), ints(&[0, 1, 2, 3, 4]));
        assert_eq!(int_range(0, -3, -1), ints(&[0, -1, -2]));
        assert_eq!(int_range(10, 0, -3), ints(&[10, 7, 4, 1]));
        assert!(int_range(0, 10, 0).is_empty());
        assert!(int_range(10, 0, 0).is_empty());
        assert!(int_range(0, 10, -1).is_empty());
        assert!(int_range(3, 3, 1).is_empty());
        // Go would wrap around and loop; this stops at the end of i64.
        assert_eq!(int_range(i64::MAX - 1, i64::MAX, 5), ints(&[i64::MAX - 1]));
    }

    #[test]
    fn chunk_count_follows_go_float_conversion() {
        assert_eq!(go_float_to_int(f64::NAN), i64::MIN);
        assert_eq!(go_float_to_int(f64::INFINITY), i64::MIN);
        assert_eq!(go_float_to_int(-2.7), -2);
        let list = Value::from(vec![Value::int(1), Value::int(2), Value::int(3)]);
        let got = chunk(&[Value::int(2), list.clone()]).map(|v| crate::gotmpl::fmt::sprint(&[v]));
        assert_eq!(got, Ok("[[1 2] [3]]".to_string()));
        assert!(chunk(&[Value::int(0), list]).is_err());
    }
}
