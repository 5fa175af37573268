//! Sprig's semver functions, `semver` and `semverCompare`, with the rules of
//! Masterminds/semver v3.5.0 (the version Helm v4 builds with): its loose
//! version parser (`v1`, `1.2`, leading zeros), its constraint language and
//! prerelease handling, its error texts, and the `*semver.Version` object
//! templates call methods on.
//!
//! The library's parsing is regular-expression driven, and which inputs it
//! accepts follows from how Go's RE2 matches them (leftmost-first, an empty
//! operator alternative); the `regex` crate matches the same way, so the
//! expressions are the library's, with Go's ASCII-only `\s` spelled out.

use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

use regex::Regex;

use super::str_arg as text;
use crate::gotmpl::fmt::quote;
use crate::gotmpl::{Error, Func, FuncMap, Object, Param, UintType, Value};

pub(super) fn register(funcs: &mut FuncMap) {
    funcs.insert(
        "semver".to_string(),
        Func::pure(&[Param::String], None, |args| {
            let version = Version::parse(text(&args[0]))?;
            Ok(version.into_value(true))
        }),
    );
    funcs.insert(
        "semverCompare".to_string(),
        Func::pure(&[Param::String, Param::String], None, |args| {
            let constraints = Constraints::parse(text(&args[0]))?;
            let version = Version::parse(text(&args[1]))?;
            Ok(Value::Bool(constraints.check(&version)))
        }),
    );
}

/// Go's `\s`: ASCII whitespace without `\v`.
const SPACE: &str = r"[\t\n\f\r ]";

/// The loose version syntax `NewVersion` accepts: optional `v`, optional minor
/// and patch, leading zeros allowed.
static LOOSE_VERSION: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?$",
    )
});

/// A version in a constraint: segments may be wildcards (and, since the class
/// is written `[0-9|x|X|\*]`, may contain `|` too).
const CONSTRAINT_VERSION: &str = r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";

/// The operators, with the library's empty alternative (a bare version).
const OPERATORS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";

/// One constraint, whole: operator and version.
static CONSTRAINT: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        "^{SPACE}*({OPERATORS}){SPACE}*({CONSTRAINT_VERSION}){SPACE}*$"
    ))
});

/// A hyphen range `A - B`.
static RANGE: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        "{SPACE}*({CONSTRAINT_VERSION}){SPACE}+-{SPACE}+({CONSTRAINT_VERSION}){SPACE}*"
    ))
});

/// Finds the constraints of an AND group.
static FIND_CONSTRAINT: LazyLock<Regex> =
    LazyLock::new(|| compile(&format!("({OPERATORS}){SPACE}*({CONSTRAINT_VERSION})")));

/// A whole AND group: constraints separated by spaces or commas.
static VALID_GROUP: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        "^({SPACE}*({OPERATORS}){SPACE}*({CONSTRAINT_VERSION}){SPACE}*)((?:{SPACE}+|,{SPACE}*)({OPERATORS}){SPACE}*({CONSTRAINT_VERSION}){SPACE}*)*$"
    ))
});

/// Compiles one of the fixed expressions above. They are constants known to be
/// valid; should one ever fail, an expression that matches nothing keeps the
/// functions answering "invalid" rather than crashing.
fn compile(pattern: &str) -> Regex {
    Regex::new(pattern)
        .or_else(|_| Regex::new(r"[^\s\S]"))
        .unwrap_or_else(|_| unreachable!("a fixed, valid expression"))
}

// ---------------------------------------------------------------------------
// Versions
// ---------------------------------------------------------------------------

/// A parsed version: `semver.Version`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
    metadata: String,
    original: String,
}

impl Version {
    /// `NewVersion` with its default of coercing loose versions.
    fn parse(v: &str) -> Result<Version, Error> {
        let m = LOOSE_VERSION
            .captures(v)
            .ok_or_else(|| Error::msg("invalid semantic version"))?;
        let group = |i: usize| m.get(i).map_or("", |g| g.as_str());
        let segment = |s: &str| -> Result<u64, Error> {
            if s.is_empty() {
                return Ok(0);
            }
            parse_uint(s).ok_or_else(|| {
                Error::msg(format!(
                    "error parsing version segment: strconv.ParseUint: parsing {}: value out of range",
                    quote(s)
                ))
            })
        };
        let version = Version {
            major: segment(group(1))?,
            minor: segment(group(2).trim_start_matches('.'))?,
            patch: segment(group(3).trim_start_matches('.'))?,
            pre: group(5).to_string(),
            metadata: group(8).to_string(),
            original: v.to_string(),
        };
        if !version.pre.is_empty() {
            validate_prerelease(&version.pre)?;
        }
        if !version.metadata.is_empty() {
            validate_metadata(&version.metadata)?;
        }
        Ok(version)
    }

    /// `String()`: the canonical form, without the `v` the original may have had.
    fn string(&self) -> String {
        let mut out = format!("{}.{}.{}", self.major, self.minor, self.patch);
        if !self.pre.is_empty() {
            out.push('-');
            out.push_str(&self.pre);
        }
        if !self.metadata.is_empty() {
            out.push('+');
            out.push_str(&self.metadata);
        }
        out
    }

    /// The `v` the original text started with, which the `Inc*` and `Set*`
    /// methods keep in their new original.
    fn v_prefix(&self) -> &str {
        if self.original.starts_with('v') {
            "v"
        } else {
            ""
        }
    }

    /// A copy with a fresh original, as every modifying method builds one.
    fn renewed(mut self, prefix: &str) -> Version {
        self.original = format!("{prefix}{}", self.string());
        self
    }

    fn inc_patch(&self) -> Result<Version, Error> {
        let mut next = self.clone();
        next.metadata.clear();
        next.pre.clear();
        // A prerelease's next patch is its own release.
        if self.pre.is_empty() {
            next.patch = self
                .patch
                .checked_add(1)
                .ok_or_else(|| Error::msg("patch version increment would overflow uint64"))?;
        }
        Ok(next.renewed(self.v_prefix()))
    }

    fn inc_minor(&self) -> Result<Version, Error> {
        let mut next = self.clone();
        next.metadata.clear();
        next.pre.clear();
        next.patch = 0;
        next.minor = self
            .minor
            .checked_add(1)
            .ok_or_else(|| Error::msg("minor version increment would overflow uint64"))?;
        Ok(next.renewed(self.v_prefix()))
    }

    fn inc_major(&self) -> Result<Version, Error> {
        let mut next = self.clone();
        next.metadata.clear();
        next.pre.clear();
        next.patch = 0;
        next.minor = 0;
        next.major = self
            .major
            .checked_add(1)
            .ok_or_else(|| Error::msg("major version increment would overflow uint64"))?;
        Ok(next.renewed(self.v_prefix()))
    }

    fn set_prerelease(&self, pre: &str) -> Result<Version, Error> {
        if !pre.is_empty() {
            validate_prerelease(pre)?;
        }
        let mut next = self.clone();
        next.pre = pre.to_string();
        Ok(next.renewed(self.v_prefix()))
    }

    fn set_metadata(&self, metadata: &str) -> Result<Version, Error> {
        if !metadata.is_empty() {
            validate_metadata(metadata)?;
        }
        let mut next = self.clone();
        next.metadata = metadata.to_string();
        Ok(next.renewed(self.v_prefix()))
    }

    /// `Compare`: -1, 0 or 1; metadata is ignored, a prerelease sorts before
    /// its release.
    fn compare(&self, o: &Version) -> i64 {
        let by_numbers = (self.major, self.minor, self.patch).cmp(&(o.major, o.minor, o.patch));
        if by_numbers.is_ne() {
            return by_numbers as i64;
        }
        match (self.pre.is_empty(), o.pre.is_empty()) {
            (true, true) => 0,
            (true, false) => 1,
            (false, true) => -1,
            (false, false) => compare_prerelease(&self.pre, &o.pre),
        }
    }

    fn into_value(self, pointer: bool) -> Value {
        Value::Object(Arc::new(VersionObject {
            version: self,
            pointer,
        }))
    }
}

/// Go's `strconv.ParseUint(s, 10, 64)`: digits only, no sign, no overflow.
fn parse_uint(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Compares prereleases identifier by identifier; a missing identifier sorts
/// first.
fn compare_prerelease(a: &str, b: &str) -> i64 {
    let a: Vec<&str> = a.split('.').collect();
    let b: Vec<&str> = b.split('.').collect();
    for i in 0..a.len().max(b.len()) {
        let d = compare_pre_part(
            a.get(i).copied().unwrap_or(""),
            b.get(i).copied().unwrap_or(""),
        );
        if d != 0 {
            return d;
        }
    }
    0
}

/// Numbers compare numerically and before words; words compare bytewise.
fn compare_pre_part(s: &str, o: &str) -> i64 {
    if s == o {
        return 0;
    }
    if s.is_empty() {
        return -1;
    }
    if o.is_empty() {
        return 1;
    }
    match (parse_uint(s), parse_uint(o)) {
        (None, None) => {
            if s > o {
                1
            } else {
                -1
            }
        }
        (Some(_), None) => -1,
        (None, Some(_)) => 1,
        (Some(si), Some(oi)) => {
            if si > oi {
                1
            } else {
                -1
            }
        }
    }
}

fn is_identifier_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

fn validate_prerelease(pre: &str) -> Result<(), Error> {
    for part in pre.split('.') {
        if part.is_empty() {
            return Err(Error::msg("invalid prerelease string"));
        }
        if part.bytes().all(|b| b.is_ascii_digit()) {
            if part.len() > 1 && part.starts_with('0') {
                return Err(Error::msg("version segment starts with 0"));
            }
        } else if !part.bytes().all(is_identifier_char) {
            return Err(Error::msg("invalid prerelease string"));
        }
    }
    Ok(())
}

fn validate_metadata(metadata: &str) -> Result<(), Error> {
    for part in metadata.split('.') {
        if part.is_empty() || !part.bytes().all(is_identifier_char) {
            return Err(Error::msg("invalid metadata string"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Constraints
// ---------------------------------------------------------------------------

/// `semver.Constraints`: OR groups of AND-ed constraints.
struct Constraints {
    groups: Vec<Group>,
}

struct Group {
    constraints: Vec<Constraint>,
    /// A constraint of the group names a prerelease, so the whole group
    /// considers prerelease versions.
    has_pre: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    TildeOrEqual,
    NotEqual,
    GreaterThan,
    LessThan,
    GreaterThanEqual,
    LessThanEqual,
    Tilde,
    Caret,
}

impl Op {
    fn parse(op: &str) -> Op {
        match op {
            "!=" => Op::NotEqual,
            ">" => Op::GreaterThan,
            "<" => Op::LessThan,
            ">=" | "=>" => Op::GreaterThanEqual,
            "<=" | "=<" => Op::LessThanEqual,
            "~" | "~>" => Op::Tilde,
            "^" => Op::Caret,
            _ => Op::TildeOrEqual,
        }
    }
}

/// One constraint: the operator, its version with wildcards zeroed, and which
/// segments were wildcards or left out.
struct Constraint {
    op: Op,
    con: Version,
    dirty: bool,
    minor_dirty: bool,
    patch_dirty: bool,
}

impl Constraints {
    /// `NewConstraint`.
    fn parse(c: &str) -> Result<Constraints, Error> {
        let c = rewrite_ranges(c);
        let mut groups = Vec::new();
        for segment in c.split("||") {
            if !VALID_GROUP.is_match(segment) {
                return Err(Error::msg(format!(
                    "improper constraint: {}",
                    quote(segment)
                )));
            }
            let mut found: Vec<&str> = FIND_CONSTRAINT
                .find_iter(segment)
                .map(|m| m.as_str())
                .collect();
            if found.is_empty() {
                found.push(segment);
            }
            let constraints = found
                .into_iter()
                .map(Constraint::parse)
                .collect::<Result<Vec<_>, _>>()?;
            let has_pre = constraints.iter().any(|c| !c.con.pre.is_empty());
            groups.push(Group {
                constraints,
                has_pre,
            });
        }
        Ok(Constraints { groups })
    }

    /// `Check`: some group whose constraints all hold.
    fn check(&self, v: &Version) -> bool {
        self.groups
            .iter()
            .any(|g| g.constraints.iter().all(|c| c.check(v, g.has_pre)))
    }
}

/// Helm's `IsCompatibleRange`: whether `version` satisfies `constraint`; either
/// failing to parse means no.
pub fn is_compatible_range(constraint: &str, version: &str) -> bool {
    match (Constraints::parse(constraint), Version::parse(version)) {
        (Ok(c), Ok(v)) => c.check(&v),
        _ => false,
    }
}

/// Rewrites each hyphen range `A - B` into `>= A, <= B `, replacing the first
/// occurrence of the matched text as the library does.
fn rewrite_ranges(c: &str) -> String {
    let mut out = c.to_string();
    for m in RANGE.captures_iter(c) {
        let whole = m.get(0).map_or("", |g| g.as_str());
        let low = m.get(1).map_or("", |g| g.as_str());
        let high = m.get(11).map_or("", |g| g.as_str());
        out = out.replacen(whole, &format!(">= {low}, <= {high} "), 1);
    }
    out
}

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "X" | "*")
}

impl Constraint {
    /// `parseConstraint`.
    fn parse(c: &str) -> Result<Constraint, Error> {
        if c.is_empty() {
            // Unreachable through `NewConstraint` (an empty group is improper),
            // kept for parity: it means any version.
            return Ok(Constraint {
                op: Op::TildeOrEqual,
                con: Version::default(),
                dirty: true,
                minor_dirty: false,
                patch_dirty: false,
            });
        }
        let m = CONSTRAINT
            .captures(c)
            .ok_or_else(|| Error::msg(format!("improper constraint: {}", quote(c))))?;
        let group = |i: usize| m.get(i).map_or("", |g| g.as_str());
        let (major, minor, patch, pre) = (group(3), group(4), group(5), group(6));
        let (mut dirty, mut minor_dirty, mut patch_dirty) = (false, false, false);
        let text = if is_x(major) || major.is_empty() {
            dirty = true;
            format!("0.0.0{pre}")
        } else if is_x(minor.trim_start_matches('.')) || minor.is_empty() {
            dirty = true;
            minor_dirty = true;
            format!("{major}.0.0{pre}")
        } else if is_x(patch.trim_start_matches('.')) || patch.is_empty() {
            dirty = true;
            patch_dirty = true;
            format!("{major}{minor}.0{pre}")
        } else {
            group(2).to_string()
        };
        let con = Version::parse(&text).map_err(|_| Error::msg("constraint parser error"))?;
        Ok(Constraint {
            op: Op::parse(group(1)),
            con,
            dirty,
            minor_dirty,
            patch_dirty,
        })
    }

    fn check(&self, v: &Version, include_pre: bool) -> bool {
        // Prerelease versions only satisfy groups that ask for prereleases.
        if !v.pre.is_empty() && !include_pre {
            return false;
        }
        match self.op {
            Op::TildeOrEqual if self.dirty => self.tilde(v),
            Op::TildeOrEqual => v.compare(&self.con) == 0,
            Op::NotEqual => self.not_equal(v),
            Op::GreaterThan => self.greater_than(v),
            Op::LessThan => v.compare(&self.con) < 0,
            Op::GreaterThanEqual => v.compare(&self.con) >= 0,
            Op::LessThanEqual => self.less_than_equal(v),
            Op::Tilde => self.tilde(v),
            Op::Caret => self.caret(v),
        }
    }

    fn not_equal(&self, v: &Version) -> bool {
        let c = &self.con;
        if self.dirty {
            if c.major != v.major {
                return true;
            }
            if c.minor != v.minor && !self.minor_dirty {
                return true;
            } else if self.minor_dirty {
                return false;
            } else if c.patch != v.patch && !self.patch_dirty {
                return true;
            } else if self.patch_dirty {
                return (!v.pre.is_empty() || !c.pre.is_empty())
                    && compare_prerelease(&v.pre, &c.pre) != 0;
            }
        }
        v.compare(c) != 0
    }

    fn greater_than(&self, v: &Version) -> bool {
        let c = &self.con;
        if !self.dirty {
            return v.compare(c) == 1;
        }
        if v.major > c.major {
            true
        } else if v.major < c.major || self.minor_dirty {
            // `>1` needs the next major.
            false
        } else if self.patch_dirty {
            // `>1.2` needs the next minor.
            v.minor > c.minor
        } else {
            v.compare(c) == 1
        }
    }

    fn less_than_equal(&self, v: &Version) -> bool {
        let c = &self.con;
        if !self.dirty {
            return v.compare(c) <= 0;
        }
        !(v.major > c.major || (v.major == c.major && v.minor > c.minor && !self.minor_dirty))
    }

    fn tilde(&self, v: &Version) -> bool {
        let c = &self.con;
        if v.compare(c) < 0 {
            return false;
        }
        // `~0.0.0` (and `~*`) accepts everything.
        if c.major == 0 && c.minor == 0 && c.patch == 0 && !self.minor_dirty && !self.patch_dirty {
            return true;
        }
        v.major == c.major && (v.minor == c.minor || self.minor_dirty)
    }

    fn caret(&self, v: &Version) -> bool {
        let c = &self.con;
        if v.compare(c) < 0 {
            return false;
        }
        if c.major > 0 || self.minor_dirty {
            return v.major == c.major;
        }
        if v.major > 0 {
            return false;
        }
        if c.minor > 0 || self.patch_dirty {
            return v.minor == c.minor;
        }
        if v.minor > 0 {
            return false;
        }
        c.patch == v.patch
    }
}

// ---------------------------------------------------------------------------
// The template object
// ---------------------------------------------------------------------------

/// A `*semver.Version` (what `semver` returns) or a `semver.Version` (what
/// `IncMajor` and friends return). A `semver.Version` reached as a method
/// result is not addressable, so templates see only its value-receiver methods.
struct VersionObject {
    version: Version,
    pointer: bool,
}

const POINTER_TYPE: &str = "*semver.Version";

impl Object for VersionObject {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed(if self.pointer {
            POINTER_TYPE
        } else {
            "semver.Version"
        })
    }

    fn kind(&self) -> &'static str {
        if self.pointer { "ptr" } else { "struct" }
    }

    /// The struct's fields are all unexported.
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }

    fn method(&self, name: &str) -> Option<Func> {
        let v = self.version.clone();
        let func = match name {
            "String" => getter(Value::str(&v.string())),
            "Major" => getter(Value::Uint(v.major, UintType::Uint64)),
            "Minor" => getter(Value::Uint(v.minor, UintType::Uint64)),
            "Patch" => getter(Value::Uint(v.patch, UintType::Uint64)),
            "Prerelease" => getter(Value::str(&v.pre)),
            "Metadata" => getter(Value::str(&v.metadata)),
            // `Value()` returns a driver.Value holding the string.
            "Value" => getter(Value::str(&v.string())),
            "IncPatch" => Func::pure(&[], None, move |_| Ok(v.inc_patch()?.into_value(false))),
            "IncMinor" => Func::pure(&[], None, move |_| Ok(v.inc_minor()?.into_value(false))),
            "IncMajor" => Func::pure(&[], None, move |_| Ok(v.inc_major()?.into_value(false))),
            "SetPrerelease" => Func::pure(&[Param::String], None, move |args| {
                Ok(v.set_prerelease(text(&args[0]))?.into_value(false))
            }),
            "SetMetadata" => Func::pure(&[Param::String], None, move |args| {
                Ok(v.set_metadata(text(&args[0]))?.into_value(false))
            }),
            _ if !self.pointer => return None,
            "Original" => getter(Value::str(&v.original)),
            "Compare" => comparison(v, |o, v| Value::int(v.compare(o))),
            "LessThan" => comparison(v, |o, v| Value::Bool(v.compare(o) < 0)),
            "LessThanEqual" => comparison(v, |o, v| Value::Bool(v.compare(o) <= 0)),
            "GreaterThan" => comparison(v, |o, v| Value::Bool(v.compare(o) > 0)),
            "GreaterThanEqual" => comparison(v, |o, v| Value::Bool(v.compare(o) >= 0)),
            "Equal" => Func::pure(&[Param::Object(POINTER_TYPE)], None, move |args| {
                // Equal checks for nil before comparing, so nil is just unequal.
                Ok(Value::Bool(match version_arg(&args[0])? {
                    Some(o) => v.compare(&o) == 0,
                    None => false,
                }))
            }),
            _ => return None,
        };
        Some(func)
    }

    /// A Version prints through its `String` method.
    fn format_v(&self) -> String {
        self.version.string()
    }
}

fn getter(value: Value) -> Func {
    Func::pure(&[], None, move |_| Ok(value.clone()))
}

/// A method taking another `*Version`; a nil one is dereferenced, which Go
/// reports as a recovered nil-pointer panic.
fn comparison(v: Version, compute: fn(&Version, &Version) -> Value) -> Func {
    Func::pure(
        &[Param::Object(POINTER_TYPE)],
        None,
        move |args| match version_arg(&args[0])? {
            Some(o) => Ok(compute(&o, &v)),
            None => Err(Error::msg(
                "runtime error: invalid memory address or nil pointer dereference",
            )),
        },
    )
}

/// A `*semver.Version` argument, `None` for nil. Objects don't expose their
/// Rust type, so the version is read back from its canonical text, which
/// parses to the same numbers and identifiers (only `Original` is lost, and
/// no method taking a version reads that).
fn version_arg(value: &Value) -> Result<Option<Version>, Error> {
    match value {
        Value::Nil => Ok(None),
        Value::Object(o) if o.type_name() == POINTER_TYPE => {
            Version::parse(&o.format_v()).map(Some)
        }
        other => Err(Error::msg(format!(
            "wrong type for value; expected {POINTER_TYPE}; got {}",
            other.type_name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(c: &str, v: &str) -> bool {
        let c = Constraints::parse(c).map_err(|e| e.to_string());
        let v = Version::parse(v).map_err(|e| e.to_string());
        match (c, v) {
            (Ok(c), Ok(v)) => c.check(&v),
            (c, v) => panic!("{:?} {:?}", c.err(), v.err()),
        }
    }

    #[test]
    fn expressions_compile() {
        for re in [
            &*LOOSE_VERSION,
            &*CONSTRAINT,
            &*RANGE,
            &*FIND_CONSTRAINT,
            &*VALID_GROUP,
        ] {
            assert!(!re.is_match(""), "{re}");
        }
    }

    #[test]
    fn compatible_ranges() {
        assert!(is_compatible_range("^1.2.0", "1.4.0"));
        assert!(!is_compatible_range("~1.2.0", "1.4.0"));
        assert!(!is_compatible_range("not a range", "1.4.0"));
        assert!(!is_compatible_range("1.x", "banana"));
    }

    #[test]
    fn kube_version_pattern() {
        assert!(check(">=1.21-0", "v1.36.0"));
        assert!(check(">=1.21-0", "v1.22.3-gke.100"));
        assert!(!check(">=1.21", "v1.22.3-gke.100"));
        assert!(check("1.2 - 1.4.5", "1.4.5"));
        assert!(!check("1.2 - 1.4.5", "1.4.6"));
    }
}
