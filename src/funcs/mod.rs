//! The functions Helm registers for templates besides Go's built-ins: Sprig's
//! library and Helm's own, one file per family. Helm's engine-bound functions
//! (`include`, `tpl`, `required`, `fail`) live in `render`, which owns the
//! running template set.

mod cast;
mod lists;

use crate::gotmpl::FuncMap;

/// Every function of this library, by template name.
pub fn registry() -> FuncMap {
    let mut funcs = FuncMap::default();
    lists::register(&mut funcs);
    funcs
}

/// Go's `reflect.Kind` name of a value's type, which Sprig puts in its messages.
fn kind_name(value: &crate::gotmpl::Value) -> String {
    use crate::gotmpl::Value;
    match value {
        Value::Nil => "invalid".to_string(),
        Value::Bool(_) => "bool".to_string(),
        Value::Int(_, t) => t.name().to_string(),
        Value::Uint(_, t) => t.name().to_string(),
        Value::Float(_) => "float64".to_string(),
        Value::Str(_) => "string".to_string(),
        Value::List(_) => "slice".to_string(),
        Value::Map(_) => "map".to_string(),
        Value::Object(_) => "ptr".to_string(),
    }
}
