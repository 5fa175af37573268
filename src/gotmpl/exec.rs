//! The executor: walks parse trees over data the way Go's text/template does,
//! with Go's truthiness, field and map rules, function-call checks and errors.
//!
//! Go works on `reflect.Value`s, which can be invalid ("no value"), or hold a value
//! in a slot of static type `interface {}` (a map or slice element). The difference
//! shows in output and errors (`nil pointer evaluating interface {}.x`), so the
//! executor carries that bit along with each value: see [`Val`].

use super::ast::{Arg, Branch, Command, List, Node, Number, Pipe, Tree};
use super::builtins::{self, Builtin};
use super::error::Error;
use super::func::{Context, Func, Param};
use super::template::{MissingKey, Template};
use super::value::{ElemType, IntType, Value};

/// Go's limit on nested `{{template}}` calls.
pub const MAX_EXEC_DEPTH: usize = 100_000;

/// How many more steps an execution may take, shared with the executions it
/// starts (`include`, `tpl`).
pub(crate) struct Budget {
    limit: Option<u64>,
    used: std::cell::Cell<u64>,
}

impl Budget {
    pub fn new(limit: Option<u64>) -> Budget {
        Budget {
            limit,
            used: std::cell::Cell::new(0),
        }
    }

    /// Counts one step; false once the limit is passed.
    fn step(&self) -> bool {
        let used = self.used.get() + 1;
        self.used.set(used);
        self.limit.is_none_or(|limit| used <= limit)
    }
}

/// A value as Go's executor holds it.
#[derive(Clone, Debug)]
pub(crate) struct Val {
    pub v: Value,
    /// Held in a slot of static type `interface {}`. A boxed nil is a nil interface
    /// (an error to take a field of); an unboxed nil is Go's invalid value.
    pub boxed: bool,
}

impl Val {
    pub fn new(v: Value) -> Val {
        Val { v, boxed: false }
    }

    pub fn boxed(v: Value) -> Val {
        Val { v, boxed: true }
    }

    pub fn invalid() -> Val {
        Val::new(Value::Nil)
    }

    pub fn is_invalid(&self) -> bool {
        !self.boxed && matches!(self.v, Value::Nil)
    }

    /// The static type name Go reports in errors.
    pub fn static_type(&self) -> String {
        if self.boxed {
            "interface {}".to_string()
        } else {
            self.v.type_name().into_owned()
        }
    }

    /// Go's unwrapping at the end of a pipeline command: the value without its
    /// interface slot (a nil interface becomes the invalid value).
    fn unboxed(self) -> Val {
        Val::new(self.v)
    }
}

impl std::borrow::Borrow<Value> for Val {
    fn borrow(&self) -> &Value {
        &self.v
    }
}

/// Control flow out of a walk: `break`, `continue`, or an error.
pub(crate) enum Flow {
    Break,
    Continue,
    Error(Error),
}

impl From<Error> for Flow {
    fn from(e: Error) -> Flow {
        Flow::Error(e)
    }
}

type R<T> = Result<T, Flow>;

/// The node Go's `state.at` last marked, for error locations.
#[derive(Clone, Copy)]
enum At<'t> {
    None,
    Node(&'t Node),
    Pipe(&'t Pipe),
    Cmd(&'t Command),
    Arg(&'t Arg),
}

impl At<'_> {
    fn context(&self) -> Option<(usize, String)> {
        match self {
            At::None => None,
            At::Node(n) => Some((node_pos(n), n.to_string())),
            At::Pipe(p) => Some((p.pos, p.to_string())),
            At::Cmd(c) => Some((c.pos, c.to_string())),
            At::Arg(a) => Some((a.pos(), a.to_string())),
        }
    }
}

fn node_pos(node: &Node) -> usize {
    match node {
        Node::Text { pos, .. }
        | Node::Action { pos, .. }
        | Node::Template { pos, .. }
        | Node::Break { pos }
        | Node::Continue { pos } => *pos,
        Node::If(b) | Node::Range(b) | Node::With(b) => b.pos,
    }
}

/// The argument type a parameter expects, including Go's `reflect.Value`
/// parameters of the built-ins (which see values exactly as they are).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArgType {
    /// No type: the receiver of a field chain.
    Untyped,
    Reflect,
    Go(Param),
}

/// What a function name resolves to.
enum Callee<'f> {
    Builtin(Builtin),
    Func(&'f Func),
}

/// A callee's parameters, borrowed: built-ins declare theirs statically, functions
/// carry theirs.
enum Signature<'f> {
    Builtin(&'static [ArgType], Option<ArgType>),
    Func(&'f [Param], Option<Param>),
}

impl Signature<'_> {
    fn fixed_len(&self) -> usize {
        match self {
            Signature::Builtin(fixed, _) => fixed.len(),
            Signature::Func(fixed, _) => fixed.len(),
        }
    }

    fn is_variadic(&self) -> bool {
        match self {
            Signature::Builtin(_, v) => v.is_some(),
            Signature::Func(_, v) => v.is_some(),
        }
    }

    fn fixed(&self, i: usize) -> ArgType {
        match self {
            Signature::Builtin(fixed, _) => fixed[i],
            Signature::Func(fixed, _) => ArgType::Go(fixed[i]),
        }
    }

    fn variadic(&self) -> ArgType {
        match self {
            Signature::Builtin(_, v) => v.unwrap_or(ArgType::Go(Param::Any)),
            Signature::Func(_, v) => ArgType::Go(v.unwrap_or(Param::Any)),
        }
    }
}

/// One execution of one template.
pub(crate) struct State<'t> {
    set: &'t Template,
    tree: &'t Tree,
    out: String,
    at: At<'t>,
    vars: Vec<(&'t str, Val)>,
    /// Where the running template's variables start: a `{{template}}` call sees
    /// only its own `$`, not its caller's variables.
    frame: usize,
    depth: usize,
    budget: &'t Budget,
    /// Argument buffers, reused across calls (calls nest, so there are several).
    spare_args: Vec<Vec<Val>>,
    spare_values: Vec<Vec<Value>>,
    /// A buffer for text that becomes a string value (`printf`'s result).
    spare_text: String,
}

/// Runs `tree` of `set` with `data` as dot, appending output to `out`.
pub(crate) fn execute(
    set: &Template,
    tree: &Tree,
    data: Val,
    out: &mut String,
    budget: &Budget,
) -> Result<(), Error> {
    let mut state = State {
        set,
        tree,
        out: std::mem::take(out),
        at: At::None,
        vars: vec![("$", data.clone())],
        frame: 0,
        depth: 0,
        budget,
        spare_args: Vec::new(),
        spare_values: Vec::new(),
        spare_text: String::new(),
    };
    // Functions such as `include` start executions from inside executions.
    let result = grow_stack(|| state.walk_list(&data, &tree.root));
    *out = state.out;
    match result {
        Ok(()) => Ok(()),
        Err(Flow::Error(e)) => Err(e),
        Err(Flow::Break | Flow::Continue) => Err(Error::msg("break or continue outside range")),
    }
}

/// Runs `f` with enough stack for one more level of recursion, growing the stack
/// on the heap when it runs low, so deeply nested templates can't overflow it.
/// Called only where execution recurses: control structures, template calls,
/// parenthesised pipelines and nested executions.
fn grow_stack<T>(f: impl FnOnce() -> T) -> T {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, f)
}

impl<'t> State<'t> {
    fn errorf(&self, message: impl Into<String>) -> Flow {
        Flow::Error(self.error_with(message.into(), None))
    }

    fn error_with(&self, message: String, source: Option<Error>) -> Error {
        let name = &self.tree.name;
        let full = match self.at.context() {
            None => format!("template: {name}: {message}"),
            Some((pos, context)) => format!(
                "template: {}: executing {} at <{}>: {}",
                self.tree.location(pos),
                super::fmt::quote(name),
                context,
                message
            ),
        };
        Error::exec(name, full, source)
    }

    fn walk_list(&mut self, dot: &Val, list: &'t List) -> R<()> {
        for node in &list.nodes {
            self.walk(dot, node)?;
        }
        Ok(())
    }

    fn walk(&mut self, dot: &Val, node: &'t Node) -> R<()> {
        match node {
            Node::If(_) | Node::Range(_) | Node::With(_) | Node::Template { .. } => {
                grow_stack(|| self.walk_node(dot, node))
            }
            _ => self.walk_node(dot, node),
        }
    }

    fn walk_node(&mut self, dot: &Val, node: &'t Node) -> R<()> {
        self.at = At::Node(node);
        self.step()?;
        match node {
            Node::Text { text, .. } => {
                self.out.push_str(text);
                Ok(())
            }
            Node::Action { pipe, .. } => {
                if self.print_field_in_place(dot, pipe)? {
                    return Ok(());
                }
                let val = self.eval_pipeline(dot, Some(pipe))?;
                if pipe.decl.is_empty() {
                    // Go prints through a pointer-receiver `String` method only for
                    // an addressable value: a field reached through a pointer, not
                    // what a function returned.
                    let addressable = pipe
                        .cmds
                        .last()
                        .is_some_and(|c| !matches!(c.args[0], Arg::Identifier { .. }));
                    self.print_value(node, &val, addressable);
                }
                Ok(())
            }
            Node::If(b) => self.walk_if_or_with(false, dot, b),
            Node::With(b) => self.walk_if_or_with(true, dot, b),
            Node::Range(b) => self.walk_range(dot, node, b),
            Node::Template { name, pipe, .. } => self.walk_template(dot, node, name, pipe.as_ref()),
            Node::Break { .. } => Err(Flow::Break),
            Node::Continue { .. } => Err(Flow::Continue),
        }
    }

    fn step(&self) -> R<()> {
        if self.budget.step() {
            return Ok(());
        }
        let limit = self.budget.limit.unwrap_or_default();
        Err(self.errorf(format!(
            "execution stopped after {limit} steps (the step limit)"
        )))
    }

    /// `{{ .a.b }}` or `{{ $x.a }}` printing a plain value found in maps: written
    /// straight from the map, without copying it out. False when the action is
    /// anything else, for the general path to handle.
    fn print_field_in_place(&mut self, dot: &Val, pipe: &'t Pipe) -> R<bool> {
        let [cmd] = pipe.cmds.as_slice() else {
            return Ok(false);
        };
        if !pipe.decl.is_empty() || cmd.args.len() != 1 {
            return Ok(false);
        }
        let frame_vars = &self.vars[self.frame..];
        let (receiver, idents) = match &cmd.args[0] {
            Arg::Field { idents, .. } => (dot, idents.as_slice()),
            Arg::Variable { idents, .. } if idents.len() > 1 => {
                match frame_vars.iter().rev().find(|(n, _)| *n == idents[0]) {
                    Some((_, v)) => (v, &idents[1..]),
                    None => return Ok(false),
                }
            }
            _ => return Ok(false),
        };
        let Value::Map(map) = &receiver.v else {
            return Ok(false);
        };
        let out = &mut self.out;
        let printed = with_path(map, idents, &mut |value| match value {
            Value::Str(text) => {
                out.push_str(text);
                true
            }
            Value::Bool(_) | Value::Int(..) | Value::Uint(..) | Value::Float(_) => {
                super::fmt::write_value(out, value);
                true
            }
            _ => false,
        });
        if printed == Some(true) {
            self.step()?;
        }
        Ok(printed == Some(true))
    }

    fn print_value(&mut self, node: &'t Node, val: &Val, addressable: bool) {
        self.at = At::Node(node);
        match &val.v {
            Value::Nil => self.out.push_str("<no value>"),
            Value::Object(o) => match o.format_action().filter(|_| addressable) {
                Some(text) => self.out.push_str(&text),
                None => super::fmt::write_value(&mut self.out, &val.v),
            },
            other => super::fmt::write_value(&mut self.out, other),
        }
    }

    fn walk_if_or_with(&mut self, is_with: bool, dot: &Val, b: &'t Branch) -> R<()> {
        let mark = self.vars.len();
        let result = self.if_or_with_body(is_with, dot, b);
        self.vars.truncate(mark);
        result
    }

    fn if_or_with_body(&mut self, is_with: bool, dot: &Val, b: &'t Branch) -> R<()> {
        let val = self.eval_pipeline(dot, Some(&b.pipe))?;
        if val.v.is_true() {
            if is_with {
                self.walk_list(&val, &b.list)
            } else {
                self.walk_list(dot, &b.list)
            }
        } else if let Some(else_list) = &b.else_list {
            self.walk_list(dot, else_list)
        } else {
            Ok(())
        }
    }

    fn walk_range(&mut self, dot: &Val, node: &'t Node, b: &'t Branch) -> R<()> {
        self.at = At::Node(node);
        let outer = self.vars.len();
        let result = self.range_body(dot, b);
        self.vars.truncate(outer);
        match result {
            Err(Flow::Break) => Ok(()),
            other => other,
        }
    }

    fn range_body(&mut self, dot: &Val, b: &'t Branch) -> R<()> {
        let val = self.eval_pipeline(dot, Some(&b.pipe))?;
        let mark = self.vars.len();
        // A named map type (Helm's `.Files`) ranges as the map it is.
        let as_map = match &val.v {
            Value::Object(o) => o.entries().map(Value::Map),
            _ => None,
        };
        let ran = match as_map.as_ref().unwrap_or(&val.v) {
            Value::Int(n, t) => {
                if b.pipe.decl.len() > 1 {
                    return Err(self.errorf(format!(
                        "can't use {} to iterate over more than one variable",
                        super::fmt::sprint(std::slice::from_ref(&val.v))
                    )));
                }
                for i in 0..(*n).max(0) {
                    self.one_iteration(b, mark, Val::invalid(), Val::new(Value::Int(i, *t)))?;
                }
                *n > 0
            }
            Value::Uint(n, t) => {
                if b.pipe.decl.len() > 1 {
                    return Err(self.errorf(format!(
                        "can't use {} to iterate over more than one variable",
                        super::fmt::sprint(std::slice::from_ref(&val.v))
                    )));
                }
                for i in 0..*n {
                    self.one_iteration(b, mark, Val::invalid(), Val::new(Value::Uint(i, *t)))?;
                }
                *n > 0
            }
            Value::List(list) => {
                let boxed = list.elem() == ElemType::Interface;
                for (i, item) in list.items().iter().enumerate() {
                    let elem = Val {
                        v: item.clone(),
                        boxed,
                    };
                    self.one_iteration(b, mark, Val::new(Value::int(i as i64)), elem)?;
                }
                !list.is_empty()
            }
            Value::Map(map) => {
                let boxed = map.elem() == ElemType::Interface;
                // Go sorts a copy of the entries first; the body may change the map
                // (Sprig's `set`) without changing what this range visits.
                let entries: Vec<_> = map
                    .read()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                for (key, item) in &entries {
                    let elem = Val {
                        v: item.clone(),
                        boxed,
                    };
                    self.one_iteration(b, mark, Val::new(Value::Str(key.clone())), elem)?;
                }
                !entries.is_empty()
            }
            Value::Nil => false,
            other => {
                let shown = super::fmt::sprint(std::slice::from_ref(other));
                return Err(self.errorf(format!("range can't iterate over {shown}")));
            }
        };
        if !ran && let Some(else_list) = &b.else_list {
            self.walk_list(dot, else_list)?;
        }
        Ok(())
    }

    fn one_iteration(&mut self, b: &'t Branch, mark: usize, index: Val, elem: Val) -> R<()> {
        let decl = &b.pipe.decl;
        if !decl.is_empty() {
            if b.pipe.is_assign {
                let target = if decl.len() > 1 {
                    index.clone()
                } else {
                    elem.clone()
                };
                self.set_var(&decl[0].name, target)?;
            } else {
                self.set_top_var(1, elem.clone());
            }
        }
        if decl.len() > 1 {
            if b.pipe.is_assign {
                self.set_var(&decl[1].name, elem.clone())?;
            } else {
                self.set_top_var(2, index);
            }
        }
        let result = self.walk_list(&elem, &b.list);
        self.vars.truncate(mark);
        match result {
            Err(Flow::Continue) => Ok(()),
            other => other,
        }
    }

    fn walk_template(
        &mut self,
        dot: &Val,
        node: &'t Node,
        name: &str,
        pipe: Option<&'t Pipe>,
    ) -> R<()> {
        self.at = At::Node(node);
        let Some(tree) = self.set.tree(name) else {
            return Err(self.errorf(format!("template {} not defined", super::fmt::quote(name))));
        };
        if self.depth == MAX_EXEC_DEPTH {
            return Err(self.errorf(format!(
                "exceeded maximum template depth ({MAX_EXEC_DEPTH})"
            )));
        }
        let new_dot = self.eval_pipeline(dot, pipe)?;
        let saved_tree = std::mem::replace(&mut self.tree, tree);
        let saved_frame = self.frame;
        let mark = self.vars.len();
        self.frame = mark;
        self.vars.push(("$", new_dot.clone()));
        self.depth += 1;
        let result = self.walk_list(&new_dot, &tree.root);
        self.depth -= 1;
        self.vars.truncate(mark);
        self.frame = saved_frame;
        self.tree = saved_tree;
        result
    }

    fn set_var(&mut self, name: &str, value: Val) -> R<()> {
        let frame = self.frame;
        match self.vars[frame..]
            .iter_mut()
            .rev()
            .find(|(n, _)| *n == name)
        {
            Some(slot) => {
                slot.1 = value;
                Ok(())
            }
            None => Err(self.errorf(format!("undefined variable: {name}"))),
        }
    }

    fn set_top_var(&mut self, n: usize, value: Val) {
        let len = self.vars.len();
        if let Some(slot) = len.checked_sub(n).and_then(|i| self.vars.get_mut(i)) {
            slot.1 = value;
        }
    }

    fn var_value(&self, name: &str) -> R<Val> {
        self.var_ref(name).cloned()
    }

    fn var_ref(&self, name: &str) -> R<&Val> {
        match self.vars[self.frame..]
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
        {
            Some((_, v)) => Ok(v),
            None => Err(self.errorf(format!("undefined variable: {name}"))),
        }
    }

    fn eval_pipeline(&mut self, dot: &Val, pipe: Option<&'t Pipe>) -> R<Val> {
        match pipe {
            Some(pipe) => self.eval_pipeline_inner(dot, pipe),
            None => Ok(Val::invalid()),
        }
    }

    /// A parenthesised pipeline: parentheses nest as deep as the parser allows.
    fn eval_nested_pipeline(&mut self, dot: &Val, pipe: &'t Pipe) -> R<Val> {
        grow_stack(|| self.eval_pipeline_inner(dot, pipe))
    }

    fn eval_pipeline_inner(&mut self, dot: &Val, pipe: &'t Pipe) -> R<Val> {
        self.at = At::Pipe(pipe);
        let mut value: Option<Val> = None;
        for cmd in &pipe.cmds {
            let result = self.eval_command(dot, cmd, value.take())?;
            value = Some(result.unboxed());
        }
        let value = value.unwrap_or_else(Val::invalid);
        for var in &pipe.decl {
            if pipe.is_assign {
                self.set_var(&var.name, value.clone())?;
            } else {
                self.vars.push((var.name.as_str(), value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &'t [Arg], final_: &Option<Val>) -> R<()> {
        if args.len() > 1 || final_.is_some() {
            return Err(self.errorf(format!("can't give argument to non-function {}", args[0])));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Val, cmd: &'t Command, final_: Option<Val>) -> R<Val> {
        self.step()?;
        let first = &cmd.args[0];
        match first {
            Arg::Field { idents, .. } => {
                self.at = At::Arg(first);
                if let Some(found) = fast_path(dot, idents, &cmd.args, &final_) {
                    return Ok(found);
                }
                return self.eval_field_chain(dot, dot.clone(), first, idents, &cmd.args, final_);
            }
            Arg::Chain { .. } => return self.eval_chain(dot, first, &cmd.args, final_),
            Arg::Identifier { name, .. } => {
                return self.eval_function(dot, first, name, At::Cmd(cmd), Some(&cmd.args), final_);
            }
            Arg::Pipe(pipe) => {
                self.not_a_function(&cmd.args, &final_)?;
                return self.eval_nested_pipeline(dot, pipe);
            }
            Arg::Variable { .. } => return self.eval_variable(dot, first, &cmd.args, final_),
            _ => {}
        }
        self.at = At::Arg(first);
        self.not_a_function(&cmd.args, &final_)?;
        match first {
            Arg::Bool { value, .. } => Ok(Val::new(Value::Bool(*value))),
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Nil { .. } => Err(self.errorf("nil is not a command")),
            Arg::Number { number, .. } => self.ideal_constant(first, number),
            Arg::String { value, .. } => Ok(Val::new(value.clone())),
            _ => Err(self.errorf(format!("can't evaluate command {first}"))),
        }
    }

    /// A number whose type nothing decides: Go's "ideal constant" rules.
    fn ideal_constant(&mut self, node: &'t Arg, n: &Number) -> R<Val> {
        self.at = At::Arg(node);
        let text = &n.text;
        let hex_int = text.len() > 2
            && text.starts_with('0')
            && matches!(text.as_bytes()[1], b'x' | b'X')
            && !text.contains(['p', 'P']);
        let rune_int = text.starts_with('\'');
        if n.is_float && !hex_int && !rune_int && text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Ok(Val::new(Value::Float(n.float64)));
        }
        if n.is_int {
            return Ok(Val::new(Value::int(n.int64)));
        }
        if n.is_uint {
            return Err(self.errorf(format!("{text} overflows int")));
        }
        Ok(Val::invalid())
    }

    fn eval_chain(
        &mut self,
        dot: &Val,
        node: &'t Arg,
        args: &'t [Arg],
        final_: Option<Val>,
    ) -> R<Val> {
        self.at = At::Arg(node);
        let Arg::Chain {
            node: inner,
            fields,
            ..
        } = node
        else {
            return Err(self.errorf("internal error: not a chain"));
        };
        if matches!(inner.as_ref(), Arg::Nil { .. }) {
            return Err(self.errorf(format!("indirection through explicit nil in {node}")));
        }
        let receiver = self.eval_arg(dot, ArgType::Untyped, inner)?;
        self.eval_field_chain(dot, receiver, node, fields, args, final_)
    }

    fn eval_variable(
        &mut self,
        dot: &Val,
        node: &'t Arg,
        args: &'t [Arg],
        final_: Option<Val>,
    ) -> R<Val> {
        self.at = At::Arg(node);
        let Arg::Variable { idents, .. } = node else {
            return Err(self.errorf("internal error: not a variable"));
        };
        if idents.len() > 1
            && let Some(found) = fast_path(self.var_ref(&idents[0])?, &idents[1..], args, &final_)
        {
            return Ok(found);
        }
        let value = self.var_value(&idents[0])?;
        if idents.len() == 1 {
            self.not_a_function(args, &final_)?;
            return Ok(value);
        }
        self.eval_field_chain(dot, value, node, &idents[1..], args, final_)
    }

    fn eval_field_chain(
        &mut self,
        dot: &Val,
        mut receiver: Val,
        node: &'t Arg,
        idents: &'t [String],
        args: &'t [Arg],
        final_: Option<Val>,
    ) -> R<Val> {
        let n = idents.len();
        for ident in &idents[..n - 1] {
            receiver = self.eval_field(dot, ident, node, None, None, receiver)?;
        }
        self.eval_field(dot, &idents[n - 1], node, Some(args), final_, receiver)
    }

    fn eval_field(
        &mut self,
        dot: &Val,
        name: &str,
        node: &'t Arg,
        args: Option<&'t [Arg]>,
        final_: Option<Val>,
        receiver: Val,
    ) -> R<Val> {
        if receiver.is_invalid() {
            if self.set.options().missing_key == MissingKey::Error {
                return Err(self.errorf(format!(
                    "nil data; no entry for key {}",
                    super::fmt::quote(name)
                )));
            }
            return Ok(Val::invalid());
        }
        let typ = receiver.static_type();
        if receiver.boxed && receiver.v.is_nil() {
            return Err(self.errorf(format!("nil pointer evaluating {typ}.{name}")));
        }
        let has_args = args.is_some_and(|a| a.len() > 1) || final_.is_some();
        match &receiver.v {
            Value::Object(object) => {
                if let Some(method) = object.method(name) {
                    return self.eval_call(
                        dot,
                        Callee::Func(&method),
                        At::Arg(node),
                        name,
                        args,
                        final_,
                    );
                }
                if object.is_nil() {
                    return Err(self.errorf(format!("nil pointer evaluating {typ}.{name}")));
                }
                if let Some(field) = object.field(name) {
                    if has_args {
                        return Err(self.errorf(format!(
                            "{name} has arguments but cannot be invoked as function"
                        )));
                    }
                    return Ok(Val::new(field));
                }
            }
            Value::Map(map) => {
                if has_args {
                    return Err(self.errorf(format!("{name} is not a method but has arguments")));
                }
                let boxed = map.elem() == ElemType::Interface;
                if let Some(v) = map.get(name) {
                    return Ok(Val { v, boxed });
                }
                return match self.set.options().missing_key {
                    MissingKey::Invalid => Ok(Val::invalid()),
                    MissingKey::Zero => Ok(zero_of(map.elem())),
                    MissingKey::Error => Err(self.errorf(format!(
                        "map has no entry for key {}",
                        super::fmt::quote(name)
                    ))),
                };
            }
            _ => {}
        }
        Err(self.errorf(format!("can't evaluate field {name} in type {typ}")))
    }

    fn eval_function(
        &mut self,
        dot: &Val,
        node: &'t Arg,
        name: &str,
        call_node: At<'t>,
        args: Option<&'t [Arg]>,
        final_: Option<Val>,
    ) -> R<Val> {
        self.at = At::Arg(node);
        let set = self.set;
        // Added functions come first, as in Go; the set knows which built-ins
        // they replace, so the common case skips the function maps.
        let callee = match Builtin::lookup(name).filter(|b| !set.shadows(*b)) {
            Some(b) => Callee::Builtin(b),
            None => match set.func(name) {
                Some(f) => Callee::Func(f),
                None => {
                    return Err(self.errorf(format!(
                        "{} is not a defined function",
                        super::fmt::quote(name)
                    )));
                }
            },
        };
        self.eval_call(dot, callee, call_node, name, args, final_)
    }

    fn signature<'f>(callee: &Callee<'f>) -> Signature<'f> {
        match callee {
            Callee::Builtin(b) => {
                let (fixed, variadic) = b.signature();
                Signature::Builtin(fixed, variadic)
            }
            Callee::Func(f) => Signature::Func(&f.params, f.variadic),
        }
    }

    fn eval_call(
        &mut self,
        dot: &Val,
        callee: Callee<'_>,
        call_node: At<'t>,
        name: &str,
        args: Option<&'t [Arg]>,
        final_: Option<Val>,
    ) -> R<Val> {
        let args: &'t [Arg] = match args {
            Some(a) if !a.is_empty() => &a[1..],
            _ => &[],
        };
        let sig = Self::signature(&callee);
        let num_in = args.len() + usize::from(final_.is_some());
        let num_fixed = if sig.is_variadic() {
            if num_in < sig.fixed_len() {
                return Err(self.errorf(format!(
                    "wrong number of args for {name}: want at least {} got {}",
                    sig.fixed_len(),
                    args.len()
                )));
            }
            sig.fixed_len()
        } else {
            if num_in != sig.fixed_len() {
                return Err(self.errorf(format!(
                    "wrong number of args for {name}: want {} got {num_in}",
                    sig.fixed_len()
                )));
            }
            args.len()
        };

        if let Callee::Builtin(b @ (Builtin::And | Builtin::Or)) = callee {
            let want = b == Builtin::Or;
            let mut v = Val::invalid();
            for arg in args {
                v = self.eval_arg(dot, ArgType::Reflect, arg)?;
                if v.v.is_true() == want {
                    return Ok(v);
                }
            }
            if let Some(final_) = final_ {
                v = final_;
            }
            return Ok(v);
        }

        let mut argv = self.spare_args.pop().unwrap_or_default();
        argv.clear();
        for (i, arg) in args.iter().enumerate() {
            let typ = if i < num_fixed {
                sig.fixed(i)
            } else {
                sig.variadic()
            };
            argv.push(self.eval_arg(dot, typ, arg)?);
        }
        if let Some(final_) = final_ {
            let typ = if sig.is_variadic() && num_in > num_fixed {
                sig.variadic()
            } else {
                sig.fixed(num_in - 1)
            };
            argv.push(self.validate_type(final_, typ)?);
        }

        let result = match callee {
            Callee::Builtin(Builtin::Call) => {
                let callee_name = match args.first() {
                    Some(arg) => arg.to_string(),
                    None => argv.first().map(reflect_string).unwrap_or_default(),
                };
                builtins::call(&callee_name, &argv)
            }
            Callee::Builtin(b) => {
                let mut values = self.spare_values.pop().unwrap_or_default();
                let result = b.apply(&argv, &mut values, &mut self.spare_text);
                values.clear();
                self.spare_values.push(values);
                result
            }
            Callee::Func(f) => {
                let mut values = self.spare_values.pop().unwrap_or_default();
                values.clear();
                values.extend(argv.drain(..).map(|a| a.v));
                let body = f.body.clone();
                let mut ctx = CallContext { state: self };
                let result = body(&mut ctx, &values).map(Val::new);
                values.clear();
                self.spare_values.push(values);
                result
            }
        };
        argv.clear();
        self.spare_args.push(argv);
        result.map_err(|err| {
            self.at = call_node;
            Flow::Error(self.error_with(format!("error calling {name}: {err}"), Some(err)))
        })
    }

    /// Go's `validateType`: checks that a computed value fits the parameter.
    fn validate_type(&self, value: Val, typ: ArgType) -> R<Val> {
        let param = match typ {
            ArgType::Untyped | ArgType::Reflect => return Ok(value),
            ArgType::Go(p) => p,
        };
        if value.is_invalid() {
            if param.can_be_nil() {
                return Ok(Val::invalid());
            }
            return Err(self.errorf(format!("invalid value; expected {}", param.go_name())));
        }
        if param == Param::Any {
            return Ok(value.unboxed());
        }
        if value.boxed && value.v.is_nil() {
            return Err(self.errorf(format!(
                "wrong type for value; expected {}; got interface {{}}",
                param.go_name()
            )));
        }
        if param.accepts(&value.v) {
            return Ok(value.unboxed());
        }
        Err(self.errorf(format!(
            "wrong type for value; expected {}; got {}",
            param.go_name(),
            value.v.type_name()
        )))
    }

    fn eval_arg(&mut self, dot: &Val, typ: ArgType, node: &'t Arg) -> R<Val> {
        self.at = At::Arg(node);
        let computed = match node {
            Arg::Dot { .. } => Some(dot.clone()),
            Arg::Nil { .. } => {
                return match typ {
                    ArgType::Go(p) if !p.can_be_nil() => {
                        Err(self.errorf(format!("cannot assign nil to {}", p.go_name())))
                    }
                    _ => Ok(Val::invalid()),
                };
            }
            Arg::Field { idents, .. } => {
                let args = std::slice::from_ref(node);
                match fast_path(dot, idents, args, &None) {
                    Some(found) => Some(found),
                    None => {
                        Some(self.eval_field_chain(dot, dot.clone(), node, idents, args, None)?)
                    }
                }
            }
            Arg::Variable { .. } => Some(self.eval_variable(dot, node, &[], None)?),
            Arg::Pipe(pipe) => Some(self.eval_nested_pipeline(dot, pipe)?),
            Arg::Identifier { name, .. } => {
                Some(self.eval_function(dot, node, name, At::Arg(node), None, None)?)
            }
            Arg::Chain { .. } => Some(self.eval_chain(dot, node, &[], None)?),
            _ => None,
        };
        if let Some(value) = computed {
            return self.validate_type(value, typ);
        }
        let param = match typ {
            ArgType::Untyped | ArgType::Reflect | ArgType::Go(Param::Any) => {
                return self.eval_empty_interface(node);
            }
            ArgType::Go(p) => p,
        };
        match (param, node) {
            (Param::Bool, Arg::Bool { value, .. }) => Ok(Val::new(Value::Bool(*value))),
            (Param::Bool, _) => Err(self.errorf(format!("expected bool; found {node}"))),
            (Param::String, Arg::String { value, .. }) => Ok(Val::new(value.clone())),
            (Param::String, _) => Err(self.errorf(format!("expected string; found {node}"))),
            (Param::Int | Param::Int64, Arg::Number { number, .. }) if number.is_int => {
                let ty = if param == Param::Int {
                    IntType::Int
                } else {
                    IntType::Int64
                };
                Ok(Val::new(Value::Int(number.int64, ty)))
            }
            (Param::Int | Param::Int64, _) => {
                Err(self.errorf(format!("expected integer; found {node}")))
            }
            (Param::Float64, Arg::Number { number, .. }) if number.is_float => {
                Ok(Val::new(Value::Float(number.float64)))
            }
            (Param::Float64, _) => Err(self.errorf(format!("expected float; found {node}"))),
            _ => Err(self.errorf(format!(
                "can't handle {node} for arg of type {}",
                param.go_name()
            ))),
        }
    }

    fn eval_empty_interface(&mut self, node: &'t Arg) -> R<Val> {
        self.at = At::Arg(node);
        match node {
            Arg::Bool { value, .. } => Ok(Val::new(Value::Bool(*value))),
            Arg::Number { number, .. } => self.ideal_constant(node, number),
            Arg::String { value, .. } => Ok(Val::new(value.clone())),
            _ => Err(self.errorf(format!(
                "can't handle assignment of {node} to empty interface argument"
            ))),
        }
    }
}

/// The common case of a field chain, `.a.b.c` through maps of `interface {}`
/// values to a key that exists, looked up without cloning anything but the result.
/// `None` whenever anything else happens (a missing key, a non-map, arguments),
/// and the caller takes Go's general path, with its exact errors.
fn fast_path(receiver: &Val, idents: &[String], args: &[Arg], final_: &Option<Val>) -> Option<Val> {
    if args.len() > 1 || final_.is_some() {
        return None;
    }
    let Value::Map(map) = &receiver.v else {
        return None;
    };
    lookup_path(map, idents).map(Val::boxed)
}

fn lookup_path(map: &super::value::Map, idents: &[String]) -> Option<Value> {
    with_path(map, idents, &mut |v| v.clone())
}

/// Finds `idents` through nested maps of `interface {}` values and applies `f` to
/// what is there, while the maps are read-locked; `None` if the path leaves maps
/// or a key is missing.
fn with_path<T>(
    map: &super::value::Map,
    idents: &[String],
    f: &mut dyn FnMut(&Value) -> T,
) -> Option<T> {
    if map.elem() != ElemType::Interface {
        return None;
    }
    let entries = map.read();
    let value = entries.get(idents.first()?.as_str())?;
    match (idents.len(), value) {
        (1, v) => Some(f(v)),
        (_, Value::Map(inner)) => with_path(inner, &idents[1..], f),
        _ => None,
    }
}

/// The zero value a `missingkey=zero` lookup yields for a map's element type.
fn zero_of(elem: ElemType) -> Val {
    match elem {
        ElemType::Interface => Val::boxed(Value::Nil),
        ElemType::String => Val::new(Value::str("")),
        ElemType::Int => Val::new(Value::int(0)),
        ElemType::Int64 => Val::new(Value::int64(0)),
        ElemType::Float64 => Val::new(Value::Float(0.0)),
        ElemType::Bool => Val::new(Value::Bool(false)),
    }
}

/// What Go's `reflect.Value.String()` gives: the string itself, or `<T Value>`.
fn reflect_string(v: &Val) -> String {
    match &v.v {
        Value::Str(s) => s.to_string(),
        _ if v.is_invalid() => "<invalid Value>".to_string(),
        _ => format!("<{} Value>", v.static_type()),
    }
}

/// The context a function body gets: the running execution.
struct CallContext<'s, 't> {
    state: &'s mut State<'t>,
}

impl Context for CallContext<'_, '_> {
    fn execute_template(&mut self, name: &str, data: Value) -> Result<String, Error> {
        self.state
            .set
            .execute_nested(name, &data, self.state.budget)
    }

    fn execute_text(&mut self, name: &str, text: &str, data: Value) -> Result<String, Error> {
        let mut copy = self.state.set.clone();
        copy.parse(name, text)?;
        copy.execute_nested(name, &data, self.state.budget)
    }

    fn template_name(&self) -> &str {
        &self.state.tree.name
    }
}
