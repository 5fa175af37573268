//! Template errors with Go's wording and Go's wrapping.
//!
//! Go's execution errors form a chain (`error calling include: <the included
//! template's error>`), and Helm rewrites that chain into its own multi-line
//! message. So an error here keeps each level: its full message, whether it is an
//! execution error (Go's `ExecError`), and what it wraps.

use std::fmt;

use super::parse::ParseError;

/// An error from parsing or executing a template, or from a template function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    message: String,
    /// The template being executed, when this is Go's `ExecError`.
    exec_template: Option<String>,
    source: Option<Box<Error>>,
}

impl Error {
    /// A plain error, as a function returns with `errors.New`.
    pub fn msg(message: impl Into<String>) -> Error {
        Error {
            message: message.into(),
            exec_template: None,
            source: None,
        }
    }

    /// A plain error whose message ends with `source`'s (Go's `fmt.Errorf("...: %w")`).
    pub fn wrap(prefix: impl fmt::Display, source: Error) -> Error {
        Error {
            message: format!("{prefix}: {}", source.message),
            exec_template: None,
            source: Some(Box::new(source)),
        }
    }

    pub(crate) fn exec(template: &str, message: String, source: Option<Error>) -> Error {
        Error {
            message,
            exec_template: Some(template.to_string()),
            source: source.map(Box::new),
        }
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether this is an execution error (Go's `template.ExecError`).
    pub fn is_exec(&self) -> bool {
        self.exec_template.is_some()
    }

    /// The messages of this error and everything it wraps, outermost first: what
    /// Go's `errors.Unwrap` visits.
    pub fn chain(&self) -> impl Iterator<Item = &Error> {
        std::iter::successors(Some(self), |e| e.source.as_deref())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<ParseError> for Error {
    fn from(e: ParseError) -> Error {
        Error::msg(e.0)
    }
}
