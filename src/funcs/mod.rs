//! The functions Helm registers for templates besides Go's built-ins: Sprig's
//! library and Helm's own, one file per family. Helm's engine-bound functions
//! (`include`, `tpl`, `required`, `fail`) live in `render`, which owns the
//! running template set.

mod cast;
mod crypto;
pub(crate) mod data;
mod dates;
mod defaults;
mod dicts;
mod encoding;
mod lists;
mod math;
mod paths;
mod regex;
pub(crate) mod semver;
mod strings;
mod types;
pub(crate) mod url;

use crate::gotmpl::FuncMap;

pub(crate) use dates::format_parsed_time;

/// Every function of this library, by template name.
pub fn registry() -> FuncMap {
    let mut funcs = FuncMap::default();
    strings::register(&mut funcs);
    regex::register(&mut funcs);
    lists::register(&mut funcs);
    dicts::register(&mut funcs);
    defaults::register(&mut funcs);
    types::register(&mut funcs);
    math::register(&mut funcs);
    data::register(&mut funcs);
    encoding::register(&mut funcs);
    dates::register(&mut funcs);
    semver::register(&mut funcs);
    crypto::register(&mut funcs);
    paths::register(&mut funcs);
    funcs
}

/// A `string` argument: the engine has checked its type against the signature,
/// so anything else can only be nil, which Go passes as "".
fn str_arg(value: &crate::gotmpl::Value) -> &str {
    value.as_str().unwrap_or_default()
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
        Value::Object(o) => o.kind().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::registry;

    /// Every function Helm v4.2.3 offers templates: Sprig v3's `TxtFuncMap` less
    /// `env`/`expandenv`, plus Helm's own from `pkg/engine/funcs.go` and
    /// `engine.go`. (Helm's main branch adds duration helpers; v4.2.3 has none.)
    const HELM_FUNCTIONS: &[&str] = &[
        "abbrev",
        "abbrevboth",
        "add",
        "add1",
        "add1f",
        "addf",
        "adler32sum",
        "ago",
        "all",
        "any",
        "append",
        "atoi",
        "b32dec",
        "b32enc",
        "b64dec",
        "b64enc",
        "base",
        "bcrypt",
        "biggest",
        "buildCustomCert",
        "camelcase",
        "cat",
        "ceil",
        "chunk",
        "clean",
        "coalesce",
        "compact",
        "concat",
        "contains",
        "date",
        "dateInZone",
        "dateModify",
        "date_in_zone",
        "date_modify",
        "decryptAES",
        "deepCopy",
        "deepEqual",
        "default",
        "derivePassword",
        "dict",
        "dig",
        "dir",
        "div",
        "divf",
        "duration",
        "durationRound",
        "empty",
        "encryptAES",
        "ext",
        "fail",
        "first",
        "float64",
        "floor",
        "fromJson",
        "fromJsonArray",
        "fromToml",
        "fromYaml",
        "fromYamlArray",
        "genCA",
        "genCAWithKey",
        "genPrivateKey",
        "genSelfSignedCert",
        "genSelfSignedCertWithKey",
        "genSignedCert",
        "genSignedCertWithKey",
        "get",
        "getHostByName",
        "has",
        "hasKey",
        "hasPrefix",
        "hasSuffix",
        "hello",
        "htmlDate",
        "htmlDateInZone",
        "htpasswd",
        "include",
        "indent",
        "initial",
        "initials",
        "int",
        "int64",
        "isAbs",
        "join",
        "kebabcase",
        "keys",
        "kindIs",
        "kindOf",
        "last",
        "list",
        "lookup",
        "lower",
        "max",
        "maxf",
        "merge",
        "mergeOverwrite",
        "min",
        "minf",
        "mod",
        "mul",
        "mulf",
        "mustAppend",
        "mustChunk",
        "mustCompact",
        "mustDateModify",
        "mustDeepCopy",
        "mustFirst",
        "mustFromJson",
        "mustHas",
        "mustInitial",
        "mustLast",
        "mustMerge",
        "mustMergeOverwrite",
        "mustPrepend",
        "mustPush",
        "mustRegexFind",
        "mustRegexFindAll",
        "mustRegexMatch",
        "mustRegexReplaceAll",
        "mustRegexReplaceAllLiteral",
        "mustRegexSplit",
        "mustRest",
        "mustReverse",
        "mustSlice",
        "mustToDate",
        "mustToJson",
        "mustToPrettyJson",
        "mustToRawJson",
        "mustToToml",
        "mustToYaml",
        "mustUniq",
        "mustWithout",
        "must_date_modify",
        "nindent",
        "nospace",
        "now",
        "omit",
        "osBase",
        "osClean",
        "osDir",
        "osExt",
        "osIsAbs",
        "pick",
        "pluck",
        "plural",
        "prepend",
        "push",
        "quote",
        "randAlpha",
        "randAlphaNum",
        "randAscii",
        "randBytes",
        "randInt",
        "randNumeric",
        "regexFind",
        "regexFindAll",
        "regexMatch",
        "regexQuoteMeta",
        "regexReplaceAll",
        "regexReplaceAllLiteral",
        "regexSplit",
        "repeat",
        "replace",
        "required",
        "rest",
        "reverse",
        "round",
        "semver",
        "semverCompare",
        "seq",
        "set",
        "sha1sum",
        "sha256sum",
        "sha512sum",
        "shuffle",
        "slice",
        "snakecase",
        "sortAlpha",
        "split",
        "splitList",
        "splitn",
        "squote",
        "sub",
        "subf",
        "substr",
        "swapcase",
        "ternary",
        "title",
        "toDate",
        "toDecimal",
        "toJson",
        "toPrettyJson",
        "toRawJson",
        "toString",
        "toStrings",
        "toToml",
        "toYaml",
        "toYamlPretty",
        "tpl",
        "trim",
        "trimAll",
        "trimPrefix",
        "trimSuffix",
        "trimall",
        "trunc",
        "tuple",
        "typeIs",
        "typeIsLike",
        "typeOf",
        "uniq",
        "unixEpoch",
        "unset",
        "until",
        "untilStep",
        "untitle",
        "upper",
        "urlJoin",
        "urlParse",
        "uuidv4",
        "values",
        "without",
        "wrap",
        "wrapWith",
    ];

    /// Helm's functions bound to the running template set, registered by `render`.
    const ENGINE_FUNCTIONS: &[&str] = &["include", "tpl", "required", "fail"];

    /// Not written yet (none: every function Helm offers is registered).
    const NOT_YET: &[&str] = &[];

    #[test]
    fn every_helm_function_is_registered_or_listed_as_not_yet() {
        let funcs = registry();
        let missing: Vec<_> = HELM_FUNCTIONS
            .iter()
            .filter(|n| !funcs.contains_key(**n))
            .filter(|n| !ENGINE_FUNCTIONS.contains(n) && !NOT_YET.contains(n))
            .collect();
        assert!(missing.is_empty(), "not registered: {missing:?}");
        let done: Vec<_> = NOT_YET.iter().filter(|n| funcs.contains_key(**n)).collect();
        assert!(
            done.is_empty(),
            "registered, so remove from NOT_YET: {done:?}"
        );
        let unknown: Vec<_> = funcs
            .keys()
            .filter(|n| !HELM_FUNCTIONS.contains(&n.as_str()))
            .collect();
        assert!(unknown.is_empty(), "not a Helm function: {unknown:?}");
    }
}
