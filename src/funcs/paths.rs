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

use crate::gotmpl::fmt::quote;
use crate::gotmpl::{Entries, Error, Func, FuncMap, Map, Param, Value};

use super::kind_name;
use super::str_arg as text;

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

/// Go's `strconv.Quote` of a byte string: bytes that are not UTF-8 print as `\xNN`.
fn quote_bytes(bytes: &[u8]) -> String {
    let mut out = String::from("\"");
    for chunk in bytes.utf8_chunks() {
        let valid = quote(chunk.valid());
        out.push_str(&valid[1..valid.len() - 1]);
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------- net/url

/// `url.URL`, the fields Sprig reads or sets.
#[derive(Default)]
struct Url {
    scheme: Vec<u8>,
    opaque: Vec<u8>,
    user: Option<Userinfo>,
    host: Vec<u8>,
    path: Vec<u8>,
    raw_path: Vec<u8>,
    omit_host: bool,
    force_query: bool,
    raw_query: Vec<u8>,
    fragment: Vec<u8>,
    raw_fragment: Vec<u8>,
}

/// `url.Userinfo`: a username and an optional password.
struct Userinfo {
    username: Vec<u8>,
    password: Option<Vec<u8>>,
}

impl Userinfo {
    /// `Userinfo.String`.
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = escape(&self.username, Mode::UserPassword);
        if let Some(password) = &self.password {
            out.push(b':');
            out.extend(escape(password, Mode::UserPassword));
        }
        out
    }
}

/// Which part of a URL is escaped or unescaped (Go's `encoding`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    Zone,
    UserPassword,
    Fragment,
}

/// `url.Parse`, its error rendered as `*url.Error` prints.
fn parse_url(raw: &[u8]) -> Result<Url, String> {
    let (before, frag) = cut(raw, b'#');
    let mut url = parse(before).map_err(|err| url_error(before, &err))?;
    if let Some(frag) = frag.filter(|f| !f.is_empty()) {
        url.set_fragment(frag).map_err(|err| url_error(raw, &err))?;
    }
    Ok(url)
}

fn url_error(url: &[u8], err: &str) -> String {
    format!("parse {}: {err}", quote_bytes(url))
}

/// Go's unexported `parse` for a URL that did not come from an HTTP request.
fn parse(raw: &[u8]) -> Result<Url, String> {
    if raw.iter().any(|&b| b < b' ' || b == 0x7f) {
        return Err("net/url: invalid control character in URL".to_string());
    }
    let mut url = Url::default();
    if raw == b"*" {
        url.path = b"*".to_vec();
        return Ok(url);
    }
    let (scheme, mut rest) = get_scheme(raw)?;
    url.scheme = scheme.to_ascii_lowercase();

    if rest.ends_with(b"?") && rest.iter().filter(|&&b| b == b'?').count() == 1 {
        url.force_query = true;
        rest = &rest[..rest.len() - 1];
    } else {
        let (path, query) = cut(rest, b'?');
        rest = path;
        url.raw_query = query.unwrap_or_default().to_vec();
    }

    if !rest.starts_with(b"/") {
        if !url.scheme.is_empty() {
            // A rootless path after a scheme is opaque (RFC 3986).
            url.opaque = rest.to_vec();
            return Ok(url);
        }
        // `cache_object:foo/bar` must not read as a relative path.
        let (segment, _) = cut(rest, b'/');
        if segment.contains(&b':') {
            return Err("first path segment in URL cannot contain colon".to_string());
        }
    }

    if (!url.scheme.is_empty() || !rest.starts_with(b"///")) && rest.starts_with(b"//") {
        let after = &rest[2..];
        let (authority, path) = match after.iter().position(|&b| b == b'/') {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, &b""[..]),
        };
        let (user, host) = parse_authority(&url.scheme, authority)?;
        url.user = user;
        url.host = host;
        rest = path;
    } else if !url.scheme.is_empty() && rest.starts_with(b"/") {
        url.omit_host = true;
    }
    url.set_path(rest)?;
    Ok(url)
}

/// `getScheme`: a leading `[a-zA-Z][a-zA-Z0-9+.-]*:`, or none.
fn get_scheme(raw: &[u8]) -> Result<(&[u8], &[u8]), String> {
    for (i, &c) in raw.iter().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' if i > 0 => {}
            b':' if i == 0 => return Err("missing protocol scheme".to_string()),
            b':' => return Ok((&raw[..i], &raw[i + 1..])),
            _ => return Ok((b"", raw)),
        }
    }
    Ok((b"", raw))
}

fn parse_authority(scheme: &[u8], authority: &[u8]) -> Result<(Option<Userinfo>, Vec<u8>), String> {
    let at = authority.iter().rposition(|&b| b == b'@');
    let host = parse_host(scheme, &authority[at.map_or(0, |i| i + 1)..])?;
    let Some(at) = at else {
        return Ok((None, host));
    };
    let userinfo = &authority[..at];
    if !valid_userinfo(userinfo) {
        return Err("net/url: invalid userinfo".to_string());
    }
    let user = match cut(userinfo, b':') {
        (username, None) => Userinfo {
            username: unescape(username, Mode::UserPassword)?,
            password: None,
        },
        (username, Some(password)) => Userinfo {
            username: unescape(username, Mode::UserPassword)?,
            password: Some(unescape(password, Mode::UserPassword)?),
        },
    };
    Ok((Some(user), host))
}

/// `parseHost` of Go 1.26: `host[:port]`, where a bracketed host must be an
/// IPv6 address and, for http and https, a bare host holds at most one colon.
fn parse_host(scheme: &[u8], host: &[u8]) -> Result<Vec<u8>, String> {
    match host.iter().rposition(|&b| b == b'[') {
        Some(0) => return parse_ip_literal(host),
        Some(_) => return Err("invalid IP-literal".to_string()),
        None => {}
    }
    if let Some(first) = host.iter().position(|&b| b == b':') {
        let last = host.iter().rposition(|&b| b == b':').unwrap_or(first);
        // Other schemes keep accepting host lists such as `h1:1,h2:2`
        // (databases use them): only the last colon starts the port there.
        let strict = scheme == b"http" || scheme == b"https";
        let colon = if strict { first } else { last };
        let port = &host[colon..];
        if !valid_optional_port(port) {
            return Err(format!("invalid port {} after host", quote_bytes(port)));
        }
    }
    unescape(host, Mode::Host)
}

/// An IP literal of RFC 3986 and RFC 6874: `[fe80::1%25en0]:80`.
fn parse_ip_literal(host: &[u8]) -> Result<Vec<u8>, String> {
    let Some(close) = host.iter().rposition(|&b| b == b']') else {
        return Err("missing ']' in host".to_string());
    };
    let port = &host[close + 1..];
    if !valid_optional_port(port) {
        return Err(format!("invalid port {} after host", quote_bytes(port)));
    }
    let port = unescape(port, Mode::Host)?;
    let name = &host[1..close];
    // `%25` starts the zone, which may escape more than a host may.
    let mut unescaped = match find(name, b"%25") {
        Some(zone) => {
            let mut out = unescape(&name[..zone], Mode::Host)?;
            out.extend(unescape(&name[zone..], Mode::Zone)?);
            out
        }
        None => unescape(name, Mode::Host)?,
    };
    match parse_addr(&unescaped) {
        Err(err) => return Err(format!("invalid host: {err}")),
        Ok(AddrFamily::V4) => return Err("invalid IP-literal".to_string()),
        Ok(AddrFamily::V6) => {}
    }
    unescaped.insert(0, b'[');
    unescaped.push(b']');
    unescaped.extend(port);
    Ok(unescaped)
}

/// `validOptionalPort`: empty, or a colon and digits.
fn valid_optional_port(port: &[u8]) -> bool {
    match port.split_first() {
        None => true,
        Some((b':', digits)) => digits.iter().all(u8::is_ascii_digit),
        Some(_) => false,
    }
}

/// `validUserinfo`: RFC 3986's userinfo characters, plus `%` and `@`.
fn valid_userinfo(s: &[u8]) -> bool {
    s.iter()
        .all(|&b| b.is_ascii_alphanumeric() || b"-._:~!$&'()*+,;=%@".contains(&b))
}

impl Url {
    /// `setPath`: the decoded path, and the original only if it was escaped
    /// differently from Go's default.
    fn set_path(&mut self, p: &[u8]) -> Result<(), String> {
        self.path = unescape(p, Mode::Path)?;
        self.raw_path = if escape(&self.path, Mode::Path) == p {
            Vec::new()
        } else {
            p.to_vec()
        };
        Ok(())
    }

    fn set_fragment(&mut self, f: &[u8]) -> Result<(), String> {
        self.fragment = unescape(f, Mode::Fragment)?;
        self.raw_fragment = if escape(&self.fragment, Mode::Fragment) == f {
            Vec::new()
        } else {
            f.to_vec()
        };
        Ok(())
    }

    /// `Hostname`: the host without a valid port and without brackets.
    fn hostname(&self) -> &[u8] {
        let mut host = &self.host[..];
        if let Some(colon) = host.iter().rposition(|&b| b == b':') {
            if valid_optional_port(&host[colon..]) {
                host = &host[..colon];
            }
        }
        if host.starts_with(b"[") && host.ends_with(b"]") {
            host = &host[1..host.len() - 1];
        }
        host
    }

    fn escaped_path(&self) -> Vec<u8> {
        if !self.raw_path.is_empty()
            && valid_encoded(&self.raw_path, Mode::Path)
            && unescape(&self.raw_path, Mode::Path).is_ok_and(|p| p == self.path)
        {
            return self.raw_path.clone();
        }
        if self.path == b"*" {
            return b"*".to_vec();
        }
        escape(&self.path, Mode::Path)
    }

    fn escaped_fragment(&self) -> Vec<u8> {
        if !self.raw_fragment.is_empty()
            && valid_encoded(&self.raw_fragment, Mode::Fragment)
            && unescape(&self.raw_fragment, Mode::Fragment).is_ok_and(|f| f == self.fragment)
        {
            return self.raw_fragment.clone();
        }
        escape(&self.fragment, Mode::Fragment)
    }

    /// `URL.String`.
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if !self.scheme.is_empty() {
            out.extend_from_slice(&self.scheme);
            out.push(b':');
        }
        if !self.opaque.is_empty() {
            out.extend_from_slice(&self.opaque);
        } else {
            let no_authority = self.omit_host && self.host.is_empty() && self.user.is_none();
            if (!self.scheme.is_empty() || !self.host.is_empty() || self.user.is_some())
                && !no_authority
            {
                if !self.host.is_empty() || !self.path.is_empty() || self.user.is_some() {
                    out.extend_from_slice(b"//");
                }
                if let Some(user) = &self.user {
                    out.extend(user.to_bytes());
                    out.push(b'@');
                }
                out.extend(escape(&self.host, Mode::Host));
            }
            let mut path = self.escaped_path();
            if no_authority && path.starts_with(b"//") {
                // Re-parsing must not turn the path into an authority.
                out.extend_from_slice(b"%2F");
                path.remove(0);
            }
            if path.first().is_some_and(|&b| b != b'/') && !self.host.is_empty() {
                out.push(b'/');
            }
            if out.is_empty() && cut(&path, b'/').0.contains(&b':') {
                // A first segment with a colon would read as a scheme.
                out.extend_from_slice(b"./");
            }
            out.extend(path);
        }
        if self.force_query || !self.raw_query.is_empty() {
            out.push(b'?');
            out.extend_from_slice(&self.raw_query);
        }
        if !self.fragment.is_empty() {
            out.push(b'#');
            out.extend(self.escaped_fragment());
        }
        out
    }
}

/// `shouldEscape`: whether `c` must be percent-encoded in the given part.
fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if matches!(mode, Mode::Host | Mode::Zone) && b"!$&'()*+,;=:[]<>\"".contains(&c) {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => match mode {
            Mode::Path => c == b'?',
            Mode::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
            Mode::Fragment => false,
            Mode::Host | Mode::Zone => true,
        },
        b'!' | b'(' | b')' | b'*' if mode == Mode::Fragment => false,
        _ => true,
    }
}

/// `escape` (never in query mode here, so spaces become `%20`).
fn escape(s: &[u8], mode: Mode) -> Vec<u8> {
    const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(s.len());
    for &c in s {
        if should_escape(c, mode) {
            out.extend_from_slice(&[
                b'%',
                UPPER_HEX[usize::from(c >> 4)],
                UPPER_HEX[usize::from(c & 15)],
            ]);
        } else {
            out.push(c);
        }
    }
    out
}

/// `unescape`, with Go's checks on hosts and zones.
fn unescape(s: &[u8], mode: Mode) -> Result<Vec<u8>, String> {
    let escape_error = |bad: &[u8]| format!("invalid URL escape {}", quote_bytes(bad));
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c == b'%' {
            let (Some(hi), Some(lo)) = (s.get(i + 1).and_then(hex), s.get(i + 2).and_then(hex))
            else {
                return Err(escape_error(&s[i..s.len().min(i + 3)]));
            };
            let triple = &s[i..i + 3];
            // A host may only escape non-ASCII bytes, except `%25` before a zone.
            if mode == Mode::Host && hi < 8 && triple != b"%25" {
                return Err(escape_error(triple));
            }
            let byte = (hi << 4) | lo;
            // A zone may escape only what a host could hold as it is (or a space).
            if mode == Mode::Zone
                && triple != b"%25"
                && byte != b' '
                && should_escape(byte, Mode::Host)
            {
                return Err(escape_error(triple));
            }
            out.push(byte);
            i += 3;
        } else {
            if matches!(mode, Mode::Host | Mode::Zone) && c < 0x80 && should_escape(c, mode) {
                return Err(format!(
                    "invalid character {} in host name",
                    quote_bytes(&s[i..=i])
                ));
            }
            out.push(c);
            i += 1;
        }
    }
    Ok(out)
}

fn hex(c: &u8) -> Option<u8> {
    char::from(*c)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// `validEncoded`: no byte that escaping would have changed, sub-delims,
/// brackets and `%` allowed.
fn valid_encoded(s: &[u8], mode: Mode) -> bool {
    s.iter()
        .all(|&c| b"!$&'()*+,;=:@[]%".contains(&c) || !should_escape(c, mode))
}

/// `strings.Cut` on one byte.
fn cut(s: &[u8], sep: u8) -> (&[u8], Option<&[u8]>) {
    match s.iter().position(|&b| b == sep) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

// ------------------------------------------------------------- net/netip

enum AddrFamily {
    V4,
    V6,
}

/// `netip.ParseAddr`, for the address family and the error text.
fn parse_addr(s: &[u8]) -> Result<AddrFamily, String> {
    for &c in s {
        match c {
            b'.' => return parse_ipv4_fields(s, 0, s.len()).map(|()| AddrFamily::V4),
            b':' => return parse_ipv6(s).map(|()| AddrFamily::V6),
            b'%' => return Err(addr_error(s, "missing IPv6 address", b"")),
            _ => {}
        }
    }
    Err(addr_error(s, "unable to parse IP", b""))
}

fn addr_error(input: &[u8], msg: &str, at: &[u8]) -> String {
    let mut out = format!("ParseAddr({}): {msg}", quote_bytes(input));
    if !at.is_empty() {
        out.push_str(&format!(" (at {})", quote_bytes(at)));
    }
    out
}

/// `parseIPv4Fields`: dotted decimal in `input[start..end]`, errors naming `input`.
fn parse_ipv4_fields(input: &[u8], start: usize, end: usize) -> Result<(), String> {
    let s = &input[start..end];
    let (mut val, mut pos, mut digits) = (0u32, 0, 0);
    for (i, &c) in s.iter().enumerate() {
        if c.is_ascii_digit() {
            if digits == 1 && val == 0 {
                return Err(addr_error(
                    input,
                    "IPv4 field has octet with leading zero",
                    b"",
                ));
            }
            val = val * 10 + u32::from(c - b'0');
            digits += 1;
            if val > 255 {
                return Err(addr_error(input, "IPv4 field has value >255", b""));
            }
        } else if c == b'.' {
            if i == 0 || i == s.len() - 1 || s[i - 1] == b'.' {
                return Err(addr_error(
                    input,
                    "IPv4 field must have at least one digit",
                    &s[i..],
                ));
            }
            if pos == 3 {
                return Err(addr_error(input, "IPv4 address too long", b""));
            }
            pos += 1;
            val = 0;
            digits = 0;
        } else {
            return Err(addr_error(input, "unexpected character", &s[i..]));
        }
    }
    if pos < 3 {
        return Err(addr_error(input, "IPv4 address too short", b""));
    }
    Ok(())
}

/// `parseIPv6`: groups of hex, one `::`, an optional trailing dotted quad and
/// an optional `%zone`.
fn parse_ipv6(input: &[u8]) -> Result<(), String> {
    let (mut s, zone) = cut(input, b'%');
    if zone.is_some_and(<[u8]>::is_empty) {
        return Err(addr_error(input, "zone must be a non-empty string", b""));
    }
    let end = s.len();
    let mut ellipsis: Option<usize> = None;
    if s.starts_with(b"::") {
        ellipsis = Some(0);
        s = &s[2..];
        if s.is_empty() {
            return Ok(());
        }
    }
    let mut i = 0;
    while i < 16 {
        let mut off = 0;
        let mut acc = 0u32;
        while let Some(d) = s.get(off).and_then(hex) {
            acc = (acc << 4) + u32::from(d);
            if off > 3 {
                return Err(addr_error(
                    input,
                    "each group must have 4 or less digits",
                    s,
                ));
            }
            if acc > 0xffff {
                return Err(addr_error(input, "IPv6 field has value >=2^16", s));
            }
            off += 1;
        }
        if off == 0 {
            return Err(addr_error(
                input,
                "each colon-separated field must have at least one digit",
                s,
            ));
        }
        if s.get(off) == Some(&b'.') {
            if ellipsis.is_none() && i != 12 {
                return Err(addr_error(
                    input,
                    "embedded IPv4 address must replace the final 2 fields of the address",
                    s,
                ));
            }
            if i + 4 > 16 {
                return Err(addr_error(
                    input,
                    "too many hex fields to fit an embedded IPv4 at the end of the address",
                    s,
                ));
            }
            parse_ipv4_fields(input, end - s.len(), end)?;
            s = b"";
            i += 4;
            break;
        }
        i += 2;
        s = &s[off..];
        if s.is_empty() {
            break;
        }
        if s[0] != b':' {
            return Err(addr_error(input, "unexpected character, want colon", s));
        } else if s.len() == 1 {
            return Err(addr_error(
                input,
                "colon must be followed by more characters",
                s,
            ));
        }
        s = &s[1..];
        if s[0] == b':' {
            if ellipsis.is_some() {
                return Err(addr_error(input, "multiple :: in address", s));
            }
            ellipsis = Some(i);
            s = &s[1..];
            if s.is_empty() {
                break;
            }
        }
    }
    if !s.is_empty() {
        return Err(addr_error(input, "trailing garbage after address", s));
    }
    if i < 16 && ellipsis.is_none() {
        return Err(addr_error(input, "address string too short", b""));
    }
    if i == 16 && ellipsis.is_some() {
        return Err(addr_error(
            input,
            "the :: must expand to at least one field of zeros",
            b"",
        ));
    }
    Ok(())
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
