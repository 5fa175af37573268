//! Sprig's string functions, with the exact behaviour of the Go code behind
//! them: Go's `strings` package, Masterminds/goutils (`abbrev`, `initials`,
//! `nospace`, `swapcase`, `untitle`, `wrap`, the `rand*` family) and
//! huandu/xstrings (`snakecase`, `camelcase`, `kebabcase`, `shuffle`).
//!
//! Several of those libraries walk strings byte by byte and read each byte as
//! a Latin-1 character, so non-ASCII text comes out mangled in Helm; those
//! functions do the same here, because Helm's output is the reference. Where
//! Go slices a string through the middle of a character (`trunc`, `substr`,
//! `abbrev`, `wrapWith`), each byte of the broken character becomes U+FFFD
//! (which is also what the reference Helm engine reports for such bytes).
//!
//! Owns nothing but these functions; `toString`/`toStrings` belong to the type
//! conversions and `sortAlpha` to the list functions.

pub(super) use crate::gotmpl::unicode::{is_digit, is_letter};
use std::collections::BTreeMap;
use std::sync::Arc;

use unicode_general_category::{GeneralCategory, get_general_category};

use crate::gotmpl::fmt::{quote, sprint};
use crate::gotmpl::{ElemType, Error, Func, FuncMap, List, Map, Param, Value};

use super::cast::{to_string as strval, to_strings};
use super::str_arg as text;

pub(super) fn register(funcs: &mut FuncMap) {
    let mut add = |name: &str, func: Func| {
        funcs.insert(name.to_string(), func);
    };
    use Param::{Any, Int, String as Str};

    add("trim", unary(|s| s.trim().to_string()));
    add("upper", unary(go_upper));
    add("lower", unary(go_lower));
    add("title", unary(go_title));
    add("untitle", unary(uncapitalize));
    add("nospace", unary(delete_white_space));
    add("initials", unary(initials));
    add("swapcase", unary(swap_case));
    add("shuffle", unary(shuffle));
    add("snakecase", unary(|s| camel_to_lower(s, '_')));
    add("kebabcase", unary(|s| camel_to_lower(s, '-')));
    // Sprig's `camelcase` is xstrings' PascalCase.
    add("camelcase", unary(to_pascal_case));

    // Sprig's two-string functions take the string to work on last, so that
    // it can come from a pipeline.
    for name in ["trimall", "trimAll"] {
        add(name, binary(|cutset, s| trim_cutset(s, cutset).to_string()));
    }
    add(
        "trimSuffix",
        binary(|suffix, s| s.strip_suffix(suffix).unwrap_or(s).to_string()),
    );
    add(
        "trimPrefix",
        binary(|prefix, s| s.strip_prefix(prefix).unwrap_or(s).to_string()),
    );
    add("contains", predicate(|sub, s| s.contains(sub)));
    add("hasPrefix", predicate(|prefix, s| s.starts_with(prefix)));
    add("hasSuffix", predicate(|suffix, s| s.ends_with(suffix)));

    add(
        "replace",
        Func::pure(&[Str, Str, Str], None, |args| {
            Ok(Value::from(go_replace(
                text(&args[2]),
                text(&args[0]),
                text(&args[1]),
            )))
        }),
    );
    add(
        "plural",
        Func::pure(&[Str, Str, Int], None, |args| {
            let pick = if int(&args[2]) == 1 {
                &args[0]
            } else {
                &args[1]
            };
            Ok(pick.clone())
        }),
    );
    add(
        "repeat",
        Func::pure(&[Int, Str], None, |args| {
            Ok(Value::from(go_repeat(text(&args[1]), int(&args[0]))?))
        }),
    );
    add(
        "trunc",
        Func::pure(&[Int, Str], None, |args| {
            Ok(Value::from(trunc(int(&args[0]), text(&args[1]))))
        }),
    );
    add(
        "substr",
        Func::pure(&[Int, Int, Str], None, |args| {
            Ok(Value::from(substr(
                int(&args[0]),
                int(&args[1]),
                text(&args[2]),
            )?))
        }),
    );
    add(
        "abbrev",
        Func::pure(&[Int, Str], None, |args| {
            Ok(Value::from(abbrev(int(&args[0]), text(&args[1]))))
        }),
    );
    add(
        "abbrevboth",
        Func::pure(&[Int, Int, Str], None, |args| {
            Ok(Value::from(abbrevboth(
                int(&args[0]),
                int(&args[1]),
                text(&args[2]),
            )))
        }),
    );
    add(
        "wrap",
        Func::pure(&[Int, Str], None, |args| {
            Ok(Value::from(wrap_custom(
                text(&args[1]),
                int(&args[0]),
                "",
                false,
            )))
        }),
    );
    add(
        "wrapWith",
        Func::pure(&[Int, Str, Str], None, |args| {
            Ok(Value::from(wrap_custom(
                text(&args[2]),
                int(&args[0]),
                text(&args[1]),
                true,
            )))
        }),
    );
    add(
        "indent",
        Func::pure(&[Int, Str], None, |args| {
            Ok(Value::from(indent(int(&args[0]), text(&args[1]))?))
        }),
    );
    add(
        "nindent",
        Func::pure(&[Int, Str], None, |args| {
            Ok(Value::from(format!(
                "\n{}",
                indent(int(&args[0]), text(&args[1]))?
            )))
        }),
    );

    add(
        "quote",
        Func::pure(&[], Some(Any), |args| Ok(Value::from(quote_all(args)))),
    );
    add(
        "squote",
        Func::pure(&[], Some(Any), |args| Ok(Value::from(squote_all(args)))),
    );
    add(
        "cat",
        Func::pure(&[], Some(Any), |args| Ok(Value::from(cat(args)))),
    );
    add(
        "join",
        Func::pure(&[Str, Any], None, |args| {
            Ok(Value::from(join(text(&args[0]), &args[1])))
        }),
    );

    add(
        "split",
        Func::pure(&[Str, Str], None, |args| {
            Ok(parts_map(go_split(text(&args[1]), text(&args[0]), -1)))
        }),
    );
    add(
        "splitn",
        Func::pure(&[Str, Int, Str], None, |args| {
            Ok(parts_map(go_split(
                text(&args[2]),
                text(&args[0]),
                int(&args[1]),
            )))
        }),
    );
    add(
        "splitList",
        Func::pure(&[Str, Str], None, |args| {
            let parts = go_split(text(&args[1]), text(&args[0]), -1);
            Ok(string_list(parts.into_iter().map(str::to_string).collect()))
        }),
    );

    add("randAlphaNum", random(|c| c.is_ascii_alphanumeric()));
    add("randAlpha", random(|c| c.is_ascii_alphabetic()));
    add("randNumeric", random(|c| c.is_ascii_digit()));
    add("randAscii", random(|c| (' '..='~').contains(&c)));
}

/// A `func(string) string`.
fn unary(f: impl Fn(&str) -> String + Send + Sync + 'static) -> Func {
    Func::pure(&[Param::String], None, move |args| {
        Ok(Value::from(f(text(&args[0]))))
    })
}

/// A `func(string, string) string`.
fn binary(f: impl Fn(&str, &str) -> String + Send + Sync + 'static) -> Func {
    Func::pure(&[Param::String, Param::String], None, move |args| {
        Ok(Value::from(f(text(&args[0]), text(&args[1]))))
    })
}

/// A `func(string, string) bool`.
fn predicate(f: impl Fn(&str, &str) -> bool + Send + Sync + 'static) -> Func {
    Func::pure(&[Param::String, Param::String], None, move |args| {
        Ok(Value::Bool(f(text(&args[0]), text(&args[1]))))
    })
}

/// A `func(int) string` drawing `count` random characters from those `keep`
/// accepts (goutils' `CryptoRandom*`: a negative count gives "").
fn random(keep: fn(char) -> bool) -> Func {
    Func::pure(&[Param::Int], None, move |args| {
        Ok(Value::from(random_string(int(&args[0]), keep)?))
    })
}

/// The value of an `int` argument (the signature guarantees one).
fn int(value: &Value) -> i64 {
    match value {
        Value::Int(i, _) => *i,
        _ => 0,
    }
}

/// A Go `[]string`.
fn string_list(items: Vec<String>) -> Value {
    Value::List(List::typed(
        items.into_iter().map(Value::from).collect(),
        ElemType::String,
    ))
}

/// Whether a value is a nil interface (not a nil pointer inside one, which Go's
/// `!= nil` counts as present).
fn is_nil_interface(value: &Value) -> bool {
    matches!(value, Value::Nil)
}

/// `join`: the items of Sprig's `strslice` of the value, separated by `sep`.
fn join(sep: &str, value: &Value) -> String {
    let items = to_strings(value);
    let parts: Vec<&str> = items.items().iter().filter_map(Value::as_str).collect();
    parts.join(sep)
}

/// `quote`: each non-nil argument through `strval` and Go's `%q`, space-separated.
fn quote_all(args: &[Value]) -> String {
    let quoted: Vec<String> = args
        .iter()
        .filter(|v| !is_nil_interface(v))
        .map(|v| quote(&strval(v)))
        .collect();
    quoted.join(" ")
}

/// `squote`: each non-nil argument as `'%v'`, space-separated (no escaping).
fn squote_all(args: &[Value]) -> String {
    let quoted: Vec<String> = args
        .iter()
        .filter(|v| !is_nil_interface(v))
        .map(|v| format!("'{}'", sprint(&[v])))
        .collect();
    quoted.join(" ")
}

/// `cat`: the non-nil arguments as `%v`, space-separated.
fn cat(args: &[Value]) -> String {
    let parts: Vec<String> = args
        .iter()
        .filter(|v| !is_nil_interface(v))
        .map(|v| sprint(&[v]))
        .collect();
    parts.join(" ")
}

/// Sprig's `split`/`splitn` result: a `map[string]string` keyed `_0`, `_1`, ...
fn parts_map(parts: Vec<&str>) -> Value {
    let entries: BTreeMap<Arc<str>, Value> = parts
        .into_iter()
        .enumerate()
        .map(|(i, part)| (Arc::from(format!("_{i}")), Value::str(part)))
        .collect();
    Value::Map(Map::typed(entries, ElemType::String, None))
}

/// Go's `strings.SplitN(s, sep, n)` (`n < 0` is `strings.Split`): an empty
/// separator splits after each character, and `n == 0` gives no parts.
fn go_split<'a>(s: &'a str, sep: &str, n: i64) -> Vec<&'a str> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        let count = s.chars().count();
        let n = if n < 0 || n as usize > count {
            count
        } else {
            n as usize
        };
        let mut parts = Vec::with_capacity(n);
        let mut rest = s;
        for _ in 1..n {
            let width = rest.chars().next().map_or(0, char::len_utf8);
            parts.push(&rest[..width]);
            rest = &rest[width..];
        }
        if n > 0 {
            parts.push(rest);
        }
        return parts;
    }
    if n < 0 {
        s.split(sep).collect()
    } else {
        s.splitn(usize::try_from(n).unwrap_or(usize::MAX), sep)
            .collect()
    }
}

/// Go's `strings.Replace(s, old, new, -1)`: an empty `old` matches before every
/// character and at the end, as Rust's `replace` does too.
fn go_replace(s: &str, old: &str, new: &str) -> String {
    s.replace(old, new)
}

/// Go's `strings.Trim(s, cutset)`.
fn trim_cutset<'a>(s: &'a str, cutset: &str) -> &'a str {
    if cutset.is_empty() {
        return s;
    }
    s.trim_matches(|c| cutset.contains(c))
}

/// Results longer than this are refused rather than allocated: Go would die
/// with a fatal out-of-memory error, which no template can mean.
const MAX_RESULT: u64 = 1 << 31;

/// Go's `strings.Repeat`, with its panics as errors.
fn go_repeat(s: &str, count: i64) -> Result<String, Error> {
    match count {
        0 => return Ok(String::new()),
        1 => return Ok(s.to_string()),
        _ => {}
    }
    if count < 0 {
        return Err(Error::msg("strings: negative Repeat count"));
    }
    let total = (s.len() as u128) * (count as u128);
    if total > i64::MAX as u128 {
        return Err(Error::msg("strings: Repeat output length overflow"));
    }
    if total > u128::from(MAX_RESULT) {
        return Err(Error::msg(format!(
            "runtime: out of memory: cannot allocate {total}-byte block"
        )));
    }
    Ok(s.repeat(count as usize))
}

/// Sprig's `indent`: the padding before the text and after every newline.
fn indent(spaces: i64, s: &str) -> Result<String, Error> {
    let pad = go_repeat(" ", spaces)?;
    let mut out = String::with_capacity(s.len() + pad.len() * 2);
    out.push_str(&pad);
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(&pad);
        }
        out.push_str(line);
    }
    Ok(out)
}

/// Bytes `start..end` of `s` as text: each byte of a character cut by the
/// slice becomes U+FFFD, where Go keeps the raw byte.
fn byte_slice(s: &str, start: usize, end: usize) -> String {
    lossy(&s.as_bytes()[start..end])
}

/// Bytes as text, with one U+FFFD for each byte that is not part of a whole
/// character.
fn lossy(mut bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    loop {
        match std::str::from_utf8(bytes) {
            Ok(valid) => {
                out.push_str(valid);
                return out;
            }
            Err(err) => {
                let (valid, rest) = bytes.split_at(err.valid_up_to());
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                out.push('\u{FFFD}');
                bytes = &rest[1..];
            }
        }
    }
}

/// Sprig's `trunc`: the first `c` bytes, or with a negative `c` the last `-c`.
fn trunc(c: i64, s: &str) -> String {
    let len = s.len() as i64;
    // Go's int arithmetic wraps, so a huge negative count keeps the text.
    let start = len.wrapping_add(c);
    if c < 0 && start > 0 {
        return byte_slice(s, start as usize, s.len());
    }
    if c >= 0 && len > c {
        return byte_slice(s, 0, c as usize);
    }
    s.to_string()
}

/// Sprig's `substr`: bytes `start..end`, where a negative start means "from the
/// beginning" and a negative or too large end means "to the end". Other
/// out-of-range indexes make Go panic with a runtime error, given here as is.
fn substr(start: i64, end: i64, s: &str) -> Result<String, Error> {
    let len = s.len() as i64;
    let out_of_range = |what: String| {
        Err(Error::msg(format!(
            "runtime error: slice bounds out of range {what}"
        )))
    };
    if start < 0 {
        if end < 0 {
            return out_of_range(format!("[:{end}]"));
        }
        if end > len {
            return out_of_range(format!("[:{end}] with length {len}"));
        }
        return Ok(byte_slice(s, 0, end as usize));
    }
    if end < 0 || end > len {
        if start > len {
            return out_of_range(format!("[{start}:{len}]"));
        }
        return Ok(byte_slice(s, start as usize, s.len()));
    }
    if start > end {
        return out_of_range(format!("[{start}:{end}]"));
    }
    Ok(byte_slice(s, start as usize, end as usize))
}

/// Sprig's `abbrev`: widths under 4 leave the text alone.
fn abbrev(width: i64, s: &str) -> String {
    if width < 4 {
        return s.to_string();
    }
    abbreviate_full(s, 0, width).unwrap_or_default()
}

/// Sprig's `abbrevboth`, which skips the cases where goutils would fail.
fn abbrevboth(left: i64, right: i64, s: &str) -> String {
    if right < 4 || left > 0 && right < 7 {
        return s.to_string();
    }
    abbreviate_full(s, left, right).unwrap_or_default()
}

/// goutils' `AbbreviateFull`: byte offsets and widths, `...` as the marker.
/// `None` where goutils returns an error (Sprig then prints "").
fn abbreviate_full(s: &str, offset: i64, max_width: i64) -> Option<String> {
    const MARKER: &str = "...";
    if s.is_empty() {
        return Some(String::new());
    }
    if max_width < 4 {
        return None;
    }
    let len = s.len() as i64;
    if len <= max_width {
        return Some(s.to_string());
    }
    let mut offset = offset.min(len);
    // Go's int arithmetic wraps, which decides the result for extreme offsets.
    if len.wrapping_sub(offset) < max_width - 3 {
        offset = len - (max_width - 3);
    }
    if offset <= 4 {
        return Some(byte_slice(s, 0, (max_width - 3) as usize) + MARKER);
    }
    if max_width < 7 {
        return None;
    }
    if offset.wrapping_add(max_width - 3) < len {
        let rest =
            abbreviate_bytes(&s.as_bytes()[offset as usize..], max_width - 3).unwrap_or_default();
        return Some(format!("{MARKER}{rest}"));
    }
    Some(format!(
        "{MARKER}{}",
        byte_slice(s, (len - (max_width - 3)) as usize, s.len())
    ))
}

/// goutils' `Abbreviate` of a byte string that may start inside a character.
fn abbreviate_bytes(bytes: &[u8], max_width: i64) -> Option<String> {
    if bytes.is_empty() {
        return Some(String::new());
    }
    if max_width < 4 {
        return None;
    }
    if bytes.len() as i64 <= max_width {
        return Some(lossy(bytes));
    }
    // With no offset, AbbreviateFull always takes the first branch.
    let kept = &bytes[..(max_width - 3) as usize];
    Some(lossy(kept) + "...")
}

/// goutils' `WrapCustom`: breaks at the last space that fits within `width`
/// bytes; a word longer than that is cut (`wrap_long`) or left whole. Spaces
/// at the start of a new line are dropped.
fn wrap_custom(s: &str, width: i64, newline: &str, wrap_long: bool) -> String {
    if s.is_empty() {
        return String::new();
    }
    let newline = if newline.is_empty() { "\n" } else { newline };
    let width = width.max(1) as usize;
    let bytes = s.as_bytes();
    let len = bytes.len();
    let mut offset = 0;
    let mut out: Vec<u8> = Vec::with_capacity(len + 8);
    while len - offset > width {
        if bytes[offset] == b' ' {
            offset += 1;
            continue;
        }
        let end = width + offset + 1;
        let last_space = bytes[offset..end].iter().rposition(|&b| b == b' ');
        match last_space {
            Some(i) => {
                out.extend_from_slice(&bytes[offset..offset + i]);
                out.extend_from_slice(newline.as_bytes());
                offset += i + 1;
            }
            None if wrap_long => {
                out.extend_from_slice(&bytes[offset..offset + width]);
                out.extend_from_slice(newline.as_bytes());
                offset += width;
            }
            None => {
                let end = width + offset;
                match bytes[end..].iter().position(|&b| b == b' ') {
                    None => {
                        out.extend_from_slice(&bytes[offset..]);
                        offset = len;
                    }
                    Some(i) => {
                        out.extend_from_slice(&bytes[offset..end + i]);
                        out.extend_from_slice(newline.as_bytes());
                        offset = end + i + 1;
                    }
                }
            }
        }
    }
    out.extend_from_slice(&bytes[offset..]);
    lossy(&out)
}

/// goutils' `DeleteWhiteSpace`, which reads the string byte by byte: when it
/// removes anything, every non-ASCII byte comes back as the Latin-1 character
/// of that value (and the bytes 0x85 and 0xA0 inside characters count as
/// spaces).
fn delete_white_space(s: &str) -> String {
    let kept: String = s
        .bytes()
        .map(char::from)
        .filter(|&c| !is_space(c))
        .collect();
    if kept.chars().count() == s.len() {
        return s.to_string();
    }
    kept
}

/// goutils' `Initials`: the first byte of each whitespace-separated word, read
/// as a Latin-1 character.
fn initials(s: &str) -> String {
    let mut out = String::new();
    let mut after_gap = true;
    for c in s.bytes().map(char::from) {
        if is_space(c) {
            after_gap = true;
        } else if after_gap {
            out.push(c);
            after_gap = false;
        }
    }
    out
}

/// goutils' `Uncapitalize`: the first character and each one after whitespace
/// to lower case.
fn uncapitalize(s: &str) -> String {
    let mut next = true;
    s.chars()
        .map(|c| {
            if is_space(c) {
                next = true;
                c
            } else if next {
                next = false;
                go_to_lower(c)
            } else {
                c
            }
        })
        .collect()
}

/// goutils' `SwapCase`: upper and title case to lower; lower case to title
/// case at the start of a word and to upper case inside one.
fn swap_case(s: &str) -> String {
    let mut word_start = true;
    s.chars()
        .map(|c| {
            if is_upper(c) || is_title(c) {
                word_start = false;
                go_to_lower(c)
            } else if is_lower(c) {
                if word_start {
                    word_start = false;
                    go_to_title(c)
                } else {
                    go_to_upper(c)
                }
            } else {
                word_start = is_space(c);
                c
            }
        })
        .collect()
}

/// Go's `strings.ToUpper`.
fn go_upper(s: &str) -> String {
    s.chars().map(go_to_upper).collect()
}

/// Go's `strings.ToLower`.
fn go_lower(s: &str) -> String {
    s.chars().map(go_to_lower).collect()
}

/// Go's deprecated `strings.Title`: the title case of every character that
/// follows a separator (anything but an ASCII letter, digit or underscore, a
/// letter, or a digit, and among the rest only spaces).
fn go_title(s: &str) -> String {
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let out = if is_title_separator(prev) {
                go_to_title(c)
            } else {
                c
            };
            prev = c;
            out
        })
        .collect()
}

fn is_title_separator(c: char) -> bool {
    if c.is_ascii() {
        return !(c.is_ascii_alphanumeric() || c == '_');
    }
    if is_letter(c) || is_digit(c) {
        return false;
    }
    is_space(c)
}

/// xstrings' `Shuffle`: the characters in random order.
fn shuffle(s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    for i in (1..chars.len()).rev() {
        let j = random_below((i + 1) as u64) as usize;
        chars.swap(i, j);
    }
    chars.into_iter().collect()
}

/// goutils' `CryptoRandom` for the character sets Sprig asks for: `count`
/// characters from the operating system's secure random source.
fn random_string(count: i64, keep: fn(char) -> bool) -> Result<String, Error> {
    if count <= 0 {
        return Ok(String::new());
    }
    if count as u64 > MAX_RESULT {
        return Err(Error::msg(format!(
            "runtime: out of memory: cannot allocate {}-byte block",
            count.saturating_mul(4)
        )));
    }
    let alphabet: Vec<char> = (' '..='~').filter(|&c| keep(c)).collect();
    Ok((0..count)
        .map(|_| alphabet[random_below(alphabet.len() as u64) as usize])
        .collect())
}

/// A uniformly random number below `bound` (which must be positive), by
/// rejection sampling over the operating system's random source.
fn random_below(bound: u64) -> u64 {
    let zone = u64::MAX - (u64::MAX % bound);
    loop {
        let mut buf = [0u8; 8];
        // The OS source failing leaves zeros, which still yields a valid
        // (if predictable) result rather than a crash.
        let _ = getrandom::fill(&mut buf);
        let n = u64::from_le_bytes(buf);
        if n < zone || buf == [0; 8] {
            return n % bound;
        }
    }
}

// --- xstrings' case conversions -------------------------------------------

/// xstrings treats U+FFFD as an undecodable byte and skips it.
const RUNE_ERROR: char = '\u{FFFD}';

/// xstrings' `ToPascalCase`: words separated by spaces, `_` and `-` joined with
/// their first letters upper-cased; leading connectors and runs of connectors
/// inside are kept, and the rest of an all-caps word is lowered.
fn to_pascal_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    let mut r0 = RUNE_ERROR;
    let mut first_upper = false;
    for c in chars.by_ref() {
        r0 = c;
        if !is_connector(c) {
            first_upper = is_upper(c);
            r0 = go_to_upper(c);
            break;
        }
        out.push(c);
    }
    let rest: Vec<char> = chars.collect();
    if rest.is_empty() {
        // xstrings writes the last character read once more, so a string of
        // connectors only gets its last one twice ("_" becomes "__").
        if !s.is_empty() {
            out.push(r0);
        }
        return out;
    }
    for c in rest {
        let r1 = r0;
        r0 = c;
        if is_connector(r0) && is_connector(r1) {
            out.push(r1);
            continue;
        }
        if is_connector(r1) {
            first_upper = is_upper(r0);
            r0 = go_to_upper(r0);
        } else {
            if first_upper {
                if is_upper(r0) {
                    r0 = go_to_lower(r0);
                } else {
                    first_upper = false;
                }
            }
            out.push(r1);
        }
    }
    out.push(r0);
    out
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum WordType {
    Invalid,
    Number,
    UpperCase,
    Alphabet,
    Connector,
    Punct,
    Other,
}

/// xstrings' `camelCaseToLowerCase`, behind `snakecase` and `kebabcase`.
fn camel_to_lower(s: &str, connector: char) -> String {
    use WordType::*;
    if s.is_empty() {
        return String::new();
    }
    let mut out = String::with_capacity(s.len() + 4);
    let (mut wt, mut word, mut remaining) = next_word(s);
    while !remaining.is_empty() {
        if wt != Connector {
            lower_word(&mut out, wt, word, connector);
        }
        let prev = wt;
        let last = word;
        (wt, word, remaining) = next_word(remaining);
        match prev {
            Number => {
                while wt == Alphabet || wt == Number {
                    lower_word(&mut out, wt, word, connector);
                    (wt, word, remaining) = next_word(remaining);
                }
                if wt != Invalid && wt != Punct && wt != Connector {
                    out.push(connector);
                }
            }
            Connector => lower_word(&mut out, prev, last, connector),
            Punct => {}
            _ => {
                if wt != Number {
                    if wt != Connector && wt != Punct {
                        out.push(connector);
                    }
                    continue;
                }
                if remaining.is_empty() {
                    continue;
                }
                let number = word;
                (wt, word, remaining) = next_word(remaining);
                // A number followed by something other than letters belongs
                // to the word before it ("Bld4Floor" is "bld4_floor").
                if wt != Alphabet {
                    lower_word(&mut out, Number, number, connector);
                    if wt != Connector && wt != Punct {
                        out.push(connector);
                    }
                    continue;
                }
                out.push(connector);
                lower_word(&mut out, Number, number, connector);
                while wt == Alphabet || wt == Number {
                    lower_word(&mut out, wt, word, connector);
                    (wt, word, remaining) = next_word(remaining);
                }
                if wt != Invalid && wt != Connector && wt != Punct {
                    out.push(connector);
                }
            }
        }
    }
    lower_word(&mut out, wt, word, connector);
    out
}

/// xstrings' `toLower`: upper-case and connector words are lowered (connectors
/// becoming `connector`), others are copied.
fn lower_word(out: &mut String, wt: WordType, word: &str, connector: char) {
    if wt != WordType::UpperCase && wt != WordType::Connector {
        out.push_str(word);
        return;
    }
    for c in word.chars() {
        if is_connector(c) {
            out.push(connector);
        } else if is_upper(c) {
            out.push(go_to_lower(c));
        } else {
            out.push(c);
        }
    }
}

/// xstrings' `nextValidRune`: the first character that isn't U+FFFD and the
/// bytes up to and including it, or `prev` and all the bytes if there is none.
fn next_valid_rune(s: &str, prev: char) -> (char, usize) {
    let mut size = 0;
    for c in s.chars() {
        size += c.len_utf8();
        if c != RUNE_ERROR {
            return (c, size);
        }
    }
    (prev, size)
}

/// Consumes characters of `rest` while `accept` holds, adding their size to
/// `offset`; returns the remaining text and the last character looked at.
fn take_while<'a>(
    mut rest: &'a str,
    offset: &mut usize,
    mut r: char,
    accept: impl Fn(char) -> bool,
) -> (&'a str, char) {
    while !rest.is_empty() {
        let (next, size) = next_valid_rune(rest, r);
        r = next;
        if !accept(r) {
            break;
        }
        *offset += size;
        rest = &rest[size..];
    }
    (rest, r)
}

/// xstrings' `nextWord`: the type and text of the word `s` starts with, and
/// the text after it.
fn next_word(s: &str) -> (WordType, &str, &str) {
    use WordType::*;
    if s.is_empty() {
        return (Invalid, "", "");
    }
    let (r, size) = next_valid_rune(s, RUNE_ERROR);
    let mut offset = size;
    if r == RUNE_ERROR {
        return (Invalid, &s[..offset], &s[offset..]);
    }
    let rest = &s[size..];
    let (wt, remaining) = if is_connector(r) {
        (Connector, take_while(rest, &mut offset, r, is_connector).0)
    } else if is_punct(r) {
        (Punct, take_while(rest, &mut offset, r, is_punct).0)
    } else if is_upper(r) {
        if rest.is_empty() {
            (UpperCase, rest)
        } else {
            let (r2, size2) = next_valid_rune(rest, r);
            if is_upper(r2) {
                // A run of capitals; when letters follow it, its last capital
                // starts the next word ("HTTPServer" is "HTTP" + "Server").
                offset += size2;
                let mut prev_size = size2;
                let mut remaining = &rest[size2..];
                let mut last = r2;
                while !remaining.is_empty() {
                    let (next, next_size) = next_valid_rune(remaining, last);
                    last = next;
                    if !is_upper(last) {
                        break;
                    }
                    prev_size = next_size;
                    offset += next_size;
                    remaining = &remaining[next_size..];
                }
                if !remaining.is_empty() && is_alphabet(last) {
                    offset -= prev_size;
                    remaining = &s[offset..];
                }
                (UpperCase, remaining)
            } else if is_alphabet(r2) {
                offset += size2;
                let accept = |c| is_alphabet(c) && !is_upper(c);
                (
                    UpperCase,
                    take_while(&rest[size2..], &mut offset, r2, accept).0,
                )
            } else {
                (UpperCase, rest)
            }
        }
    } else if is_alphabet(r) {
        let accept = |c| is_alphabet(c) && !is_upper(c);
        (Alphabet, take_while(rest, &mut offset, r, accept).0)
    } else if is_number(r) {
        (Number, take_while(rest, &mut offset, r, is_number).0)
    } else {
        let accept = |c| !(is_connector(c) || is_alphabet(c) || is_number(c) || is_punct(c));
        (Other, take_while(rest, &mut offset, r, accept).0)
    };
    (wt, &s[..offset], remaining)
}

fn is_connector(c: char) -> bool {
    c == '-' || c == '_' || is_space(c)
}

/// xstrings' `isAlphabet`: letters, except the common CJK ideographs.
fn is_alphabet(c: char) -> bool {
    if !is_letter(c) {
        return false;
    }
    !matches!(c, '\u{4E00}'..='\u{9FCC}' | '\u{3400}'..='\u{4D85}' | '\u{20000}'..='\u{2B81D}')
}

// --- Go's unicode package ----------------------------------------------------

fn category(c: char) -> GeneralCategory {
    get_general_category(c)
}

/// `unicode.IsSpace`: Unicode White_Space, which is Rust's definition too.
fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// `unicode.IsUpper`: category Lu (not Rust's wider Uppercase property).
fn is_upper(c: char) -> bool {
    category(c) == GeneralCategory::UppercaseLetter
}

/// `unicode.IsLower`: category Ll.
fn is_lower(c: char) -> bool {
    category(c) == GeneralCategory::LowercaseLetter
}

/// `unicode.IsTitle`: category Lt.
fn is_title(c: char) -> bool {
    category(c) == GeneralCategory::TitlecaseLetter
}

/// `unicode.IsNumber`: categories N*.
fn is_number(c: char) -> bool {
    use GeneralCategory::*;
    matches!(category(c), DecimalNumber | LetterNumber | OtherNumber)
}

/// `unicode.IsPunct`: categories P*.
fn is_punct(c: char) -> bool {
    use GeneralCategory::*;
    matches!(
        category(c),
        ConnectorPunctuation
            | DashPunctuation
            | OpenPunctuation
            | ClosePunctuation
            | InitialPunctuation
            | FinalPunctuation
            | OtherPunctuation
    )
}

/// `unicode.ToUpper`: the simple (one-character) mapping. Rust gives the full
/// mapping, which differs only where it has several characters.
fn go_to_upper(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    let mut full = c.to_uppercase();
    match (full.next(), full.next()) {
        (Some(u), None) => u,
        // Greek with ypogegrammeni maps to the prosgegrammeni capital; the
        // other special cases (ß, ŉ, ligatures, ...) have no simple mapping.
        _ => match c as u32 {
            0x1F80..=0x1F87 | 0x1F90..=0x1F97 | 0x1FA0..=0x1FA7 => {
                char::from_u32(c as u32 + 8).unwrap_or(c)
            }
            0x1FB3 => '\u{1FBC}',
            0x1FC3 => '\u{1FCC}',
            0x1FF3 => '\u{1FFC}',
            _ => c,
        },
    }
}

/// `unicode.ToLower`: the simple mapping (İ, the only character whose full
/// lower case has two characters, maps to i).
fn go_to_lower(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut full = c.to_lowercase();
    match (full.next(), full.next()) {
        (Some(l), None) => l,
        _ if c == '\u{130}' => 'i',
        _ => c,
    }
}

/// `unicode.ToTitle`: upper case, except for the Latin digraphs, whose title
/// case is their own form, and Georgian, which has no title case.
fn go_to_title(c: char) -> char {
    match c {
        '\u{1C4}'..='\u{1C6}' => '\u{1C5}',
        '\u{1C7}'..='\u{1C9}' => '\u{1C8}',
        '\u{1CA}'..='\u{1CC}' => '\u{1CB}',
        '\u{1F1}'..='\u{1F3}' => '\u{1F2}',
        '\u{10D0}'..='\u{10FA}' | '\u{10FD}'..='\u{10FF}' => c,
        _ => go_to_upper(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_strings_use_their_alphabet() {
        let check = |keep: fn(char) -> bool| {
            let s = random_string(200, keep).unwrap();
            assert_eq!(s.len(), 200);
            assert!(s.chars().all(keep), "{s}");
        };
        check(|c| c.is_ascii_alphanumeric());
        check(|c| c.is_ascii_alphabetic());
        check(|c| c.is_ascii_digit());
        check(|c| (' '..='~').contains(&c));
        assert_eq!(random_string(0, |_| true).unwrap(), "");
        assert_eq!(random_string(-3, |_| true).unwrap(), "");
    }

    #[test]
    fn random_strings_vary() {
        let a = random_string(32, |c| c.is_ascii_alphanumeric()).unwrap();
        let b = random_string(32, |c| c.is_ascii_alphanumeric()).unwrap();
        assert_ne!(a, b);
        // Every character of the alphabet turns up given enough draws.
        let many = random_string(5000, |c| c.is_ascii_digit()).unwrap();
        for d in '0'..='9' {
            assert!(many.contains(d));
        }
    }

    #[test]
    fn shuffle_keeps_the_characters() {
        let s = "héllo wörld 日本";
        let shuffled = shuffle(s);
        let mut a: Vec<char> = s.chars().collect();
        let mut b: Vec<char> = shuffled.chars().collect();
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
        assert_eq!(shuffle(""), "");
        assert_eq!(shuffle("x"), "x");
        let long: String = ('a'..='z').collect();
        assert!((0..5).any(|_| shuffle(&long) != long));
    }

    #[test]
    fn simple_case_mappings_follow_go() {
        assert_eq!(go_to_upper('ß'), 'ß');
        assert_eq!(go_to_upper('ﬁ'), 'ﬁ');
        assert_eq!(go_to_upper('\u{1F80}'), '\u{1F88}');
        assert_eq!(go_to_lower('İ'), 'i');
        assert_eq!(go_to_title('ǆ'), 'ǅ');
        assert_eq!(go_to_upper('ǆ'), 'Ǆ');
        assert!(!is_upper('Ⓐ'));
    }
}
