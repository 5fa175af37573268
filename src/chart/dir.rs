//! Reading a chart directory into a flat list of files, as Helm's `LoadDir`.
//!
//! Owns the walk: names relative to the chart root with `/`, in Helm's lexical
//! order; `.helmignore` at the root plus Helm's default rule; symbolic links
//! followed the way Helm's `sympath` walker follows them (with Helm's notice on
//! stderr, and a clear error for a link that loops back into its own path);
//! irregular files refused; Helm's per-file size limit; UTF-8 byte-order marks
//! dropped. What the files mean (Chart.yaml, templates, subcharts) is the
//! loader's business, not this module's.

use std::collections::HashSet;
use std::fmt;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use super::ChartFile;
use super::archive::{MAX_DECOMPRESSED_CHART_SIZE, MAX_DECOMPRESSED_FILE_SIZE, MAX_FILES};
use super::ignore::{HELMIGNORE, IgnoreError, Rules};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The most bytes of file data read from one chart directory. Helm has no such
/// limit for directories; this one matches its limit for archives, so a chart
/// that packages fine also loads fine, and a runaway directory cannot exhaust
/// memory.
pub const MAX_DIR_CHART_SIZE: u64 = MAX_DECOMPRESSED_CHART_SIZE;

/// A chart directory could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DirError {
    /// The rule's problem is part of the message (not a chained source) so
    /// it shows however the error is printed.
    #[error("cannot parse {}: {problem}", .path.display())]
    Ignore { path: PathBuf, problem: IgnoreError },
    /// Helm's words for a file it could not read.
    #[error("error reading {name}")]
    Read {
        name: String,
        #[source]
        source: io::Error,
    },
    /// A directory entry could not be listed or examined.
    #[error("cannot read {}", .path.display())]
    List {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("error evaluating symlink {}", .path.display())]
    Symlink {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "symlink {} points to {}, which contains it: the chart directory loops back on itself; replace the link with the files it should hold",
        .path.display(), .target.display()
    )]
    SymlinkCycle { path: PathBuf, target: PathBuf },
    #[error("cannot load irregular file {} as it has file mode type bits set", .0.display())]
    Irregular(PathBuf),
    /// Helm names the file by its base name only.
    #[error("chart file {0:?} is larger than the maximum file size {MAX_DECOMPRESSED_FILE_SIZE}")]
    FileTooLarge(String),
    #[error(
        "chart directory {} holds more than the maximum total size {MAX_DIR_CHART_SIZE} bytes of files; list what is not part of the chart in {HELMIGNORE}",
        .0.display()
    )]
    ChartTooLarge(PathBuf),
    #[error(
        "chart directory {} holds more than {MAX_FILES} files (symbolic links included); list what is not part of the chart in {HELMIGNORE}",
        .0.display()
    )]
    TooManyFiles(PathBuf),
    #[error("file name {} is not valid UTF-8; rename it or list it in {HELMIGNORE}", .0.display())]
    NonUtf8Name(PathBuf),
}

/// Helm's notice when the walk follows a symbolic link (a link can pull in
/// files from anywhere, so Helm says so on stderr).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymlinkFollowed {
    pub path: PathBuf,
    pub resolved: PathBuf,
}

impl fmt::Display for SymlinkFollowed {
    /// Helm's log line, as its text logger prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "level=INFO msg=\"found symbolic link in path. Contents of linked file included and used\" path={} resolved={}",
            log_value(&self.path.to_string_lossy()),
            log_value(&self.resolved.to_string_lossy()),
        )
    }
}

/// A value as Go's `slog` text handler prints it: bare when it is safe, Go
/// quoted otherwise.
fn log_value(s: &str) -> String {
    let needs_quotes = s.is_empty()
        || s.chars()
            .any(|c| c == ' ' || c == '=' || c == '"' || !crate::gotmpl::fmt::is_print(c));
    if needs_quotes {
        crate::gotmpl::fmt::quote(s)
    } else {
        s.to_string()
    }
}

/// Reads every file of the chart in `dir`, as Helm's directory loader does,
/// printing Helm's notice on stderr for each symbolic link followed.
pub fn read_dir_files(dir: &Path) -> Result<Vec<ChartFile>, DirError> {
    read_dir_files_reporting(dir, &mut |notice| eprintln!("{notice}"))
}

/// [`read_dir_files`], handing each symlink notice to `report` instead of
/// printing it (for callers that own the terminal).
pub fn read_dir_files_reporting(
    dir: &Path,
    report: &mut dyn FnMut(&SymlinkFollowed),
) -> Result<Vec<ChartFile>, DirError> {
    let top = go_abs(dir).map_err(|source| DirError::List {
        path: dir.to_path_buf(),
        source,
    })?;

    let ignore_file = top.join(HELMIGNORE);
    let mut rules = if std::fs::metadata(&ignore_file).is_ok() {
        // Bounded like any chart file (it is one, unless it ignores itself).
        let mut text = Vec::new();
        std::fs::File::open(&ignore_file)
            .and_then(|f| {
                f.take(MAX_DECOMPRESSED_FILE_SIZE + 1)
                    .read_to_end(&mut text)
            })
            .map_err(|source| DirError::Read {
                name: HELMIGNORE.to_string(),
                source,
            })?;
        if text.len() as u64 > MAX_DECOMPRESSED_FILE_SIZE {
            return Err(DirError::FileTooLarge(HELMIGNORE.to_string()));
        }
        Rules::parse(&text).map_err(|problem| DirError::Ignore {
            path: ignore_file,
            problem,
        })?
    } else {
        Rules::empty()
    };
    rules.add_defaults();

    let root_identity = std::fs::canonicalize(&top).map_err(|source| DirError::List {
        path: top.clone(),
        source,
    })?;
    let mut walk = Walk {
        rules,
        report,
        files: Vec::new(),
        total: 0,
        top: top.clone(),
        open_dirs: HashSet::from([root_identity]),
    };
    walk.dir(&top, "")?;
    Ok(walk.files)
}

/// Helm drops a UTF-8 byte-order mark from the start of every file.
pub(super) fn strip_bom(data: &[u8]) -> &[u8] {
    data.strip_prefix(UTF8_BOM).unwrap_or(data)
}

struct Walk<'r> {
    rules: Rules,
    report: &'r mut dyn FnMut(&SymlinkFollowed),
    files: Vec<ChartFile>,
    total: u64,
    top: PathBuf,
    /// The resolved directories being walked, root first: entering one of
    /// them again through a link would never end.
    open_dirs: HashSet<PathBuf>,
}

impl Walk<'_> {
    /// Walks the directory at `path`, whose chart-relative name is `prefix`
    /// (empty for the root, else ending in `/`), in byte order of names.
    fn dir(&mut self, path: &Path, prefix: &str) -> Result<(), DirError> {
        let list_err = |source| DirError::List {
            path: path.to_path_buf(),
            source,
        };
        let mut names = std::fs::read_dir(path)
            .map_err(list_err)?
            .map(|entry| entry.map(|e| e.file_name()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(list_err)?;
        names.sort();
        for name in names {
            let full = path.join(&name);
            let Some(name) = name.to_str() else {
                return Err(DirError::NonUtf8Name(full));
            };
            let rel = format!("{prefix}{name}");
            let link_meta = std::fs::symlink_metadata(&full).map_err(|source| DirError::List {
                path: full.clone(),
                source,
            })?;
            if link_meta.file_type().is_symlink() {
                let resolved =
                    std::fs::canonicalize(&full).map_err(|source| DirError::Symlink {
                        path: full.clone(),
                        source,
                    })?;
                (self.report)(&SymlinkFollowed {
                    path: full.clone(),
                    resolved: resolved.clone(),
                });
                let meta =
                    std::fs::symlink_metadata(&resolved).map_err(|source| DirError::List {
                        path: resolved.clone(),
                        source,
                    })?;
                self.entry(&full, &rel, &meta, Some(resolved))?;
            } else {
                self.entry(&full, &rel, &link_meta, None)?;
            }
        }
        Ok(())
    }

    /// One entry; `resolved` is where a symbolic link led, and `meta` is
    /// about that target.
    fn entry(
        &mut self,
        path: &Path,
        rel: &str,
        meta: &std::fs::Metadata,
        resolved: Option<PathBuf>,
    ) -> Result<(), DirError> {
        if meta.is_dir() {
            if self.rules.ignore(rel, true) {
                return Ok(());
            }
            let identity = match resolved {
                Some(resolved) => resolved,
                None => std::fs::canonicalize(path).map_err(|source| DirError::List {
                    path: path.to_path_buf(),
                    source,
                })?,
            };
            if !self.open_dirs.insert(identity.clone()) {
                return Err(DirError::SymlinkCycle {
                    path: path.to_path_buf(),
                    target: identity,
                });
            }
            let walked = self.dir(path, &format!("{rel}/"));
            self.open_dirs.remove(&identity);
            return walked;
        }
        if self.rules.ignore(rel, false) {
            return Ok(());
        }
        if !meta.is_file() {
            return Err(DirError::Irregular(path.to_path_buf()));
        }
        if self.files.len() == MAX_FILES {
            return Err(DirError::TooManyFiles(self.top.clone()));
        }
        // Helm names the file by the base name of what it stat'ed: the link's
        // target for a link.
        let shown_name = || {
            let target = resolved.as_deref().unwrap_or(path);
            target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        if meta.len() > MAX_DECOMPRESSED_FILE_SIZE {
            return Err(DirError::FileTooLarge(shown_name()));
        }
        let read_err = |source| DirError::Read {
            name: rel.to_string(),
            source,
        };
        // Bounded: the file may have grown since it was examined.
        let mut data = Vec::with_capacity(meta.len() as usize);
        std::fs::File::open(path)
            .and_then(|f| {
                f.take(MAX_DECOMPRESSED_FILE_SIZE + 1)
                    .read_to_end(&mut data)
            })
            .map_err(read_err)?;
        if data.len() as u64 > MAX_DECOMPRESSED_FILE_SIZE {
            return Err(DirError::FileTooLarge(shown_name()));
        }
        self.total += data.len() as u64;
        if self.total > MAX_DIR_CHART_SIZE {
            return Err(DirError::ChartTooLarge(self.top.clone()));
        }
        let data = match data.strip_prefix(UTF8_BOM) {
            Some(rest) => rest.to_vec(),
            None => data,
        };
        self.files.push(ChartFile {
            name: rel.to_string(),
            data,
            modtime: meta.modified().ok(),
        });
        Ok(())
    }
}

/// Go's `filepath.Abs`: joined to the working directory and cleaned lexically
/// (`..` removes the previous element without looking at links).
fn go_abs(dir: &Path) -> io::Result<PathBuf> {
    let joined = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()?.join(dir)
    };
    let mut clean = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::ParentDir => {
                clean.pop();
            }
            Component::CurDir => {}
            other => clean.push(other),
        }
    }
    Ok(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart_dir(files: &[(&str, &[u8])]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, data) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, data).unwrap();
        }
        dir
    }

    fn names(files: &[ChartFile]) -> Vec<&str> {
        files.iter().map(|f| f.name.as_str()).collect()
    }

    fn read_quietly(dir: &Path) -> (Result<Vec<ChartFile>, DirError>, Vec<SymlinkFollowed>) {
        let mut notices = Vec::new();
        let result = read_dir_files_reporting(dir, &mut |n| notices.push(n.clone()));
        (result, notices)
    }

    #[test]
    fn lexical_order_bom_and_default_rule() {
        let dir = chart_dir(&[
            ("Chart.yaml", b"\xEF\xBB\xBFname: x\n"),
            ("b/z.txt", b"z"),
            ("b.txt", b"b"),
            ("B.txt", b"B"),
            ("templates/.hidden", b"h"),
            ("templates/.dir/x.yaml", b"h"),
            ("templates/sub/.kept", b"k"),
            ("templates/a.yaml", b"a"),
        ]);
        let files = read_dir_files(dir.path()).unwrap();
        assert_eq!(
            names(&files),
            [
                "B.txt",
                "Chart.yaml",
                "b/z.txt",
                "b.txt",
                "templates/a.yaml",
                "templates/sub/.kept"
            ]
        );
        assert_eq!(files[1].data, b"name: x\n");
    }

    #[test]
    fn honours_helmignore() {
        let dir = chart_dir(&[
            (".helmignore", b"# skip these\n*.bak\nsecret/\n/top.txt\n"),
            ("a.bak", b""),
            ("sub/b.bak", b""),
            ("secret/key", b""),
            ("top.txt", b""),
            ("sub/top.txt", b""),
            ("values.yaml", b""),
        ]);
        let files = read_dir_files(dir.path()).unwrap();
        assert_eq!(names(&files), [".helmignore", "sub/top.txt", "values.yaml"]);

        let dir = chart_dir(&[(".helmignore", b"a/**\n")]);
        let err = read_dir_files(dir.path()).unwrap_err().to_string();
        assert!(err.starts_with("cannot parse "), "{err}");
        assert!(
            err.ends_with(
                ".helmignore: line 1: double-star (**) syntax is not supported (rule \"a/**\")"
            ),
            "{err}"
        );
    }

    #[test]
    fn file_size_limit() {
        let at = vec![b'a'; MAX_DECOMPRESSED_FILE_SIZE as usize];
        let dir = chart_dir(&[("big.txt", &at)]);
        assert_eq!(read_dir_files(dir.path()).unwrap()[0].data.len(), at.len());

        let past = vec![b'a'; MAX_DECOMPRESSED_FILE_SIZE as usize + 1];
        let dir = chart_dir(&[(".helmignore", &past)]);
        let err = read_dir_files(dir.path()).unwrap_err().to_string();
        assert_eq!(
            err,
            "chart file \".helmignore\" is larger than the maximum file size 5242880"
        );
        let dir = chart_dir(&[("sub/big.txt", &past)]);
        let err = read_dir_files(dir.path()).unwrap_err().to_string();
        assert_eq!(
            err,
            "chart file \"big.txt\" is larger than the maximum file size 5242880"
        );
    }

    #[test]
    fn total_size_limit() {
        let file = vec![b'a'; MAX_DECOMPRESSED_FILE_SIZE as usize];
        let count = (MAX_DIR_CHART_SIZE / MAX_DECOMPRESSED_FILE_SIZE) as usize;
        let dir = tempfile::tempdir().unwrap();
        for i in 0..count {
            std::fs::write(dir.path().join(format!("f{i:03}")), &file).unwrap();
        }
        let files = read_dir_files(dir.path()).unwrap();
        assert_eq!(files.len(), count, "exactly at the limit");
        std::fs::write(dir.path().join("one-more"), b"x").unwrap();
        let err = read_dir_files(dir.path()).unwrap_err();
        assert!(matches!(err, DirError::ChartTooLarge(_)), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn file_count_limit() {
        // Links multiply files without using disk: 50 files seen through
        // 1000 links to their directory.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("real")).unwrap();
        let per_dir = MAX_FILES / 1000;
        for i in 0..per_dir {
            std::fs::write(dir.path().join(format!("real/{i}")), b"").unwrap();
        }
        for i in 0..999 {
            std::os::unix::fs::symlink("real", dir.path().join(format!("l{i:03}"))).unwrap();
        }
        let (files, _) = read_quietly(dir.path());
        assert_eq!(files.unwrap().len(), MAX_FILES, "exactly at the limit");
        std::fs::write(dir.path().join("one-more"), b"").unwrap();
        let (files, _) = read_quietly(dir.path());
        assert!(matches!(files, Err(DirError::TooManyFiles(_))));
    }

    #[cfg(unix)]
    #[test]
    fn follows_symlinks_with_helms_notice() {
        let outside = chart_dir(&[("shared/cm.yaml", b"kind: ConfigMap\n"), ("one.txt", b"1")]);
        let dir = chart_dir(&[("Chart.yaml", b"name: x\n")]);
        let link = dir.path().join("templates");
        std::os::unix::fs::symlink(outside.path().join("shared"), &link).unwrap();
        std::os::unix::fs::symlink(outside.path().join("one.txt"), dir.path().join("alias.txt"))
            .unwrap();
        let (files, notices) = read_quietly(dir.path());
        let files = files.unwrap();
        assert_eq!(
            names(&files),
            ["Chart.yaml", "alias.txt", "templates/cm.yaml"]
        );
        assert_eq!(files[1].data, b"1");
        assert_eq!(notices.len(), 2);
        assert_eq!(notices[1].path, link);
        let resolved = std::fs::canonicalize(outside.path().join("shared")).unwrap();
        assert_eq!(notices[1].resolved, resolved);
        assert_eq!(
            notices[1].to_string(),
            format!(
                "level=INFO msg=\"found symbolic link in path. Contents of linked file included and used\" path={} resolved={}",
                link.display(),
                resolved.display()
            )
        );
    }

    #[test]
    fn log_values_are_quoted_like_slog() {
        assert_eq!(log_value("/a/b"), "/a/b");
        assert_eq!(log_value("/a b"), "\"/a b\"");
        assert_eq!(log_value("a=b"), "\"a=b\"");
        assert_eq!(log_value(""), "\"\"");
        assert_eq!(log_value("/é"), "/é");
    }

    #[cfg(unix)]
    #[test]
    fn symlink_cycles_and_dangling_links_are_errors() {
        let dir = chart_dir(&[("templates/a.yaml", b"a")]);
        std::os::unix::fs::symlink("..", dir.path().join("templates/up")).unwrap();
        let (result, _) = read_quietly(dir.path());
        let err = result.unwrap_err();
        assert!(matches!(err, DirError::SymlinkCycle { .. }), "{err}");
        assert!(err.to_string().contains("templates/up points to"), "{err}");

        // A link to a sibling directory is no cycle, even twice.
        let dir = chart_dir(&[("real/a.txt", b"a")]);
        std::os::unix::fs::symlink("real", dir.path().join("l1")).unwrap();
        std::os::unix::fs::symlink("real", dir.path().join("l2")).unwrap();
        let (result, _) = read_quietly(dir.path());
        assert_eq!(
            names(&result.unwrap()),
            ["l1/a.txt", "l2/a.txt", "real/a.txt"]
        );

        let dir = chart_dir(&[]);
        let link = dir.path().join("gone");
        std::os::unix::fs::symlink("nowhere", &link).unwrap();
        let (result, _) = read_quietly(dir.path());
        let err = result.unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("error evaluating symlink {}", link.display())
        );
    }

    #[cfg(unix)]
    #[test]
    fn refuses_irregular_files_unless_ignored() {
        let dir = chart_dir(&[("a.txt", b"a")]);
        std::os::unix::fs::symlink("/dev/null", dir.path().join("null")).unwrap();
        let (result, _) = read_quietly(dir.path());
        let err = result.unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "cannot load irregular file {} as it has file mode type bits set",
                dir.path().join("null").display()
            )
        );
        std::fs::write(dir.path().join(".helmignore"), "null\n").unwrap();
        let (result, _) = read_quietly(dir.path());
        assert_eq!(names(&result.unwrap()), [".helmignore", "a.txt"]);
    }

    #[cfg(unix)]
    #[test]
    fn ignored_directories_are_not_entered() {
        // The dangling link would be an error if the walk went in.
        let dir = chart_dir(&[(".helmignore", b"vendor/\n"), ("vendor/x/y.txt", b"")]);
        std::os::unix::fs::symlink("nowhere", dir.path().join("vendor/x/gone")).unwrap();
        let (files, _) = read_quietly(dir.path());
        assert_eq!(names(&files.unwrap()), [".helmignore"]);
    }

    #[test]
    fn abs_is_lexical() {
        assert_eq!(
            go_abs(Path::new("/a/b/../c/./d")).unwrap(),
            Path::new("/a/c/d")
        );
        assert_eq!(go_abs(Path::new("/..")).unwrap(), Path::new("/"));
        let here = std::env::current_dir().unwrap();
        assert_eq!(go_abs(Path::new("x")).unwrap(), here.join("x"));
    }
}
