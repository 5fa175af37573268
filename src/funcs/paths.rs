//! Paths, URLs and the remaining small functions: Go's `path` package (`base`,
//! `dir`, `ext`, `clean`, `isAbs`) and `path/filepath` on Linux (the `os*`
//! twins, which behave the same there), Sprig's `urlParse`/`urlJoin` on top of
//! Go 1.26's `net/url`, `uuidv4`, `randBytes`, `hello`, and the two functions
//! Helm replaces when rendering without a cluster: `getHostByName` (DNS
//! lookups are off by default, so it returns "") and `lookup` (an empty map).
//!
//! Owns a port of the parts of `net/url` Sprig reaches (`Parse` with its
//! error texts, `URL.String`, `Hostname`, `Userinfo.String`, escaping) and of
//! `net/netip.ParseAddr`, which Go 1.26 runs on bracketed hosts. Go strings
//! are bytes and percent-decoding can produce bytes that are not UTF-8, so the
//! URL code works on bytes; such bytes become U+FFFD only when a result
//! becomes a template string.

use std::sync::Arc;

use crate::gotmpl::{Entries, Error, Func, FuncMap, Map, Param, Value};

use super::kind_name;
use super::str_arg as text;
use super::url::{Url, Userinfo, parse_url};

pub(super) fn register(funcs: &mut FuncMap) {
    let mut add = |name: &str, func: Func| {
        funcs.insert(name.to_string(), func);
    };
    use Param::{Int, String as Str};

    // On Linux `path/filepath` splits and cleans exactly like `path`: the only
    // separator is '/' and there are no volume names.
    for (names, body) in [
        (["base", "osBase"], go_base as fn(&str) -> String),
        (["dir", "osDir"], go_dir),
        (["ext", "osExt"], |p| go_ext(p).to_string()),
        (["clean", "osClean"], go_clean),
    ] {
        for name in names {
            add(
                name,
                Func::pure(&[Str], None, move |args| {
                    Ok(Value::from(body(text(&args[0]))))
                }),
            );
        }
    }
    for name in ["isAbs", "osIsAbs"] {
        add(
            name,
            Func::pure(&[Str], None, |args| {
                Ok(Value::Bool(text(&args[0]).starts_with('/')))
            }),
        );
    }

    add(
        "urlParse",
        Func::pure(&[Str], None, |args| url_parse(text(&args[0]))),
    );
    add(
        "urlJoin",
        Func::pure(&[Param::Map], None, |args| match &args[0] {
            Value::Map(dict) => url_join(dict),
            // A nil map reads as empty in Go.
            _ => url_join(&Map::new(Entries::new())),
        }),
    );

    add(
        "uuidv4",
        Func::pure(&[], None, |_| Ok(Value::from(uuid_v4()))),
    );
    add(
        "randBytes",
        Func::pure(&[Int], None, |args| match &args[0] {
            Value::Int(count, _) => rand_bytes(*count).map(Value::from),
            _ => rand_bytes(0).map(Value::from),
        }),
    );
    add("hello", Func::pure(&[], None, |_| Ok(Value::str("Hello!"))));
    // Helm overrides Sprig's resolver unless DNS lookups are enabled, which
    // they are not by default.
    add(
        "getHostByName",
        Func::pure(&[Str], None, |_| Ok(Value::str(""))),
    );
    // Without a cluster connection Helm keeps its placeholder, whose Go type is
    // `func(string, string, string, string) (map[string]interface {}, error)`.
    add(
        "lookup",
        Func::pure(&[Str, Str, Str, Str], None, |_| {
            Ok(Value::Map(Map::new(Entries::new())))
        }),
    );
}

// ---------------------------------------------------------------- Go's path

/// `path.Clean`: the shortest equivalent path, by purely lexical processing.
fn go_clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let bytes = path.as_bytes();
    let n = bytes.len();
    let rooted = bytes[0] == b'/';
    let mut out: Vec<u8> = Vec::with_capacity(n);
    let (mut r, mut dotdot) = (0, 0);
    if rooted {
        out.push(b'/');
        r = 1;
        dotdot = 1;
    }
    let sep_or_end = |i: usize| i == n || bytes[i] == b'/';
    while r < n {
        if bytes[r] == b'/' || (bytes[r] == b'.' && sep_or_end(r + 1)) {
            // An empty or `.` element.
            r += 1;
        } else if bytes[r] == b'.' && bytes.get(r + 1) == Some(&b'.') && sep_or_end(r + 2) {
            r += 2;
            if out.len() > dotdot {
                // Drop the last element written, and the slash before it.
                let mut w = out.len() - 1;
                while w > dotdot && out[w] != b'/' {
                    w -= 1;
                }
                out.truncate(w);
            } else if !rooted {
                // A `..` that cannot be cancelled stays in a relative path.
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(b"..");
                dotdot = out.len();
            }
        } else {
            if (rooted && out.len() != 1) || (!rooted && !out.is_empty()) {
                out.push(b'/');
            }
            while r < n && bytes[r] != b'/' {
                out.push(bytes[r]);
                r += 1;
            }
        }
    }
    if out.is_empty() {
        return ".".to_string();
    }
    // Only whole elements between ASCII slashes were copied, so this is UTF-8.
    String::from_utf8_lossy(&out).into_owned()
}

/// `path.Base`: the last element, trailing slashes ignored.
fn go_base(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let trimmed = path.trim_end_matches('/');
    let last = match trimmed.rfind('/') {
        Some(i) => &trimmed[i + 1..],
        None => trimmed,
    };
    if last.is_empty() {
        "/".to_string()
    } else {
        last.to_string()
    }
}

/// `path.Dir`: everything before the last slash, cleaned.
fn go_dir(path: &str) -> String {
    let head = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "",
    };
    go_clean(head)
}

/// `path.Ext`: from the last dot of the last element on, or "".
fn go_ext(path: &str) -> &str {
    for (i, b) in path.bytes().enumerate().rev() {
        match b {
            b'/' => break,
            b'.' => return &path[i..],
            _ => {}
        }
    }
    ""
}

// ------------------------------------------------------------ Sprig's URLs

/// Sprig's `urlParse`: Go's `url.Parse`, as a map of eight strings; a parse
/// error is Sprig's panic.
fn url_parse(raw: &str) -> Result<Value, Error> {
    let url = parse_url(raw.as_bytes())
        .map_err(|err| Error::msg(format!("unable to parse url: {err}")))?;
    let user = url
        .user
        .as_ref()
        .map(Userinfo::to_bytes)
        .unwrap_or_default();
    let fields: [(&str, &[u8]); 8] = [
        ("scheme", &url.scheme),
        ("host", &url.host),
        ("hostname", url.hostname()),
        ("path", &url.path),
        ("query", &url.raw_query),
        ("opaque", &url.opaque),
        ("fragment", &url.fragment),
        ("userinfo", &user),
    ];
    let entries = fields
        .into_iter()
        .map(|(key, bytes)| (Arc::from(key), Value::from(lossy(bytes))))
        .collect();
    Ok(Value::Map(Map::new(entries)))
}

/// Sprig's `urlJoin`: a `url.URL` from the map's string fields, printed.
fn url_join(dict: &Map) -> Result<Value, Error> {
    let field = |key: &str| -> Result<Vec<u8>, Error> {
        match dict.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Str(s)) => Ok(s.as_bytes().to_vec()),
            // `reflect.TypeOf(nil).Kind()` dereferences a nil Type.
            Some(Value::Nil) => Err(Error::msg(
                "runtime error: invalid memory address or nil pointer dereference",
            )),
            Some(other) => Err(Error::msg(format!(
                "unable to parse {key} key, must be of type string, but {} found",
                kind_name(&other)
            ))),
        }
    };
    let mut url = Url {
        scheme: field("scheme")?,
        host: field("host")?,
        path: field("path")?,
        raw_query: field("query")?,
        opaque: field("opaque")?,
        fragment: field("fragment")?,
        ..Url::default()
    };
    let userinfo = field("userinfo")?;
    if !userinfo.is_empty() {
        // Sprig parses the userinfo by wrapping it in a throwaway URL.
        let mut wrapped = b"proto://".to_vec();
        wrapped.extend_from_slice(&userinfo);
        wrapped.extend_from_slice(b"@host");
        let parsed = parse_url(&wrapped)
            .map_err(|err| Error::msg(format!("unable to parse userinfo in dict: {err}")))?;
        url.user = parsed.user;
    }
    Ok(Value::from(lossy(&url.to_bytes())))
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// ---------------------------------------------------------------- random

/// google/uuid's `New().String()`: 16 random bytes with version 4 and the
/// RFC 4122 variant, in lowercase 8-4-4-4-12 form.
fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    fill_random(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Sprig's `randBytes`: base64 of `count` random bytes. A negative count is
/// Go's `make` panic; so is a count too large to allocate, where Go would run
/// out of memory instead.
fn rand_bytes(count: i64) -> Result<String, Error> {
    let out_of_range = || Error::msg("runtime error: makeslice: len out of range");
    let count = usize::try_from(count).map_err(|_| out_of_range())?;
    let mut buf: Vec<u8> = Vec::new();
    buf.try_reserve_exact(count).map_err(|_| out_of_range())?;
    buf.resize(count, 0);
    fill_random(&mut buf);
    Ok(base64_std(&buf))
}

fn fill_random(buf: &mut [u8]) {
    // The OS generator does not fail on supported platforms; were it to, the
    // bytes would stay zero rather than stop the render.
    let _ = getrandom::fill(buf);
}

/// `base64.StdEncoding.EncodeToString`.
fn base64_std(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 0x3f) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_v4_has_the_format_and_version_bits() {
        for _ in 0..64 {
            let id = uuid_v4();
            assert_eq!(id.len(), 36);
            let groups: Vec<&str> = id.split('-').collect();
            assert_eq!(
                groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
                [8, 4, 4, 4, 12]
            );
            assert!(
                id.chars()
                    .all(|c| c == '-' || matches!(c, '0'..='9' | 'a'..='f'))
            );
            assert_eq!(&groups[2][..1], "4");
            assert!(matches!(&groups[3][..1], "8" | "9" | "a" | "b"));
        }
        assert_ne!(uuid_v4(), uuid_v4());
    }

    #[test]
    fn rand_bytes_is_base64_of_the_count() {
        for count in [0usize, 1, 2, 3, 4, 10, 32, 100] {
            let Ok(encoded) = rand_bytes(count as i64) else {
                panic!("randBytes {count} failed");
            };
            assert_eq!(encoded.len(), count.div_ceil(3) * 4);
            let padding = encoded.bytes().rev().take_while(|&b| b == b'=').count();
            assert_eq!(padding, (3 - count % 3) % 3);
            assert!(
                encoded
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
            );
        }
        let (Ok(a), Ok(b)) = (rand_bytes(32), rand_bytes(32)) else {
            panic!("randBytes 32 failed");
        };
        assert_ne!(a, b);
        assert!(rand_bytes(-1).is_err());
    }

    #[test]
    fn base64_matches_go() {
        assert_eq!(base64_std(b""), "");
        assert_eq!(base64_std(b"f"), "Zg==");
        assert_eq!(base64_std(b"fo"), "Zm8=");
        assert_eq!(base64_std(b"foo"), "Zm9v");
        assert_eq!(base64_std(&[0xfb, 0xff]), "+/8=");
    }
}
