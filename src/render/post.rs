//! Post-rendering: handing the rendered manifests to another program and using
//! what it gives back (the seed's "post rendering", Helm's `--post-renderer`).
//!
//! Owns the [`PostRenderer`] trait (Helm's Go interface: a manifest stream in,
//! a manifest stream out), [`Chain`] to run several in order, and [`Exec`],
//! the executable form: `--post-renderer PATH` with repeated
//! `--post-renderer-args`. The program is found as Helm 3's `postrender.NewExec`
//! finds it (a name without `/` on `$PATH`, any other path made absolute), gets
//! the whole stream on stdin, and its stdout replaces the stream; a failed run
//! or an output of nothing but white space is an error that quotes the
//! program's stderr. Helm 4 looks `--post-renderer` up as a plugin instead;
//! plugins are not implemented here.
//!
//! What text is post-rendered, and how it is split again afterwards, is the
//! caller's business (Helm's `renderResources`).

use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

/// Rewrites a stream of rendered manifests (Helm's `postrenderer.PostRenderer`).
pub trait PostRenderer {
    /// Takes the manifests as one YAML stream and returns the stream to use
    /// instead.
    fn run(&self, manifests: String) -> Result<String, PostRenderError>;
}

/// A post-renderer failed.
#[derive(Debug, thiserror::Error)]
pub enum PostRenderError {
    /// Helm's words when `--post-renderer` names nothing runnable.
    #[error("unable to find binary at {binary}: exec: {binary:?}: {reason}")]
    NotFound { binary: String, reason: String },
    /// The program could not be started at all.
    #[error("error while running command {}", .path.display())]
    Spawn {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Helm's words for a program that failed (`exit status 1`, `signal:
    /// killed`), with everything it wrote to stderr.
    #[error("error while running command {}. error output:\n{stderr}: {status}", .path.display())]
    Failed {
        path: PathBuf,
        stderr: String,
        status: String,
    },
    /// Helm 4's words for a run that printed nothing but white space; its
    /// stderr follows when it wrote any.
    #[error(
        "post-renderer {:?} produced empty output{}",
        .path.display().to_string(),
        stderr_suffix(.stderr)
    )]
    Empty { path: PathBuf, stderr: String },
    /// The program printed bytes that are not UTF-8, which no YAML reader takes.
    #[error("post-renderer {:?} produced output that is not valid UTF-8", .path.display().to_string())]
    NotUtf8 { path: PathBuf },
}

fn stderr_suffix(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!(". error output:\n{stderr}")
    }
}

/// Post-renderers run one after another, each on the previous one's output.
#[derive(Default)]
pub struct Chain(Vec<Box<dyn PostRenderer + Send + Sync>>);

impl Chain {
    pub fn new() -> Chain {
        Chain::default()
    }

    /// Adds a renderer after those already in the chain.
    pub fn then(mut self, renderer: impl PostRenderer + Send + Sync + 'static) -> Chain {
        self.0.push(Box::new(renderer));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl PostRenderer for Chain {
    fn run(&self, manifests: String) -> Result<String, PostRenderError> {
        self.0
            .iter()
            .try_fold(manifests, |stream, renderer| renderer.run(stream))
    }
}

/// An executable post-renderer: `--post-renderer PATH --post-renderer-args ARG...`.
#[derive(Debug, Clone)]
pub struct Exec {
    path: PathBuf,
    args: Vec<String>,
}

impl Exec {
    /// Finds `binary` as Helm does: a name without `/` is looked up on `$PATH`;
    /// any path must name an executable file; the result is made absolute.
    pub fn new(binary: &str, args: Vec<String>) -> Result<Exec, PostRenderError> {
        let found = look_path(binary, std::env::var_os("PATH").as_deref())?;
        let path = absolute_clean(&found).map_err(|e| PostRenderError::NotFound {
            binary: binary.to_string(),
            reason: e.to_string(),
        })?;
        Ok(Exec { path, args })
    }

    /// The absolute path of the program that runs.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl PostRenderer for Exec {
    fn run(&self, manifests: String) -> Result<String, PostRenderError> {
        let mut child = Command::new(&self.path)
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| PostRenderError::Spawn {
                path: self.path.clone(),
                source,
            })?;
        // Feed stdin from another thread so a program that writes before it has
        // read everything can't block us both. A program that stops reading
        // early is its own business, as in Helm: a broken pipe is not an error.
        let stdin = child.stdin.take();
        let feeder = std::thread::spawn(move || {
            if let Some(mut stdin) = stdin {
                let _ = stdin.write_all(manifests.as_bytes());
            }
        });
        let output = child
            .wait_with_output()
            .map_err(|source| PostRenderError::Spawn {
                path: self.path.clone(),
                source,
            })?;
        let _ = feeder.join();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        if !output.status.success() {
            return Err(PostRenderError::Failed {
                path: self.path.clone(),
                stderr,
                status: exit_status_text(&output.status),
            });
        }
        let stdout = String::from_utf8(output.stdout).map_err(|_| PostRenderError::NotUtf8 {
            path: self.path.clone(),
        })?;
        if stdout.trim().is_empty() {
            return Err(PostRenderError::Empty {
                path: self.path.clone(),
                stderr,
            });
        }
        Ok(stdout)
    }
}

/// Go's `exec.LookPath` on Unix: a name with `/` is checked as it is; any
/// other is searched in each `$PATH` entry (an empty entry is `.`). A match
/// found through a relative `$PATH` entry is refused, as Go refuses it.
fn look_path(binary: &str, path_var: Option<&std::ffi::OsStr>) -> Result<PathBuf, PostRenderError> {
    let not_found = |reason: String| PostRenderError::NotFound {
        binary: binary.to_string(),
        reason,
    };
    if binary.contains('/') {
        return match executable(Path::new(binary)) {
            Ok(()) => Ok(PathBuf::from(binary)),
            Err(Unrunnable::Missing(e)) => Err(not_found(format!("stat {binary}: {e}"))),
            Err(Unrunnable::Permission) => Err(not_found("permission denied".into())),
        };
    }
    if !binary.is_empty() {
        for dir in std::env::split_paths(path_var.unwrap_or_default()) {
            let dir = if dir.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                dir
            };
            let candidate = dir.join(binary);
            if executable(&candidate).is_ok() {
                if candidate.is_relative() {
                    return Err(not_found(
                        "cannot run executable found relative to current directory".into(),
                    ));
                }
                return Ok(candidate);
            }
        }
    }
    Err(not_found("executable file not found in $PATH".into()))
}

enum Unrunnable {
    /// `stat` failed; Go's wording of the reason.
    Missing(String),
    /// A directory, or a file without execute permission.
    Permission,
}

fn executable(path: &Path) -> Result<(), Unrunnable> {
    let meta = std::fs::metadata(path).map_err(|e| Unrunnable::Missing(go_io_reason(&e)))?;
    if meta.is_dir() {
        return Err(Unrunnable::Permission);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o111 == 0 {
            return Err(Unrunnable::Permission);
        }
    }
    Ok(())
}

/// The reason Go's `os` package gives for common failures (Go prints the
/// system's `strerror` in lower case, without Rust's `(os error N)`).
fn go_io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::NotADirectory => "not a directory".into(),
        _ => e.to_string(),
    }
}

/// Go's `filepath.Abs`: joined to the working directory and cleaned
/// lexically (`.` dropped, `..` taking off the element before it).
fn absolute_clean(path: &Path) -> std::io::Result<PathBuf> {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    };
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    Ok(out)
}

/// Go's `ProcessState.String()`: `exit status N`, or the signal's name.
fn exit_status_text(status: &std::process::ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let name = match signal {
                1 => "hangup".to_string(),
                2 => "interrupt".to_string(),
                3 => "quit".to_string(),
                4 => "illegal instruction".to_string(),
                5 => "trace/breakpoint trap".to_string(),
                6 => "aborted".to_string(),
                7 => "bus error".to_string(),
                8 => "floating point exception".to_string(),
                9 => "killed".to_string(),
                10 => "user defined signal 1".to_string(),
                11 => "segmentation fault".to_string(),
                12 => "user defined signal 2".to_string(),
                13 => "broken pipe".to_string(),
                14 => "alarm clock".to_string(),
                15 => "terminated".to_string(),
                n => format!("signal {n}"),
            };
            let core = if status.core_dumped() {
                " (core dumped)"
            } else {
                ""
            };
            return format!("signal: {name}{core}");
        }
    }
    status.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// Writes an executable shell script into `dir`.
    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    fn exec(path: &Path, args: &[&str]) -> Exec {
        Exec::new(
            path.to_str().unwrap(),
            args.iter().map(|a| a.to_string()).collect(),
        )
        .unwrap()
    }

    #[test]
    fn stdin_to_stdout_with_arguments() {
        let dir = tempfile::tempdir().unwrap();
        let sed = script(dir.path(), "rename", r#"sed "s/$1/$2/g""#);
        let out = exec(&sed, &["web", "api"])
            .run("kind: Service\nname: web\n".into())
            .unwrap();
        assert_eq!(out, "kind: Service\nname: api\n");
        // Empty arguments reach the program as such.
        let count = script(dir.path(), "count", r#"cat >/dev/null; echo "n=$# [$1]""#);
        assert_eq!(
            exec(&count, &["", "x"]).run("a".into()).unwrap(),
            "n=2 []\n"
        );
    }

    #[test]
    fn chains_run_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let first = script(dir.path(), "first", "cat; echo first");
        let second = script(dir.path(), "second", "cat; echo second");
        let chain = Chain::new()
            .then(exec(&first, &[]))
            .then(exec(&second, &[]));
        assert!(!chain.is_empty());
        assert_eq!(chain.run("x\n".into()).unwrap(), "x\nfirst\nsecond\n");
        assert_eq!(Chain::new().run("same".into()).unwrap(), "same");
    }

    #[test]
    fn large_streams_do_not_deadlock() {
        let dir = tempfile::tempdir().unwrap();
        let cat = script(dir.path(), "cat", "cat");
        let big = "a: 1\n".repeat(400_000);
        assert_eq!(exec(&cat, &[]).run(big.clone()).unwrap(), big);
        // A program that ignores its input still works.
        let ignore = script(dir.path(), "ignore", "echo done");
        assert_eq!(exec(&ignore, &[]).run(big).unwrap(), "done\n");
    }

    #[test]
    fn failures_quote_stderr() {
        let dir = tempfile::tempdir().unwrap();
        let fail = script(dir.path(), "fail", "echo 'bad manifest' >&2; exit 3");
        let err = exec(&fail, &[]).run("x".into()).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "error while running command {}. error output:\nbad manifest\n: exit status 3",
                fail.display()
            )
        );
        let empty = script(
            dir.path(),
            "empty",
            "cat >/dev/null; echo '  '; echo why >&2",
        );
        let err = exec(&empty, &[]).run("x".into()).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "post-renderer {:?} produced empty output. error output:\nwhy\n",
                empty.display().to_string()
            )
        );
        let silent = script(dir.path(), "silent", "cat >/dev/null");
        let err = exec(&silent, &[]).run("x".into()).unwrap_err().to_string();
        assert!(err.ends_with("produced empty output"), "{err}");
        let killed = script(dir.path(), "killed", "kill -9 $$");
        let err = exec(&killed, &[]).run("x".into()).unwrap_err().to_string();
        assert!(err.ends_with(": signal: killed"), "{err}");
    }

    #[test]
    fn finds_programs_like_helm() {
        let dir = tempfile::tempdir().unwrap();
        script(dir.path(), "on-path", "cat");
        let path_var =
            std::env::join_paths(["/nonexistent", dir.path().to_str().unwrap()]).unwrap();
        assert_eq!(
            look_path("on-path", Some(&path_var)).unwrap(),
            dir.path().join("on-path")
        );
        let err = look_path("nowhere", Some(&path_var))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "unable to find binary at nowhere: exec: \"nowhere\": executable file not found in $PATH"
        );
        // A program found through a relative $PATH entry is refused.
        let cwd = std::env::current_dir().unwrap();
        let up = "../".repeat(cwd.components().count());
        let relative = format!(
            "{up}{}",
            dir.path().to_str().unwrap().trim_start_matches('/')
        );
        let err = look_path("on-path", Some(std::ffi::OsStr::new(&relative)))
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with("cannot run executable found relative to current directory"),
            "{err}"
        );

        let err = look_path("./missing", None).unwrap_err().to_string();
        assert_eq!(
            err,
            "unable to find binary at ./missing: exec: \"./missing\": stat ./missing: no such file or directory"
        );
        let plain = dir.path().join("plain");
        std::fs::write(&plain, "x").unwrap();
        let shown = plain.display().to_string();
        let err = look_path(&shown, None).unwrap_err().to_string();
        assert_eq!(
            err,
            format!("unable to find binary at {shown}: exec: {shown:?}: permission denied")
        );
        let err = look_path(dir.path().to_str().unwrap(), None)
            .unwrap_err()
            .to_string();
        assert!(err.ends_with("permission denied"), "{err}");
    }

    #[test]
    fn relative_paths_become_absolute_and_clean() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(
            absolute_clean(Path::new("./a/../b/./c")).unwrap(),
            cwd.join("b/c")
        );
        assert_eq!(
            absolute_clean(Path::new("/x/y/../z")).unwrap(),
            PathBuf::from("/x/z")
        );
    }
}
