//! Executes a chart tree's templates as one Go template set, as Helm's engine
//! does: every file parsed into one set (deepest paths first, so a parent chart's
//! definitions win), partials not rendered, `<no value>` removed, Helm's own
//! template functions (`include`, `tpl`, `required`, `fail`), and errors rewritten
//! into Helm's words.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

use parking_lot::Mutex;

use crate::gotmpl::{
    Context, ElemType, Entries, Error, Func, FuncMap, Map, MissingKey, Param, Parsed, Template,
    Value,
};

use super::{Options, TemplateFile};
use crate::chart::render_values::VALUES_TYPE;

/// Helm's limit on one template including itself, directly or not.
pub const MAX_INCLUDE_DEPTH: usize = 1000;

/// The name of the template set; `tpl` texts are parsed under this name.
const SET_NAME: &str = "gotpl";

/// Markers Helm puts around `required`/`fail` messages so the final error can
/// show the message alone.
const WARN_START: &str = "HELM_ERR_START";
const WARN_END: &str = "HELM_ERR_END";

/// Sprig's and Helm's functions, built once and shared by every render.
static LIBRARY: LazyLock<Arc<FuncMap>> = LazyLock::new(|| Arc::new(crate::funcs::registry()));

/// Helm's function library, built once and shared by every template set.
pub fn library() -> Arc<FuncMap> {
    LIBRARY.clone()
}

/// A template failed to parse or execute; the message is Helm's.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RenderError(String);

/// The template set every file of a render joins, with Helm's functions.
fn template_set(options: &Options) -> Template {
    let missing_key = if options.strict {
        MissingKey::Error
    } else {
        MissingKey::Zero
    };
    Template::new(SET_NAME)
        .with_library(LIBRARY.clone())
        .with_funcs(engine_funcs())
        .with_options(crate::gotmpl::Options {
            missing_key,
            step_limit: options.step_limit,
        })
}

/// Templates parsed ahead of their render, each with the name and text it
/// was parsed as; a file renders from one only if both still match.
#[derive(Default)]
pub struct Preparsed {
    texts: Vec<(String, String)>,
    by_name: HashMap<String, usize>,
    parsed: Vec<Mutex<Option<Result<Parsed, Error>>>>,
}

impl Preparsed {
    fn take(&self, name: &str, source: &str) -> Option<Result<Parsed, Error>> {
        let i = *self.by_name.get(name)?;
        if self.texts[i].1 != source {
            return None;
        }
        self.parsed[i].lock().take()
    }
}

/// Runs `meanwhile` while another core parses `texts` (name and source),
/// then helps with what is left. Parsing depends on nothing `meanwhile`
/// prepares (values, enabled subcharts), so a render's two serial stretches
/// overlap. A small or single-core render parses nothing ahead.
pub fn parse_while<R>(
    texts: Vec<(String, String)>,
    meanwhile: impl FnOnce() -> R,
) -> (R, Preparsed) {
    let bytes: usize = texts.iter().map(|(_, source)| source.len()).sum();
    if super::cores::cores() < 2 || bytes < PARALLEL_RENDER_BYTES {
        return (meanwhile(), Preparsed::default());
    }
    let set = template_set(&Options::default());
    let preparsed = Preparsed {
        by_name: texts
            .iter()
            .enumerate()
            .map(|(i, (name, _))| (name.clone(), i))
            .collect(),
        parsed: texts.iter().map(|_| Mutex::new(None)).collect(),
        texts,
    };
    let next = AtomicUsize::new(0);
    let parse_rest = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some((name, source)) = preparsed.texts.get(i) else {
                return;
            };
            *preparsed.parsed[i].lock() = Some(set.parse_apart(name, source));
        }
    };
    let out = std::thread::scope(|scope| {
        scope.spawn(parse_rest);
        let out = meanwhile();
        parse_rest();
        out
    });
    (out, preparsed)
}

pub fn render(
    files: &[TemplateFile],
    options: &Options,
    preparsed: &Preparsed,
) -> Result<BTreeMap<String, String>, RenderError> {
    let mut set = template_set(options);

    let mut order: Vec<&TemplateFile> = files.iter().collect();
    order.sort_by(|a, b| parse_order(&a.name, &b.name));
    // Parsing is a good part of a large render; files not parsed ahead parse
    // on every core, and all join the set in order, the first error in that
    // order reported.
    let bytes: usize = order.iter().map(|f| f.source.len()).sum();
    let parse = |file: &&TemplateFile| {
        preparsed
            .take(&file.name, &file.source)
            .unwrap_or_else(|| set.parse_apart(&file.name, &file.source))
    };
    let parsed = if bytes < PARALLEL_RENDER_BYTES {
        order.iter().map(parse).collect()
    } else {
        super::cores::map_in_order(&order, parse)
    };
    for (file, parsed) in order.iter().zip(parsed) {
        set.add(parsed.map_err(|e| RenderError(parse_error_message(&file.name, &e)))?);
    }

    let jobs: Vec<&TemplateFile> = order.into_iter().filter(|f| !is_partial(&f.name)).collect();
    let outputs = if runs_alone(files, &jobs) {
        execute_side_by_side(&set, &jobs)
    } else {
        execute_in_order(&set, &jobs)
    };
    let mut rendered = BTreeMap::new();
    for (file, out) in jobs.iter().zip(outputs) {
        let out = out.map_err(|e| RenderError(exec_error_message(&file.name, &e)))?;
        rendered.insert(file.name.clone(), remove_no_value(out));
    }
    Ok(rendered)
}

/// Helm's loop: each file in order, `.Template` set on its chart's shared data
/// first. Stops at the first error, which is last in the result.
fn execute_in_order(set: &Template, jobs: &[&TemplateFile]) -> Vec<Result<String, Error>> {
    let mut outputs = Vec::with_capacity(jobs.len());
    for file in jobs {
        if let Value::Map(data) = &file.data {
            data.write()
                .insert(Arc::from("Template"), template_object(file));
        }
        let out = set.execute(&file.name, &file.data);
        let failed = out.is_err();
        outputs.push(out);
        if failed {
            break;
        }
    }
    outputs
}

/// Every file on the cores at once, each with its own copy of its chart's
/// top-level map holding its `.Template`. Only for renders where that can't
/// be told from Helm's order (see [`runs_alone`]); results keep file order, so
/// the first error reported is the one Helm reports.
fn execute_side_by_side(set: &Template, jobs: &[&TemplateFile]) -> Vec<Result<String, Error>> {
    super::cores::map_in_order(jobs, |file| {
        let data = match &file.data {
            Value::Map(shared) => {
                let mut entries = shared.read().clone();
                entries.insert(Arc::from("Template"), template_object(file));
                Value::Map(Map::typed(entries, shared.elem(), Some(VALUES_TYPE)))
            }
            other => other.clone(),
        };
        set.execute(&file.name, &data)
    })
}

/// Below this much template text, starting threads costs more than it saves.
const PARALLEL_RENDER_BYTES: usize = 32 * 1024;

/// Functions that change a map in place: a template calling one may change
/// what a later file sees, so order matters. `Subcharts` reaches another
/// chart's top-level map, whose `.Template` Helm leaves at that chart's last
/// rendered file.
static ORDER_SENSITIVE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"\b(set|unset|merge|mustMerge|mergeOverwrite|mustMergeOverwrite|Subcharts)\b",
    )
    .unwrap_or_else(|_| unreachable!("a fixed, valid expression"))
});

/// Whether each file's output depends only on its own template and data, so
/// the files may render side by side: a large render, on more than one core,
/// where no template (nor any string a `tpl` call could run) names a function
/// that changes shared maps, or `.Subcharts`.
fn runs_alone(files: &[TemplateFile], jobs: &[&TemplateFile]) -> bool {
    let bytes: usize = files.iter().map(|f| f.source.len()).sum();
    if super::cores::cores() < 2 || jobs.len() < 2 || bytes < PARALLEL_RENDER_BYTES {
        return false;
    }
    if files.iter().any(|f| ORDER_SENSITIVE.is_match(&f.source)) {
        return false;
    }
    // `tpl` runs text from the values (or from files); every string it could be
    // handed must be harmless too.
    let uses_tpl = files.iter().any(|f| f.source.contains("tpl"));
    if !uses_tpl {
        return true;
    }
    if files.iter().any(|f| f.source.contains("Files")) {
        return false;
    }
    let mut seen = std::collections::HashSet::new();
    files.iter().all(|f| match &f.data {
        // Every file of a chart shares its chart's data; look at each once.
        Value::Map(m) if !seen.insert(m.address()) => true,
        data => strings_are_harmless(data, 0),
    })
}

/// Deeper than this, a values tree is not searched and counts as unsafe.
const MAX_SCAN_DEPTH: usize = 64;

fn strings_are_harmless(v: &Value, depth: usize) -> bool {
    if depth > MAX_SCAN_DEPTH {
        return false;
    }
    match v {
        Value::Str(s) => !ORDER_SENSITIVE.is_match(s),
        Value::List(l) => l.items().iter().all(|i| strings_are_harmless(i, depth + 1)),
        Value::Map(m) => m
            .read()
            .values()
            .all(|i| strings_are_harmless(i, depth + 1)),
        _ => true,
    }
}

/// Helm's workaround for Go printing `<no value>` under `missingkey=zero`: the text
/// is removed wherever it appears. Most outputs have none, so look before copying.
fn remove_no_value(out: String) -> String {
    const NO_VALUE: &[u8] = b"<no value>";
    if memchr::memmem::find(out.as_bytes(), NO_VALUE).is_none() {
        return out;
    }
    out.replace("<no value>", "")
}

/// Helm parses deeper paths first and, at one depth, names in reverse order.
fn parse_order(a: &str, b: &str) -> std::cmp::Ordering {
    let depth = |s: &str| s.matches('/').count();
    depth(b).cmp(&depth(a)).then_with(|| b.cmp(a))
}

fn is_partial(name: &str) -> bool {
    name.rsplit('/')
        .next()
        .is_some_and(|base| base.starts_with('_'))
}

/// `.Template`: the file's name and its chart's templates directory.
fn template_object(file: &TemplateFile) -> Value {
    let mut entries = Entries::new();
    entries.insert(Arc::from("Name"), Value::str(&file.name));
    entries.insert(Arc::from("BasePath"), Value::str(&file.base_path));
    Value::Map(Map::typed(
        entries,
        ElemType::Interface,
        Some("common.Values"),
    ))
}

/// Helm's own functions, which need the running template set.
fn engine_funcs() -> FuncMap {
    let included: Arc<Mutex<IncludeCounts>> = Arc::default();
    let mut funcs = FuncMap::default();

    let counts = included.clone();
    funcs.insert(
        "include".into(),
        Func::new(&[Param::String, Param::Any], None, move |ctx, args| {
            let name = args[0].as_str().unwrap_or_default();
            include(ctx, &counts, name, args[1].clone()).map(Value::from)
        }),
    );

    funcs.insert(
        "tpl".into(),
        Func::new(&[Param::String, Param::Any], None, |ctx, args| {
            let text = args[0].as_str().unwrap_or_default();
            tpl(ctx, text, args[1].clone()).map(Value::from)
        }),
    );

    funcs.insert(
        "required".into(),
        Func::pure(&[Param::String, Param::Any], None, |args| {
            let warn = args[0].as_str().unwrap_or_default();
            match &args[1] {
                Value::Nil => Err(Error::msg(warn_wrap(warn))),
                Value::Str(s) if s.is_empty() => Err(Error::msg(warn_wrap(warn))),
                other => Ok(other.clone()),
            }
        }),
    );

    funcs.insert(
        "fail".into(),
        Func::pure(&[Param::String], None, |args| {
            Err(Error::msg(warn_wrap(args[0].as_str().unwrap_or_default())))
        }),
    );
    funcs
}

fn warn_wrap(message: &str) -> String {
    format!("{WARN_START}{message}{WARN_END}")
}

/// How deep each template is included right now, per thread: files rendered
/// side by side each count their own nesting, as one sequential render would.
type IncludeCounts = HashMap<(std::thread::ThreadId, String), usize>;

/// `include`: runs a named template and returns its output, refusing runaway
/// recursion with Helm's message.
fn include(
    ctx: &mut dyn Context,
    counts: &Mutex<IncludeCounts>,
    name: &str,
    data: Value,
) -> Result<String, Error> {
    let key = (std::thread::current().id(), name.to_string());
    {
        let mut counts = counts.lock();
        let count = counts.entry(key.clone()).or_insert(0);
        if *count > MAX_INCLUDE_DEPTH {
            return Err(Error::wrap(
                format!("rendering template has a nested reference name: {name}"),
                Error::msg("unable to execute template"),
            ));
        }
        *count += 1;
    }
    let result = ctx.execute_template(name, data);
    if let Some(count) = counts.lock().get_mut(&key) {
        *count = count.saturating_sub(1);
    }
    result
}

/// `tpl`: renders a string as a template, with the calling set's definitions.
fn tpl(ctx: &mut dyn Context, text: &str, data: Value) -> Result<String, Error> {
    let quoted = crate::gotmpl::fmt::quote(text);
    match ctx.execute_text(SET_NAME, text, data) {
        Ok(out) => Ok(remove_no_value(out)),
        Err(e) if e.is_exec() => Err(Error::wrap(
            format!("error during tpl function execution for {quoted}"),
            e,
        )),
        Err(e) => Err(Error::wrap(format!("cannot parse template {quoted}"), e)),
    }
}

/// Helm's `cleanupParseError`: `parse error at (FILE:LINE): MESSAGE`.
fn parse_error_message(file: &str, err: &Error) -> String {
    let text = err.to_string();
    let tokens: Vec<&str> = text.split(": ").collect();
    if tokens.len() == 1 {
        return format!("parse error in ({file}): {text}");
    }
    format!(
        "parse error at ({}): {}",
        tokens[1],
        tokens[tokens.len() - 1]
    )
}

/// Helm's `reformatExecErrorMsg`: the chain of template locations, one per line.
fn exec_error_message(file: &str, err: &Error) -> String {
    let text = err.to_string();
    if !err.chain().any(Error::is_exec) {
        return text;
    }
    let tokens: Vec<&str> = text.splitn(3, ": ").collect();
    if tokens.len() != 3 {
        return format!("execution error in ({file}): {text}");
    }
    let location = tokens[1];
    if let Some(start) = tokens[2].find(WARN_START)
        && let Some(end) = tokens[2].rfind(WARN_END)
        && end >= start + WARN_START.len()
    {
        let warning = &tokens[2][start + WARN_START.len()..end];
        return format!("execution error at ({location}): {warning}");
    }
    let mut traces: Vec<Trace> = Vec::new();
    for level in err.chain() {
        let Some(trace) = Trace::parse(level.message()) else {
            return text;
        };
        if traces.last() != Some(&trace) {
            traces.push(trace);
        }
    }
    traces
        .iter()
        .map(Trace::to_string)
        .collect::<String>()
        .trim()
        .to_string()
}

/// One level of a Go template error, as Helm takes it apart.
#[derive(Debug, PartialEq, Eq)]
struct Trace {
    location: String,
    message: String,
    executed: String,
}

impl Trace {
    fn parse(s: &str) -> Option<Trace> {
        let rest = s.strip_prefix("template: ")?;
        if rest.starts_with("no template ") {
            return Some(Trace {
                location: String::new(),
                message: s.to_string(),
                executed: String::new(),
            });
        }
        if let Some((template, after)) = rest.split_once(": executing ") {
            let after_quote = after.strip_prefix('"')?;
            let end = after_quote.find('"')?;
            let function = &after_quote[..end];
            let after_at = after_quote[end + 1..].strip_prefix(" at <")?;
            let (at, message) = after_at.split_once(">: ")?;
            return Some(Trace {
                location: template.to_string(),
                message: cut_nested(message).to_string(),
                executed: format!("executing \"{function}\" at <{at}>:"),
            });
        }
        let sep = rest.rfind(": ")?;
        Some(Trace {
            location: rest[..sep].to_string(),
            message: cut_nested(&rest[sep + 2..]).to_string(),
            executed: String::new(),
        })
    }
}

/// A message up to where the next template's error starts.
fn cut_nested(message: &str) -> &str {
    match message.find(" template:") {
        Some(cut) => &message[..cut],
        None => message,
    }
}

impl std::fmt::Display for Trace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.location.is_empty() {
            write!(f, "{}\n  ", self.location)?;
        }
        if !self.executed.is_empty() {
            write!(f, "{}\n    ", self.executed)?;
        }
        if !self.message.is_empty() {
            writeln!(f, "{}", self.message)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_order_puts_deep_files_first_then_names_descending() {
        let mut names = vec!["a/templates/x", "a/charts/b/templates/y", "a/templates/z"];
        names.sort_by(|a, b| parse_order(a, b));
        assert_eq!(
            names,
            ["a/charts/b/templates/y", "a/templates/z", "a/templates/x"]
        );
    }

    /// Many files sharing one chart's data, each printing its own `.Template`,
    /// an include and a value; `extra` is added to the first file.
    fn many_files(extra: &str) -> Vec<TemplateFile> {
        let mut values = Entries::new();
        values.insert(Arc::from("greeting"), Value::str("hi {{ .Template.Name }}"));
        let mut top = Entries::new();
        top.insert(Arc::from("Values"), Value::Map(Map::new(values)));
        let data = Value::Map(Map::typed(top, ElemType::Interface, Some(VALUES_TYPE)));
        let pad = "#".repeat(PARALLEL_RENDER_BYTES / 40);
        let mut files: Vec<TemplateFile> = (0..50)
            .map(|i| TemplateFile {
                name: format!("c/templates/f{i:02}.yaml"),
                source: format!(
                    "{{{{/* {pad} */}}}}name: {{{{ .Template.Name }}}} {{{{ include \"h\" . }}}} {{{{ tpl .Values.greeting . }}}}"
                ),
                data: data.clone(),
                base_path: "c/templates".into(),
            })
            .collect();
        files.push(TemplateFile {
            name: "c/templates/_h.tpl".into(),
            source: r#"{{ define "h" }}{{ .Template.BasePath }}{{ end }}"#.into(),
            data: data.clone(),
            base_path: "c/templates".into(),
        });
        files[0].source.push_str(extra);
        files
    }

    #[test]
    fn side_by_side_renders_what_order_renders() {
        let files = many_files("");
        let jobs: Vec<&TemplateFile> = files.iter().filter(|f| !is_partial(&f.name)).collect();
        let cores = crate::render::cores::cores();
        assert_eq!(runs_alone(&files, &jobs), cores > 1);
        let rendered = render(&files, &Options::default(), &Preparsed::default()).unwrap();
        assert_eq!(
            rendered["c/templates/f07.yaml"],
            "name: c/templates/f07.yaml c/templates hi c/templates/f07.yaml"
        );
        let mut set = Template::new(SET_NAME)
            .with_library(LIBRARY.clone())
            .with_funcs(engine_funcs());
        for f in &files {
            set.parse(&f.name, &f.source).unwrap();
        }
        let plain = |outs: Vec<Result<String, Error>>| -> Vec<String> {
            outs.into_iter().map(|o| o.unwrap()).collect()
        };
        assert_eq!(
            plain(execute_side_by_side(&set, &jobs)),
            plain(execute_in_order(&set, &jobs))
        );
    }

    #[test]
    fn texts_parsed_ahead_are_used_only_where_name_and_text_still_match() {
        let files = many_files("");
        let expected = render(&files, &Options::default(), &Preparsed::default()).unwrap();
        let mut texts: Vec<(String, String)> = files
            .iter()
            .map(|f| (f.name.clone(), f.source.clone()))
            .collect();
        // Ahead, f03 read differently (as if a later step changed it) and a
        // template that won't render fails to parse; neither may show.
        texts[3].1 = "{{ broken".into();
        texts.push(("gone/templates/x.yaml".into(), "{{ end }}".into()));
        let ((), preparsed) = parse_while(texts, || ());
        let cores = crate::render::cores::cores();
        assert_eq!(preparsed.parsed.is_empty(), cores < 2);
        let rendered = render(&files, &Options::default(), &preparsed).unwrap();
        assert_eq!(rendered, expected);
        // A file's own parse error is still reported, with its name.
        let mut bad = many_files("{{ if }}");
        let texts = bad
            .iter()
            .map(|f| (f.name.clone(), f.source.clone()))
            .collect();
        let ((), preparsed) = parse_while(texts, || ());
        let err = render(&bad, &Options::default(), &preparsed).unwrap_err();
        assert!(err.to_string().contains("c/templates/f00.yaml"), "{err}");
        bad[0].source = files[0].source.clone();
        assert!(render(&bad, &Options::default(), &preparsed).is_ok());
    }

    #[test]
    fn templates_that_change_maps_render_in_order() {
        for extra in [
            r#"{{ $_ := set .Values "x" 1 }}"#,
            "{{ .Subcharts }}",
            r#"{{ merge .Values (dict "a" 1) }}"#,
        ] {
            let files = many_files(extra);
            let jobs: Vec<&TemplateFile> = files.iter().filter(|f| !is_partial(&f.name)).collect();
            assert!(!runs_alone(&files, &jobs), "{extra}");
        }
        // A `tpl` string from the values that would change a map counts too.
        let files = many_files("");
        if let Value::Map(top) = &files[0].data
            && let Some(Value::Map(values)) = top.get("Values")
        {
            values
                .write()
                .insert(Arc::from("evil"), Value::str(r#"{{ set . "a" 1 }}"#));
        }
        let jobs: Vec<&TemplateFile> = files.iter().filter(|f| !is_partial(&f.name)).collect();
        assert!(!runs_alone(&files, &jobs));
    }

    /// A chart whose template includes "r" once per element of `.Values.l`, plus once
    /// at the bottom: `n` elements make `n + 1` nested includes.
    fn render_nested_includes(n: usize) -> Result<BTreeMap<String, String>, RenderError> {
        let list = Value::from((0..n).map(|i| Value::Float(i as f64)).collect::<Vec<_>>());
        let mut values = Entries::new();
        values.insert(Arc::from("l"), list);
        let mut top = Entries::new();
        top.insert(Arc::from("Values"), Value::Map(Map::new(values)));
        let file = TemplateFile {
            name: "inc/templates/t.txt".into(),
            source: concat!(
                r#"{{- define "r" }}{{ if . }}{{ include "r" (slice . 1) }}"#,
                r#"{{ else }}bottom{{ end }}{{ end -}}"#,
                "\n",
                r#"{{ include "r" .Values.l }}"#
            )
            .into(),
            data: Value::Map(Map::new(top)),
            base_path: "inc/templates".into(),
        };
        render(&[file], &Options::default(), &Preparsed::default())
    }

    #[test]
    fn include_recursion_stops_just_past_helms_limit() {
        // Expected from real Helm (helm-ref): 1000 elements render, 1001 fail with
        // the whole chain of include errors, innermost last.
        let ok = render_nested_includes(MAX_INCLUDE_DEPTH).unwrap();
        assert_eq!(ok["inc/templates/t.txt"], "bottom");

        let err = render_nested_includes(MAX_INCLUDE_DEPTH + 1)
            .unwrap_err()
            .to_string();
        let outer = r#"template: inc/templates/t.txt:2:3: executing "inc/templates/t.txt" at <include "r" .Values.l>: error calling include: "#;
        let inner = r#"template: inc/templates/t.txt:1:30: executing "r" at <include "r" (slice . 1)>: error calling include: "#;
        let expected = format!(
            "{outer}{}rendering template has a nested reference name: r: unable to execute template",
            inner.repeat(MAX_INCLUDE_DEPTH + 1)
        );
        assert_eq!(err, expected);
    }

    #[test]
    fn parse_errors_keep_location_and_last_message() {
        let err = Error::msg("template: c/templates/t:1: missing value for if");
        assert_eq!(
            parse_error_message("c/templates/t", &err),
            "parse error at (c/templates/t:1): missing value for if"
        );
    }
}
