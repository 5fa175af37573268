//! A set of associated templates (Go's `*template.Template` and its common set):
//! parse texts into it, look templates up by name, execute them.

use std::collections::HashMap;
use std::sync::Arc;

use super::ast::Tree;
use super::builtins::{self, Builtin};
use super::error::Error;
use super::exec::{self, Val};
use super::func::{Func, FuncMap};
use super::parse;
use super::value::Value;

/// What a missing map key yields (Go's `missingkey` option).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissingKey {
    /// Go's default: no value, printed as `<no value>`.
    #[default]
    Invalid,
    /// The element type's zero value (a nil interface for Helm's values); Helm's
    /// default mode.
    Zero,
    /// An error naming the key; Helm's `--strict`.
    Error,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    pub missing_key: MissingKey,
    /// Stops an execution (nested `include`s and `tpl`s included) after this many
    /// actions and commands. Go has no such limit, so it is off by default; it
    /// lets a caller bound a runaway template such as `{{range 999999999}}`.
    pub step_limit: Option<u64>,
}

/// The templates one text defines, parsed but not yet in a set.
#[derive(Debug)]
pub struct Parsed(Vec<Tree>);

/// Templates that can call each other, with the functions they may use. Parsed
/// trees are shared: cloning a set (as Helm's `tpl` does on every call) copies
/// one pointer to them, and what the copy then parses is kept beside them.
#[derive(Clone)]
pub struct Template {
    name: Arc<str>,
    trees: Arc<HashMap<String, Arc<Tree>>>,
    /// Templates added while `trees` is shared with another set, consulted
    /// first; a later definition replaces an earlier one of either map.
    added: HashMap<String, Arc<Tree>>,
    funcs: Arc<FuncMap>,
    /// A large function map shared by many sets (Helm's library), consulted after
    /// `funcs`; shared rather than copied so that making a set stays cheap.
    library: Arc<FuncMap>,
    /// The built-ins that an added function of the same name replaces.
    shadowed: Vec<Builtin>,
    options: Options,
}

impl Template {
    /// An empty set whose own name is `name` (Go's `template.New(name)`).
    pub fn new(name: &str) -> Template {
        Template {
            name: Arc::from(name),
            trees: Arc::new(HashMap::new()),
            added: HashMap::new(),
            funcs: Arc::new(FuncMap::default()),
            library: Arc::new(FuncMap::default()),
            shadowed: Vec::new(),
            options: Options::default(),
        }
    }

    /// Adds functions; later ones replace earlier ones of the same name.
    /// Uses a shared function map under this set's own functions.
    pub fn with_library(mut self, library: Arc<FuncMap>) -> Template {
        self.library = library;
        self.find_shadowed();
        self
    }

    pub fn with_funcs(mut self, funcs: FuncMap) -> Template {
        Arc::make_mut(&mut self.funcs).extend(funcs);
        self.find_shadowed();
        self
    }

    pub fn with_options(mut self, options: Options) -> Template {
        self.options = options;
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Parses `text` as the template `name` (Go's `t.New(name).Parse(text)`),
    /// adding every template it defines. A later definition replaces an earlier
    /// one, unless the later one is empty.
    pub fn parse(&mut self, name: &str, text: &str) -> Result<(), Error> {
        let parsed = self.parse_apart(name, text)?;
        self.add(parsed);
        Ok(())
    }

    /// Parses `text` as the template `name` without adding it to the set, so
    /// texts can be parsed side by side and then [added](Template::add) in
    /// order with the same result as [`Template::parse`] one after another:
    /// parsing depends on the set's functions, never on its templates.
    pub fn parse_apart(&self, name: &str, text: &str) -> Result<Parsed, Error> {
        let has_function = |f: &str| self.func(f).is_some() || builtins::NAMES.contains(&f);
        Ok(Parsed(parse::parse(name, text, &has_function)?))
    }

    /// Adds what [`Template::parse_apart`] parsed: a later definition
    /// replaces an earlier one, unless the later one is empty.
    pub fn add(&mut self, parsed: Parsed) {
        for tree in parsed.0 {
            if tree.is_empty() && self.has(&tree.name) {
                continue;
            }
            let name = tree.name.clone();
            match Arc::get_mut(&mut self.trees) {
                Some(own) => {
                    self.added.remove(&name);
                    own.insert(name, Arc::new(tree))
                }
                None => self.added.insert(name, Arc::new(tree)),
            };
        }
    }

    /// Whether a template of this name is defined.
    pub fn has(&self, name: &str) -> bool {
        self.added.contains_key(name) || self.trees.contains_key(name)
    }

    /// Runs the named template with `data` as dot (Go's `ExecuteTemplate`).
    pub fn execute(&self, name: &str, data: &Value) -> Result<String, Error> {
        let mut out = String::new();
        self.execute_into(name, data, &mut out)?;
        Ok(out)
    }

    /// Like [`Template::execute`], appending to `out`. On error, `out` holds what
    /// was written before it, as Go's writer does.
    pub fn execute_into(&self, name: &str, data: &Value, out: &mut String) -> Result<(), Error> {
        let Some(tree) = self.tree(name) else {
            return Err(self.no_template(name));
        };
        // A file's output is usually about as long as its text, or longer.
        out.reserve(tree.text.len());
        let budget = exec::Budget::new(self.options.step_limit);
        exec::execute(self, tree, Val::new(data.clone()), out, &budget)
    }

    /// Runs a template as part of an execution that is already under way, sharing
    /// its step budget.
    pub(crate) fn execute_nested(
        &self,
        name: &str,
        data: &Value,
        budget: &exec::Budget,
    ) -> Result<String, Error> {
        let Some(tree) = self.tree(name) else {
            return Err(self.no_template(name));
        };
        let mut out = String::new();
        exec::execute(self, tree, Val::new(data.clone()), &mut out, budget)?;
        Ok(out)
    }

    fn no_template(&self, name: &str) -> Error {
        Error::msg(format!(
            "template: no template {} associated with template {}",
            super::fmt::quote(name),
            super::fmt::quote(&self.name)
        ))
    }

    pub(crate) fn tree(&self, name: &str) -> Option<&Tree> {
        self.added
            .get(name)
            .or_else(|| self.trees.get(name))
            .map(|t| t.as_ref())
    }

    fn find_shadowed(&mut self) {
        self.shadowed = builtins::NAMES
            .iter()
            .filter(|name| self.func(name).is_some())
            .filter_map(|name| Builtin::lookup(name))
            .collect();
    }

    /// Whether an added function replaces this built-in.
    pub(crate) fn shadows(&self, builtin: Builtin) -> bool {
        self.shadowed.contains(&builtin)
    }

    /// A function by name: the set's own first, then the shared library.
    pub(crate) fn func(&self, name: &str) -> Option<&Func> {
        self.funcs.get(name).or_else(|| self.library.get(name))
    }

    pub(crate) fn options(&self) -> Options {
        self.options
    }
}

#[cfg(test)]
mod tests {
    //! Behaviour Helm's mode hides (Go's default `missingkey`, Go's own `slice`,
    //! which Sprig replaces in Helm) is checked here against Go's documented rules;
    //! everything Helm shows is covered by the conformance goldens.

    use super::*;
    use crate::gotmpl::{Func, MAX_EXEC_DEPTH, Param};

    fn data() -> Value {
        Value::from_json(
            &serde_json::json!({"a": 1, "l": [1, 2, 3], "s": "hello", "m": {"k": "v"}}),
        )
    }

    fn run_with(options: Options, text: &str) -> Result<String, Error> {
        let mut t = Template::new("t").with_options(options);
        t.parse("t", text)?;
        t.execute("t", &data())
    }

    fn run(text: &str) -> Result<String, Error> {
        run_with(Options::default(), text)
    }

    #[test]
    fn go_default_prints_no_value_for_missing_keys() {
        assert_eq!(run("{{.nope}}").unwrap(), "<no value>");
        // Under Go's default, a field of a missing value is no value, not an error.
        assert_eq!(run("{{.nope.deeper}}").unwrap(), "<no value>");
        assert_eq!(run("{{$x := .nope}}{{$x.y}}").unwrap(), "<no value>");
    }

    #[test]
    fn missingkey_error_names_the_key() {
        let options = Options {
            missing_key: MissingKey::Error,
            ..Options::default()
        };
        let err = run_with(options, "{{.nope}}").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"template: t:1:2: executing "t" at <.nope>: map has no entry for key "nope""#
        );
    }

    #[test]
    fn go_slice_builtin() {
        assert_eq!(run(r#"{{slice "hello" 1 3}}"#).unwrap(), "el");
        assert_eq!(run("{{slice .l 1}}").unwrap(), "[2 3]");
        assert_eq!(run("{{slice .l}}").unwrap(), "[1 2 3]");
        let err = run("{{slice .l 2 1}}").unwrap_err();
        assert!(
            err.to_string()
                .ends_with("error calling slice: invalid slice index: 2 > 1")
        );
        let err = run(r#"{{slice "abc" 0 1 2}}"#).unwrap_err();
        assert!(err.to_string().ends_with("cannot 3-index slice a string"));
    }

    #[test]
    fn later_definitions_replace_earlier_unless_empty() {
        let mut t = Template::new("set");
        t.parse("a", r#"{{define "x"}}first{{end}}"#).unwrap();
        t.parse("b", r#"{{define "x"}}second{{end}}"#).unwrap();
        t.parse("c", r#"{{define "x"}}  {{end}}"#).unwrap();
        assert_eq!(t.execute("x", &Value::Nil).unwrap(), "second");
    }

    /// A copy (what `tpl` parses into) shares the original's templates; what
    /// it defines stays in the copy and follows the same replacement rules.
    #[test]
    fn a_copy_keeps_its_own_definitions() {
        let mut t = Template::new("set");
        t.parse(
            "a",
            r#"{{define "x"}}original{{end}}{{define "y"}}y{{end}}"#,
        )
        .unwrap();
        let mut copy = t.clone();
        copy.parse(
            "b",
            r#"{{define "x"}}copy{{end}}{{template "x"}}-{{template "y"}}"#,
        )
        .unwrap();
        assert_eq!(copy.execute("b", &Value::Nil).unwrap(), "copy-y");
        copy.parse("c", r#"{{define "x"}} {{end}}"#).unwrap();
        assert_eq!(copy.execute("x", &Value::Nil).unwrap(), "copy");
        assert_eq!(t.execute("x", &Value::Nil).unwrap(), "original");
        assert!(!t.has("b"));
        // Once the copy is alone, a later definition still wins over `added`.
        drop(t);
        copy.parse("d", r#"{{define "x"}}last{{end}}"#).unwrap();
        assert_eq!(copy.execute("x", &Value::Nil).unwrap(), "last");
    }

    #[test]
    fn two_definitions_in_one_text_are_an_error() {
        let mut t = Template::new("set");
        let err = t
            .parse("a", r#"{{define "x"}}1{{end}}{{define "x"}}2{{end}}"#)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"template: a:1: template: multiple definition of template "x""#
        );
    }

    #[test]
    fn runaway_recursion_stops_at_go_depth_limit() {
        let err = run(r#"{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}"#).unwrap_err();
        assert!(
            err.to_string().ends_with(&format!(
                "exceeded maximum template depth ({MAX_EXEC_DEPTH})"
            )),
            "{err}"
        );
    }

    #[test]
    fn step_limit_stops_long_loops() {
        let options = Options {
            step_limit: Some(1000),
            ..Options::default()
        };
        let err = run_with(options, "{{range 1000000}}x{{end}}").unwrap_err();
        assert!(
            err.to_string()
                .contains("execution stopped after 1000 steps"),
            "{err}"
        );
        // The same template without a limit runs to the end.
        assert_eq!(run("{{range 3}}x{{end}}").unwrap(), "xxx");
    }

    #[test]
    fn functions_can_run_templates_of_the_set() {
        let call = Func::new(&[Param::String, Param::Any], None, |ctx, args| {
            let name = args[0].as_str().unwrap_or_default().to_string();
            ctx.execute_template(&name, args[1].clone())
                .map(Value::from)
        });
        let mut t = Template::new("t").with_funcs(FuncMap::from_iter([("run".to_string(), call)]));
        t.parse(
            "t",
            r#"{{define "x"}}[{{.}}]{{end}}{{run "x" .s | printf "%s!"}}"#,
        )
        .unwrap();
        assert_eq!(t.execute("t", &data()).unwrap(), "[hello]!");
    }

    #[test]
    fn unknown_template_names_the_set() {
        let t = Template::new("root");
        let err = t.execute("nope", &Value::Nil).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"template: no template "nope" associated with template "root""#
        );
    }
}
