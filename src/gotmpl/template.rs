//! A set of associated templates (Go's `*template.Template` and its common set):
//! parse texts into it, look templates up by name, execute them.

use std::collections::HashMap;
use std::sync::Arc;

use super::ast::Tree;
use super::builtins;
use super::error::Error;
use super::exec::{self, Val};
use super::func::FuncMap;
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
}

/// Templates that can call each other, with the functions they may use. Parsed
/// trees are shared: cloning a set (as Helm's `tpl` does) copies only pointers.
#[derive(Clone)]
pub struct Template {
    name: Arc<str>,
    trees: HashMap<String, Arc<Tree>>,
    funcs: Arc<FuncMap>,
    options: Options,
}

impl Template {
    /// An empty set whose own name is `name` (Go's `template.New(name)`).
    pub fn new(name: &str) -> Template {
        Template {
            name: Arc::from(name),
            trees: HashMap::new(),
            funcs: Arc::new(FuncMap::new()),
            options: Options::default(),
        }
    }

    /// Adds functions; later ones replace earlier ones of the same name.
    pub fn with_funcs(mut self, funcs: FuncMap) -> Template {
        Arc::make_mut(&mut self.funcs).extend(funcs);
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
        let funcs = &self.funcs;
        let has_function =
            |f: &str| funcs.contains_key(f) || builtins::NAMES.contains(&f);
        let trees = parse::parse(name, text, &has_function)?;
        for tree in trees {
            let keep_old = tree.is_empty() && self.trees.contains_key(&tree.name);
            if !keep_old {
                self.trees.insert(tree.name.clone(), Arc::new(tree));
            }
        }
        Ok(())
    }

    /// Whether a template of this name is defined.
    pub fn has(&self, name: &str) -> bool {
        self.trees.contains_key(name)
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
            return Err(Error::msg(format!(
                "template: no template {} associated with template {}",
                super::fmt::quote(name),
                super::fmt::quote(&self.name)
            )));
        };
        exec::execute(self, tree, Val::new(data.clone()), out)
    }

    pub(crate) fn tree(&self, name: &str) -> Option<&Tree> {
        self.trees.get(name).map(|t| t.as_ref())
    }

    pub(crate) fn funcs(&self) -> &FuncMap {
        &self.funcs
    }

    pub(crate) fn options(&self) -> Options {
        self.options
    }
}
