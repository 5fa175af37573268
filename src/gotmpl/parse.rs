//! The template parser: turns text into parse trees with Go's grammar, checks and
//! error messages (`template: NAME:LINE: MESSAGE`).
//!
//! It keeps Go's three-token look-ahead buffer, because the line Go reports for a
//! parse error is that of the last token read, look-ahead included.

use std::sync::Arc;

use super::Value;
use super::ast::{Arg, Branch, Command, List, Node, Number, Pipe, Tree, VarName};
use super::lex::{Item, ItemType, Lexer};
use super::strconv::{parse_float, parse_int, parse_uint};

/// Go's limit on nested parenthesised expressions.
pub const MAX_PAREN_DEPTH: usize = 10_000;
/// Go's limit on commands in one pipeline.
pub const MAX_PIPELINE_CMDS: usize = 100_000;

/// A parse failure, worded as Go words it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

/// Everything one call to `parse` defined: the named text's own tree and every
/// `define`/`block` in it, in the order they ended.
pub(crate) type TreeSet = Vec<Tree>;

/// Parses `text` as the template `name`. `has_function` says which function names
/// exist, as Go checks them while parsing.
pub(crate) fn parse(
    name: &str,
    text: &str,
    has_function: &dyn Fn(&str) -> bool,
) -> Result<TreeSet, ParseError> {
    let text: Arc<str> = Arc::from(text);
    let parse_name: Arc<str> = Arc::from(name);
    let mut lexer = Lexer::new(&text);
    lexer.break_ok = !has_function("break");
    lexer.continue_ok = !has_function("continue");
    let mut parser = Parser {
        lexer,
        token: [dummy_item(), dummy_item(), dummy_item()],
        peek_count: 0,
        has_function,
        parse_name: parse_name.clone(),
        text: text.clone(),
        tree_set: Vec::new(),
        range_depth: 0,
        stack_depth: 0,
        action_line: 0,
    };
    let mut scope = Scope {
        vars: vec!["$".to_string()],
    };
    let root = stacker_guard(|| parser.parse_top(&mut scope))?;
    parser.add(Tree {
        name: name.to_string(),
        parse_name,
        text: text.clone(),
        root,
    })?;
    Ok(parser.tree_set)
}

fn dummy_item() -> Item<'static> {
    Item {
        typ: ItemType::Eof,
        pos: 0,
        val: std::borrow::Cow::Borrowed(""),
        line: 0,
    }
}

/// Grows the stack on demand so deeply nested templates parse instead of crashing.
fn stacker_guard<T>(f: impl FnOnce() -> T) -> T {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, f)
}

/// Variables visible at a point of the template (Go's `Tree.vars`).
struct Scope {
    vars: Vec<String>,
}

struct Parser<'a, 'f> {
    lexer: Lexer<'a>,
    token: [Item<'a>; 3],
    peek_count: usize,
    has_function: &'f dyn Fn(&str) -> bool,
    parse_name: Arc<str>,
    text: Arc<str>,
    tree_set: TreeSet,
    range_depth: usize,
    stack_depth: usize,
    action_line: usize,
}

/// What ended an item list: `{{end}}` or `{{else}}` (with its position).
enum ListEnd {
    End,
    Else,
}

type PResult<T> = Result<T, ParseError>;

impl<'a> Parser<'a, '_> {
    fn errorf(&self, message: impl std::fmt::Display) -> ParseError {
        ParseError(format!(
            "template: {}:{}: {}",
            self.parse_name, self.token[0].line, message
        ))
    }

    fn next(&mut self) -> Item<'a> {
        if self.peek_count > 0 {
            self.peek_count -= 1;
        } else {
            self.token[0] = self.lexer.next_item();
        }
        self.token[self.peek_count].clone()
    }

    fn backup(&mut self) {
        self.peek_count += 1;
    }

    fn backup2(&mut self, t1: Item<'a>) {
        self.token[1] = t1;
        self.peek_count = 2;
    }

    fn backup3(&mut self, t2: Item<'a>, t1: Item<'a>) {
        self.token[1] = t1;
        self.token[2] = t2;
        self.peek_count = 3;
    }

    fn peek(&mut self) -> Item<'a> {
        if self.peek_count > 0 {
            return self.token[self.peek_count - 1].clone();
        }
        self.peek_count = 1;
        self.token[0] = self.lexer.next_item();
        self.token[0].clone()
    }

    fn next_non_space(&mut self) -> Item<'a> {
        loop {
            let token = self.next();
            if token.typ != ItemType::Space {
                return token;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item<'a> {
        let token = self.next_non_space();
        self.backup();
        token
    }

    fn expect(&mut self, expected: ItemType, context: &str) -> PResult<Item<'a>> {
        let token = self.next_non_space();
        if token.typ != expected {
            return Err(self.unexpected(&token, context));
        }
        Ok(token)
    }

    fn unexpected(&self, token: &Item<'_>, context: &str) -> ParseError {
        if token.typ == ItemType::Error {
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != token.line {
                extra = format!(
                    " in action started at {}:{}",
                    self.parse_name, self.action_line
                );
                if token.val.ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.errorf(format!("{token}{extra}"));
        }
        self.errorf(format!("unexpected {token} in {context}"))
    }

    /// Go's `Tree.add` for this parse: a later non-empty definition of a name
    /// already defined (non-empty) in the same text is an error.
    fn add(&mut self, tree: Tree) -> PResult<()> {
        match self.tree_set.iter().position(|t| t.name == tree.name) {
            None => self.tree_set.push(tree),
            Some(i) if self.tree_set[i].is_empty() => self.tree_set[i] = tree,
            Some(_) if !tree.is_empty() => {
                return Err(self.errorf(format!(
                    "template: multiple definition of template {}",
                    super::fmt::quote(&tree.name)
                )));
            }
            Some(_) => {}
        }
        Ok(())
    }

    fn parse_top(&mut self, scope: &mut Scope) -> PResult<List> {
        let mut root = List { nodes: Vec::new() };
        while self.peek().typ != ItemType::Eof {
            if self.peek().typ == ItemType::LeftDelim {
                let delim = self.next();
                if self.next_non_space().typ == ItemType::Define {
                    self.parse_definition()?;
                    continue;
                }
                self.backup2(delim);
            }
            match self.text_or_action(scope)? {
                Parsed::Node(node) => root.nodes.push(node),
                Parsed::End => return Err(self.errorf("unexpected {{end}}")),
                Parsed::Else => return Err(self.errorf("unexpected {{else}}")),
            }
        }
        Ok(root)
    }

    fn parse_definition(&mut self) -> PResult<()> {
        const CONTEXT: &str = "define clause";
        let token = self.next_non_space();
        if token.typ != ItemType::String && token.typ != ItemType::RawString {
            return Err(self.unexpected(&token, CONTEXT));
        }
        let name = unquote(&token.val).map_err(|e| self.errorf(e))?;
        self.expect(ItemType::RightDelim, CONTEXT)?;
        // A definition sees only `$`, not the variables around it.
        let mut scope = Scope {
            vars: vec!["$".to_string()],
        };
        let (root, end) = self.item_list(&mut scope)?;
        if let ListEnd::Else = end {
            return Err(self.errorf(format!("unexpected {{{{else}}}} in {CONTEXT}")));
        }
        self.add(Tree {
            name,
            parse_name: self.parse_name.clone(),
            text: self.text.clone(),
            root,
        })
    }

    fn item_list(&mut self, scope: &mut Scope) -> PResult<(List, ListEnd)> {
        self.peek_non_space();
        let mut list = List { nodes: Vec::new() };
        while self.peek_non_space().typ != ItemType::Eof {
            match self.text_or_action(scope)? {
                Parsed::Node(node) => list.nodes.push(node),
                Parsed::End => return Ok((list, ListEnd::End)),
                Parsed::Else => return Ok((list, ListEnd::Else)),
            }
        }
        Err(self.errorf("unexpected EOF"))
    }

    fn text_or_action(&mut self, scope: &mut Scope) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Text => Ok(Parsed::Node(Node::Text {
                pos: token.pos,
                text: Arc::from(token.val.as_ref()),
            })),
            ItemType::LeftDelim => {
                self.action_line = token.line;
                let result = stacker_guard(|| self.action(scope));
                self.action_line = 0;
                result
            }
            _ => Err(self.unexpected(&token, "input")),
        }
    }

    fn action(&mut self, scope: &mut Scope) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Block => return self.block_control(scope).map(Parsed::Node),
            ItemType::Break | ItemType::Continue => {
                let what = if token.typ == ItemType::Break {
                    "break"
                } else {
                    "continue"
                };
                let next = self.next_non_space();
                if next.typ != ItemType::RightDelim {
                    return Err(self.unexpected(&next, &format!("{{{{{what}}}}}")));
                }
                if self.range_depth == 0 {
                    return Err(self.errorf(format!("{{{{{what}}}}} outside {{{{range}}}}")));
                }
                let pos = token.pos;
                return Ok(Parsed::Node(if what == "break" {
                    Node::Break { pos }
                } else {
                    Node::Continue { pos }
                }));
            }
            ItemType::Else => return self.else_control(),
            ItemType::End => {
                self.expect(ItemType::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            ItemType::If => return self.control(scope, Control::If).map(Parsed::Node),
            ItemType::Range => return self.control(scope, Control::Range).map(Parsed::Node),
            ItemType::Template => return self.template_control(scope).map(Parsed::Node),
            ItemType::With => return self.control(scope, Control::With).map(Parsed::Node),
            _ => {}
        }
        self.backup();
        let token = self.peek();
        let pipe = self.pipeline(scope, "command", ItemType::RightDelim)?;
        Ok(Parsed::Node(Node::Action {
            pos: token.pos,
            pipe,
        }))
    }

    fn else_control(&mut self) -> PResult<Parsed> {
        let peek = self.peek_non_space();
        // `{{else if ...}}` and `{{else with ...}}` leave the keyword pending.
        if peek.typ == ItemType::If || peek.typ == ItemType::With {
            return Ok(Parsed::Else);
        }
        self.expect(ItemType::RightDelim, "else")?;
        Ok(Parsed::Else)
    }

    fn control(&mut self, scope: &mut Scope, kind: Control) -> PResult<Node> {
        let context = kind.name();
        let mark = scope.vars.len();
        let result = self.control_body(scope, kind, context);
        scope.vars.truncate(mark);
        let branch = result?;
        Ok(match kind {
            Control::If => Node::If(branch),
            Control::Range => Node::Range(branch),
            Control::With => Node::With(branch),
        })
    }

    fn control_body(&mut self, scope: &mut Scope, kind: Control, context: &str) -> PResult<Branch> {
        let pipe = self.pipeline(scope, context, ItemType::RightDelim)?;
        if kind == Control::Range {
            self.range_depth += 1;
        }
        let listed = self.item_list(scope);
        if kind == Control::Range {
            self.range_depth -= 1;
        }
        let (list, end) = listed?;
        let else_list = match end {
            ListEnd::End => None,
            ListEnd::Else => {
                let chained = match kind {
                    Control::If if self.peek().typ == ItemType::If => Some(Control::If),
                    Control::With if self.peek().typ == ItemType::With => Some(Control::With),
                    _ => None,
                };
                if let Some(inner) = chained {
                    self.next();
                    let node = self.control(scope, inner)?;
                    Some(List { nodes: vec![node] })
                } else {
                    let (else_list, end) = self.item_list(scope)?;
                    if let ListEnd::Else = end {
                        return Err(self.errorf("expected end; found {{else}}"));
                    }
                    Some(else_list)
                }
            }
        };
        Ok(Branch {
            pos: pipe.pos,
            pipe,
            list,
            else_list,
        })
    }

    fn block_control(&mut self, scope: &mut Scope) -> PResult<Node> {
        const CONTEXT: &str = "block clause";
        let token = self.next_non_space();
        let name = self.template_name(&token, CONTEXT)?;
        let pipe = self.pipeline(scope, CONTEXT, ItemType::RightDelim)?;
        let mut block_scope = Scope {
            vars: vec!["$".to_string()],
        };
        let (root, end) = self.item_list(&mut block_scope)?;
        if let ListEnd::Else = end {
            return Err(self.errorf(format!("unexpected {{{{else}}}} in {CONTEXT}")));
        }
        self.add(Tree {
            name: name.clone(),
            parse_name: self.parse_name.clone(),
            text: self.text.clone(),
            root,
        })?;
        Ok(Node::Template {
            pos: token.pos,
            name,
            pipe: Some(pipe),
        })
    }

    fn template_control(&mut self, scope: &mut Scope) -> PResult<Node> {
        const CONTEXT: &str = "template clause";
        let token = self.next_non_space();
        let name = self.template_name(&token, CONTEXT)?;
        let pipe = if self.next_non_space().typ != ItemType::RightDelim {
            self.backup();
            Some(self.pipeline(scope, CONTEXT, ItemType::RightDelim)?)
        } else {
            None
        };
        Ok(Node::Template {
            pos: token.pos,
            name,
            pipe,
        })
    }

    fn template_name(&self, token: &Item<'_>, context: &str) -> PResult<String> {
        match token.typ {
            ItemType::String | ItemType::RawString => {
                unquote(&token.val).map_err(|e| self.errorf(e))
            }
            _ => Err(self.unexpected(token, context)),
        }
    }

    fn pipeline(&mut self, scope: &mut Scope, context: &str, end: ItemType) -> PResult<Pipe> {
        let token = self.peek_non_space();
        let mut pipe = Pipe {
            pos: token.pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        // Declarations or assignments first: `$x :=`, `$x =`, `$i, $v :=`.
        loop {
            let v = self.peek_non_space();
            if v.typ != ItemType::Variable {
                break;
            }
            self.next();
            let token_after_variable = self.peek();
            let next = self.peek_non_space();
            match next.typ {
                ItemType::Assign | ItemType::Declare => {
                    pipe.is_assign = next.typ == ItemType::Assign;
                    self.next_non_space();
                    self.declare(scope, &mut pipe, &v);
                    break;
                }
                ItemType::Char if next.val == "," => {
                    self.next_non_space();
                    self.declare(scope, &mut pipe, &v);
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().typ {
                            ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => {
                                continue;
                            }
                            _ => return Err(self.errorf("range can only initialize variables")),
                        }
                    }
                    return Err(self.errorf(format!("too many declarations in {context}")));
                }
                _ if token_after_variable.typ == ItemType::Space => {
                    self.backup3(v, token_after_variable);
                    break;
                }
                _ => {
                    self.backup2(v);
                    break;
                }
            }
        }
        loop {
            let token = self.next_non_space();
            match token.typ {
                t if t == end => {
                    self.check_pipeline(&pipe, context)?;
                    return Ok(pipe);
                }
                ItemType::Bool
                | ItemType::CharConstant
                | ItemType::Complex
                | ItemType::Dot
                | ItemType::Field
                | ItemType::Identifier
                | ItemType::Number
                | ItemType::Nil
                | ItemType::RawString
                | ItemType::String
                | ItemType::Variable
                | ItemType::LeftParen => {
                    self.backup();
                    let cmd = self.command(scope)?;
                    pipe.cmds.push(cmd);
                    if pipe.cmds.len() > MAX_PIPELINE_CMDS {
                        return Err(self.errorf("pipeline too long"));
                    }
                }
                _ => return Err(self.unexpected(&token, context)),
            }
        }
    }

    fn declare(&mut self, scope: &mut Scope, pipe: &mut Pipe, v: &Item<'_>) {
        pipe.decl.push(VarName {
            name: v.val.to_string(),
        });
        scope.vars.push(v.val.to_string());
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return Err(self.errorf(format!("missing value for {context}")));
        }
        for (i, cmd) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                cmd.args.first(),
                Some(
                    Arg::Bool { .. }
                        | Arg::Dot { .. }
                        | Arg::Nil { .. }
                        | Arg::Number { .. }
                        | Arg::String { .. }
                )
            ) {
                return Err(self.errorf(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                )));
            }
        }
        Ok(())
    }

    fn command(&mut self, scope: &mut Scope) -> PResult<Command> {
        let mut cmd = Command {
            pos: self.peek_non_space().pos,
            args: Vec::new(),
        };
        loop {
            self.peek_non_space();
            if let Some(operand) = self.operand(scope)? {
                cmd.args.push(operand);
            }
            let token = self.next();
            match token.typ {
                ItemType::Space => continue,
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => return Err(self.unexpected(&token, "operand")),
            }
            break;
        }
        if cmd.args.is_empty() {
            return Err(self.errorf("empty command"));
        }
        Ok(cmd)
    }

    fn operand(&mut self, scope: &mut Scope) -> PResult<Option<Arg>> {
        let Some(node) = self.term(scope)? else {
            return Ok(None);
        };
        if self.peek().typ != ItemType::Field {
            return Ok(Some(node));
        }
        let chain_pos = self.peek().pos;
        let mut fields = Vec::new();
        while self.peek().typ == ItemType::Field {
            let field = self.next().val;
            fields.push(field[1..].to_string());
        }
        Ok(Some(match node {
            Arg::Field { mut idents, .. } => {
                idents.extend(fields);
                Arg::Field {
                    pos: chain_pos,
                    idents,
                }
            }
            Arg::Variable { mut idents, .. } => {
                idents.extend(fields);
                Arg::Variable {
                    pos: chain_pos,
                    idents,
                }
            }
            Arg::Bool { .. }
            | Arg::String { .. }
            | Arg::Number { .. }
            | Arg::Nil { .. }
            | Arg::Dot { .. } => {
                let shown = super::fmt::quote(&node.to_string());
                return Err(self.errorf(format!("unexpected . after term {shown}")));
            }
            other => Arg::Chain {
                pos: chain_pos,
                node: Box::new(other),
                fields,
            },
        }))
    }

    fn term(&mut self, scope: &mut Scope) -> PResult<Option<Arg>> {
        let token = self.next_non_space();
        let pos = token.pos;
        Ok(Some(match token.typ {
            ItemType::Identifier => {
                if !(self.has_function)(&token.val) {
                    return Err(self.errorf(format!(
                        "function {} not defined",
                        super::fmt::quote(&token.val)
                    )));
                }
                Arg::Identifier {
                    pos,
                    name: token.val.into_owned(),
                }
            }
            ItemType::Dot => Arg::Dot { pos },
            ItemType::Nil => Arg::Nil { pos },
            ItemType::Variable => {
                let idents: Vec<String> = token.val.split('.').map(str::to_string).collect();
                if !scope.vars.iter().any(|v| *v == idents[0]) {
                    return Err(self.errorf(format!(
                        "undefined variable {}",
                        super::fmt::quote(&idents[0])
                    )));
                }
                Arg::Variable { pos, idents }
            }
            ItemType::Field => Arg::Field {
                pos,
                idents: token.val[1..].split('.').map(str::to_string).collect(),
            },
            ItemType::Bool => Arg::Bool {
                pos,
                value: token.val == "true",
            },
            ItemType::CharConstant | ItemType::Complex | ItemType::Number => {
                let number = parse_number(&token.val, token.typ).map_err(|e| self.errorf(e))?;
                Arg::Number {
                    pos,
                    number: Box::new(number),
                }
            }
            ItemType::LeftParen => {
                if self.stack_depth >= MAX_PAREN_DEPTH {
                    return Err(self.errorf("max expression depth exceeded"));
                }
                self.stack_depth += 1;
                let pipe = stacker_guard(|| {
                    self.pipeline(scope, "parenthesized pipeline", ItemType::RightParen)
                });
                self.stack_depth -= 1;
                Arg::Pipe(Box::new(pipe?))
            }
            ItemType::String | ItemType::RawString => {
                let text = unquote(&token.val).map_err(|e| self.errorf(e))?;
                Arg::String {
                    pos,
                    quoted: token.val.into_owned(),
                    value: Value::from(text),
                }
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Control {
    If,
    Range,
    With,
}

impl Control {
    fn name(self) -> &'static str {
        match self {
            Control::If => "if",
            Control::Range => "range",
            Control::With => "with",
        }
    }
}

enum Parsed {
    Node(Node),
    End,
    Else,
}

/// Go's `strconv.Unquote` for the three quote forms templates use. Bytes that are
/// not valid UTF-8 (from `\x` or octal escapes) become U+FFFD: our strings are UTF-8.
pub(crate) fn unquote(quoted: &str) -> Result<String, &'static str> {
    const SYNTAX: &str = "invalid syntax";
    let bytes = quoted.as_bytes();
    if bytes.len() < 2 || bytes[0] != bytes[bytes.len() - 1] {
        return Err(SYNTAX);
    }
    let quote = bytes[0] as char;
    let body = &quoted[1..quoted.len() - 1];
    match quote {
        '`' => {
            if body.contains('`') {
                return Err(SYNTAX);
            }
            Ok(body.replace('\r', ""))
        }
        // Nothing escaped: every character stands for itself.
        '"' if !body.contains(['\\', '"']) => Ok(body.to_string()),
        '"' | '\'' => {
            let mut out = Vec::with_capacity(body.len());
            let mut rest = body;
            while !rest.is_empty() {
                let (bytes, tail) = unquote_char(rest, quote)?;
                out.extend_from_slice(&bytes);
                rest = tail;
            }
            if quote == '\'' && String::from_utf8_lossy(&out).chars().count() != 1 {
                return Err(SYNTAX);
            }
            Ok(String::from_utf8_lossy(&out).into_owned())
        }
        _ => Err(SYNTAX),
    }
}

/// Go's `strconv.UnquoteChar`: decodes one (possibly escaped) character, returning
/// its bytes and the rest of the input.
fn unquote_char(s: &str, quote: char) -> Result<(Vec<u8>, &str), &'static str> {
    const SYNTAX: &str = "invalid syntax";
    let mut chars = s.chars();
    let Some(c) = chars.next() else {
        return Err(SYNTAX);
    };
    if c == quote && (quote == '\'' || quote == '"') {
        return Err(SYNTAX);
    }
    if c != '\\' {
        let mut buf = [0u8; 4];
        return Ok((c.encode_utf8(&mut buf).as_bytes().to_vec(), chars.as_str()));
    }
    let Some(e) = chars.next() else {
        return Err(SYNTAX);
    };
    let rest = chars.as_str();
    let simple = |b: u8| Ok((vec![b], rest));
    match e {
        'a' => simple(7),
        'b' => simple(8),
        'f' => simple(12),
        'n' => simple(b'\n'),
        'r' => simple(b'\r'),
        't' => simple(b'\t'),
        'v' => simple(11),
        '\\' => simple(b'\\'),
        '\'' | '"' => {
            if e != quote {
                return Err(SYNTAX);
            }
            simple(e as u8)
        }
        'x' | 'u' | 'U' => {
            let n = match e {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            let digits = rest.get(..n).ok_or(SYNTAX)?;
            if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(SYNTAX);
            }
            let v = u32::from_str_radix(digits, 16).map_err(|_| SYNTAX)?;
            let tail = &rest[n..];
            if e == 'x' {
                // A single byte (and in a character constant, the rune of that value).
                if quote == '\'' {
                    let c = char::from_u32(v).ok_or(SYNTAX)?;
                    let mut buf = [0u8; 4];
                    return Ok((c.encode_utf8(&mut buf).as_bytes().to_vec(), tail));
                }
                return Ok((vec![v as u8], tail));
            }
            let c = char::from_u32(v).ok_or(SYNTAX)?;
            let mut buf = [0u8; 4];
            Ok((c.encode_utf8(&mut buf).as_bytes().to_vec(), tail))
        }
        '0'..='7' => {
            let digits = s.get(1..4).ok_or(SYNTAX)?;
            if !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
                return Err(SYNTAX);
            }
            let v = u32::from_str_radix(digits, 8).map_err(|_| SYNTAX)?;
            if v > 255 {
                return Err(SYNTAX);
            }
            let tail = &s[4..];
            if quote == '\'' {
                let c = char::from_u32(v).ok_or(SYNTAX)?;
                let mut buf = [0u8; 4];
                return Ok((c.encode_utf8(&mut buf).as_bytes().to_vec(), tail));
            }
            Ok((vec![v as u8], tail))
        }
        _ => Err(SYNTAX),
    }
}

/// Go's `parse.newNumber`: every reading of the constant that is valid.
fn parse_number(text: &str, typ: ItemType) -> Result<Number, String> {
    let mut n = Number {
        text: text.to_string(),
        ..Number::default()
    };
    if typ == ItemType::CharConstant {
        let body = &text[1..];
        let (bytes, tail) = unquote_char(body, '\'').map_err(str::to_string)?;
        if tail != "'" {
            return Err(format!("malformed character constant: {text}"));
        }
        let c = String::from_utf8_lossy(&bytes)
            .chars()
            .next()
            .unwrap_or('\u{FFFD}');
        n.int64 = c as i64;
        n.uint64 = c as u64;
        n.float64 = c as u32 as f64;
        n.is_int = true;
        n.is_uint = true;
        n.is_float = true;
        return Ok(n);
    }
    if typ == ItemType::Complex || text.ends_with('i') {
        // Go accepts complex constants; no chart needs them, so wheelhouse says so
        // plainly instead of carrying a complex type through the whole engine.
        // (No ": " in the message: Helm keeps only the text after the last one.)
        return Err(format!(
            "complex number {text} is not supported by wheelhouse (imaginary and complex constants)"
        ));
    }
    let unsigned = parse_uint(text);
    if let Some(u) = unsigned {
        n.is_uint = true;
        n.uint64 = u;
    }
    if let Some(i) = parse_int(text) {
        n.is_int = true;
        n.int64 = i;
        if i == 0 {
            // "-0" is a valid unsigned zero too.
            n.is_uint = true;
            n.uint64 = 0;
        }
    }
    if n.is_int {
        n.is_float = true;
        n.float64 = n.int64 as f64;
    } else if n.is_uint {
        n.is_float = true;
        n.float64 = n.uint64 as f64;
    } else if let Some(f) = parse_float(text) {
        if !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!("integer overflow: {}", super::fmt::quote(text)));
        }
        n.is_float = true;
        n.float64 = f;
        if f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64 {
            n.is_int = true;
            n.int64 = f as i64;
        }
        if f.fract() == 0.0 && f >= 0.0 && f < u64::MAX as f64 {
            n.is_uint = true;
            n.uint64 = f as u64;
        }
    }
    if !n.is_int && !n.is_uint && !n.is_float {
        return Err(format!(
            "illegal number syntax: {}",
            super::fmt::quote(text)
        ));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_funcs(name: &str) -> bool {
        matches!(name, "printf" | "len")
    }

    #[test]
    fn numbers_take_every_go_reading() {
        let n = parse_number("0x1F", ItemType::Number).unwrap();
        assert!(n.is_int && n.int64 == 31);
        let n = parse_number("1_000", ItemType::Number).unwrap();
        assert_eq!(n.int64, 1000);
        let n = parse_number("017", ItemType::Number).unwrap();
        assert_eq!(n.int64, 15);
        let n = parse_number("1e3", ItemType::Number).unwrap();
        assert!(n.is_float && n.is_int && n.int64 == 1000);
        let n = parse_number("0x1p-2", ItemType::Number).unwrap();
        assert_eq!(n.float64, 0.25);
        let n = parse_number("'a'", ItemType::CharConstant).unwrap();
        assert_eq!(n.int64, 97);
        assert!(parse_number("0x", ItemType::Number).is_err());
        assert!(parse_number("99999999999999999999", ItemType::Number).is_err());
        assert!(parse_number("1__0", ItemType::Number).is_err());
    }

    #[test]
    fn unquote_follows_strconv() {
        assert_eq!(unquote(r#""a\tb\x41\u00e9""#).unwrap(), "a\tbAé");
        assert_eq!(unquote("`a\r\nb`").unwrap(), "a\nb");
        assert!(unquote(r#""\'""#).is_err());
        assert!(unquote(r#""\q""#).is_err());
        assert_eq!(unquote(r#""plain é text""#).unwrap(), "plain é text");
        assert!(unquote(r#""a"b""#).is_err());
    }

    #[test]
    fn defines_become_trees() {
        let trees = parse("main", r#"a{{define "x"}}X{{end}}b"#, &no_funcs).unwrap();
        let names: Vec<_> = trees.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["x", "main"]);
    }

    #[test]
    fn errors_name_template_and_line() {
        let err = parse("t", "line1\n{{ if }}", &no_funcs).unwrap_err();
        assert_eq!(err.0, "template: t:2: missing value for if");
        let err = parse("t", "{{ nosuch }}", &no_funcs).unwrap_err();
        assert_eq!(err.0, r#"template: t:1: function "nosuch" not defined"#);
        let err = parse("t", "{{ $x }}", &no_funcs).unwrap_err();
        assert_eq!(err.0, r#"template: t:1: undefined variable "$x""#);
    }

    #[test]
    fn node_strings_match_go() {
        let trees = parse("t", "{{ (len .a).b | printf \"%d\" $x.y }}", &|_| true);
        // $x is undefined, so this must fail; a defined one prints back.
        assert!(trees.is_err());
        let trees = parse(
            "t",
            "{{ $x := 1 }}{{ (len .a).b | printf \"%d\" $x.y }}",
            &|_| true,
        )
        .unwrap();
        let Node::Action { pipe, .. } = &trees[0].root.nodes[1] else {
            panic!("not an action")
        };
        assert_eq!(pipe.to_string(), r#"(len .a).b | printf "%d" $x.y"#);
    }
}
