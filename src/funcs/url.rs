//! Go's `net/url` parsing (and the `net/netip` checks it makes of hosts), for
//! Sprig's `urlParse`/`urlJoin` and for every place Helm hands a string to
//! `url.Parse`: values file paths, the `uri` format of values schemas.

use crate::gotmpl::fmt::quote;

/// Go's `strconv.Quote` of a byte string: bytes that are not UTF-8 print as `\xNN`.
pub(crate) fn quote_bytes(bytes: &[u8]) -> String {
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
pub(crate) struct Url {
    pub(crate) scheme: Vec<u8>,
    pub(crate) opaque: Vec<u8>,
    pub(crate) user: Option<Userinfo>,
    pub(crate) host: Vec<u8>,
    pub(crate) path: Vec<u8>,
    pub(crate) raw_path: Vec<u8>,
    pub(crate) omit_host: bool,
    pub(crate) force_query: bool,
    pub(crate) raw_query: Vec<u8>,
    pub(crate) fragment: Vec<u8>,
    pub(crate) raw_fragment: Vec<u8>,
}

/// `url.Userinfo`: a username and an optional password.
pub(crate) struct Userinfo {
    username: Vec<u8>,
    password: Option<Vec<u8>>,
}

impl Userinfo {
    /// `Userinfo.String`.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
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
pub(crate) fn parse_url(raw: &[u8]) -> Result<Url, String> {
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
    pub(crate) fn hostname(&self) -> &[u8] {
        let mut host = &self.host[..];
        if let Some(colon) = host.iter().rposition(|&b| b == b':')
            && valid_optional_port(&host[colon..])
        {
            host = &host[..colon];
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
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
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
