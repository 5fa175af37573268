//! Reading a chart archive (`.tgz`) into a flat list of files, as Helm's
//! `LoadArchiveFiles`.
//!
//! Owns gzip and tar decoding, Helm's path checks (absolute paths, `..`,
//! content outside the chart's top directory, drive letters, a `Chart.yaml`
//! that is a directory), Helm's limits on decompressed sizes, and telling a
//! chart archive from a directory or some other file (`is_archive`,
//! `ensure_archive`). `.helmignore` plays no part here: Helm applies it when
//! packaging, not when reading an archive. Building a chart from the files is
//! the loader's business.
//!
//! Helm takes the first path element of every entry as the chart's top
//! directory and drops it without checking it against the chart's name;
//! so does this module.

use std::fs::File;
use std::io::{self, BufReader, Read};

use flate2::bufread::MultiGzDecoder;
use tar::EntryType;

use super::ChartFile;

/// The most bytes of file data Helm decompresses from one chart archive
/// (Helm's `MaxDecompressedChartSize`). Helm refuses an archive whose files
/// add up to this size or more.
pub const MAX_DECOMPRESSED_CHART_SIZE: u64 = 100 * 1024 * 1024;

/// The largest single file Helm loads from a chart, archive or directory
/// (Helm's `MaxDecompressedFileSize`).
pub const MAX_DECOMPRESSED_FILE_SIZE: u64 = 5 * 1024 * 1024;

/// The largest tar extension record (PAX header, GNU long name) read, as Go's
/// `archive/tar` limits them.
pub const MAX_EXTENSION_SIZE: u64 = 1024 * 1024;

/// The most files read from one chart, archive or directory. Helm has no such
/// limit; without one, an archive of empty entries (which compress to almost
/// nothing) could make the list of files outgrow memory. Real charts hold a
/// few hundred files.
pub const MAX_FILES: usize = 50_000;

/// The most bytes of file names read from one chart archive, for the same
/// reason (a GNU long name may be up to a mebibyte).
pub const MAX_NAMES_SIZE: usize = 8 * 1024 * 1024;

/// How many leading bytes `ensure_archive` looks at, as Go's content sniffer.
const SNIFF_LEN: usize = 512;

/// Gzip's magic number and its one compression method, deflate.
const GZIP_MAGIC: &[u8] = b"\x1F\x8B\x08";
const GZIP_HEADER_LEN: usize = 10;
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Go's mode bits of a directory, which make an entry a directory whatever
/// its type flag says.
const MODE_TYPE_DIR: u32 = 0o040000;

/// Where a tar header keeps its entry type.
const TYPEFLAG_OFFSET: usize = 156;

/// A chart archive could not be read. The messages are Helm's (and Go's) where
/// Helm has one; callers add which archive it was.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// Go's words for an empty input.
    #[error("EOF")]
    Empty,
    #[error("unexpected EOF")]
    Truncated,
    /// Not gzip data at all; Helm tells the user the file "does not appear to
    /// be a valid chart file".
    #[error("gzip: invalid header")]
    NotGzip,
    /// Shown as is (not chained), like Go's decoders' errors.
    #[error("{0}")]
    Read(io::Error),
    #[error("archive/tar: invalid tar header")]
    InvalidHeader,
    #[error("archive/tar: header field too long")]
    HeaderFieldTooLong,
    #[error("chart illegally contains absolute paths")]
    AbsolutePath,
    #[error("chart illegally contains content outside the base directory: {}", go_quote(.0))]
    OutsideBase(String),
    #[error("chart illegally references parent directory")]
    ParentDirectory,
    #[error("chart contains illegally named files")]
    DrivePath,
    #[error("chart yaml not in base directory")]
    ChartYamlNotInBase,
    #[error("decompressed chart is larger than the maximum size {MAX_DECOMPRESSED_CHART_SIZE}")]
    ChartTooLarge,
    #[error(
        "decompressed chart file {} is larger than the maximum file size {MAX_DECOMPRESSED_FILE_SIZE}",
        go_quote(.0)
    )]
    FileTooLarge(String),
    #[error("no files in chart archive")]
    NoFiles,
    #[error("chart archive holds more than {MAX_FILES} files; a chart this large is not supported")]
    TooManyFiles,
    #[error(
        "chart archive file names add up to more than {MAX_NAMES_SIZE} bytes; a chart this large is not supported"
    )]
    NamesTooLarge,
    #[error("chart archive entry {} is not named in UTF-8; repackage the chart with UTF-8 file names", go_quote(.0))]
    NonUtf8Name(String),
    #[error("chart archive entry {} is a sparse file, which is not supported; repackage the chart with `helm package`", go_quote(.0))]
    Sparse(String),
    #[error("file '{name}' cannot be read")]
    Unreadable {
        name: String,
        #[source]
        source: io::Error,
    },
    #[error("file '{name}' seems to be a YAML file, but expected a gzipped archive")]
    YamlNotArchive { name: String },
    #[error("file '{name}' does not appear to be a gzipped archive; got '{content_type}'")]
    NotArchive { name: String, content_type: String },
}

fn go_quote(s: &str) -> String {
    crate::gotmpl::fmt::quote(s)
}

/// Helm's `EnsureArchive`: a friendly refusal for a file that is not gzip data
/// (a values file passed where the chart belongs, say), before any decoding.
/// `name` is the path as the user gave it. Reads from the start of `file` and
/// rewinds it.
pub fn ensure_archive(name: &str, file: &mut File) -> Result<(), ArchiveError> {
    use std::io::{Seek, SeekFrom};
    let mut head = Vec::with_capacity(SNIFF_LEN);
    let read = (&mut *file)
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut head)
        .and_then(|_| file.seek(SeekFrom::Start(0)));
    read.map_err(|source| ArchiveError::Unreadable {
        name: name.to_string(),
        source,
    })?;
    if head.starts_with(GZIP_MAGIC) {
        return Ok(());
    }
    if name.ends_with(".yml") || name.ends_with(".yaml") {
        return Err(ArchiveError::YamlNotArchive {
            name: name.to_string(),
        });
    }
    // Helm sniffs its whole 512-byte buffer, zeros after a short file
    // included, so a short text file reads as binary.
    head.resize(SNIFF_LEN, 0);
    Err(ArchiveError::NotArchive {
        name: name.to_string(),
        content_type: sniff_content_type(&head).to_string(),
    })
}

/// The common cases of Go's `http.DetectContentType`, for `ensure_archive`'s
/// message: markup, documents, images and archives by their signatures, text
/// when no byte looks binary, else `application/octet-stream`.
fn sniff_content_type(data: &[u8]) -> &'static str {
    let data = &data[..data.len().min(SNIFF_LEN)];
    let first_non_ws = data
        .iter()
        .position(|b| !matches!(b, b'\t' | b'\n' | 0x0c | b'\r' | b' '))
        .unwrap_or(data.len());
    let text = &data[first_non_ws..];
    const HTML: &[&[u8]] = &[
        b"<!DOCTYPE HTML",
        b"<HTML",
        b"<HEAD",
        b"<SCRIPT",
        b"<IFRAME",
        b"<H1",
        b"<DIV",
        b"<FONT",
        b"<TABLE",
        b"<A",
        b"<STYLE",
        b"<TITLE",
        b"<B",
        b"<BODY",
        b"<BR",
        b"<P",
        b"<!--",
    ];
    let is_html = |sig: &[u8]| {
        text.len() > sig.len()
            && sig.iter().zip(text).all(|(&s, &d)| {
                let d = if s.is_ascii_uppercase() { d & 0xDF } else { d };
                s == d
            })
            && matches!(text[sig.len()], b' ' | b'>')
    };
    if HTML.iter().any(|sig| is_html(sig)) {
        return "text/html; charset=utf-8";
    }
    if text.starts_with(b"<?xml") {
        return "text/xml; charset=utf-8";
    }
    const EXACT: &[(&[u8], &str)] = &[
        (b"%PDF-", "application/pdf"),
        (b"%!PS-Adobe-", "application/postscript"),
        (b"\xFE\xFF", "text/plain; charset=utf-16be"),
        (b"\xFF\xFE", "text/plain; charset=utf-16le"),
        (UTF8_BOM, "text/plain; charset=utf-8"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
        (b"\x89PNG\x0D\x0A\x1A\x0A", "image/png"),
        (b"\xFF\xD8\xFF", "image/jpeg"),
        (b"BM", "image/bmp"),
        (b"PK\x03\x04", "application/zip"),
        (b"Rar!\x1A\x07\x00", "application/x-rar-compressed"),
        (b"Rar!\x1A\x07\x01\x00", "application/x-rar-compressed"),
        (b"\x00\x61\x73\x6D", "application/wasm"),
    ];
    if let Some((_, content_type)) = EXACT.iter().find(|(sig, _)| data.starts_with(sig)) {
        return content_type;
    }
    let binary = text.iter().any(|&b| {
        b <= 0x08 || b == 0x0B || (0x0E..=0x1A).contains(&b) || (0x1C..=0x1F).contains(&b)
    });
    if binary {
        "application/octet-stream"
    } else {
        "text/plain; charset=utf-8"
    }
}

/// Reads every file of a gzipped tar chart archive, as Helm's
/// `LoadArchiveFiles`: names lose their first path element (the chart's
/// directory), directories and tar metadata entries are skipped, every other
/// entry (links and devices too, as Helm) is a file with the entry's data,
/// UTF-8 byte-order marks dropped, in archive order.
pub fn read_archive_files(r: impl Read) -> Result<Vec<ChartFile>, ArchiveError> {
    let mut r = r;
    let head = read_gzip_header(&mut r)?;
    let input = BufReader::new(io::Cursor::new(head).chain(r));
    let mut archive = tar::Archive::new(MultiGzDecoder::new(input));
    // Raw entries: extension records are read here, within Go's size limit,
    // instead of unbounded inside the tar crate.
    let entries = archive.entries().map_err(read_error)?.raw(true);

    let mut files = Vec::new();
    let mut remaining = MAX_DECOMPRESSED_CHART_SIZE;
    let mut names_size = 0;
    let mut pending = Extensions::default();
    for entry in entries {
        let mut entry = entry.map_err(read_error)?;
        let header = entry.header().clone();
        let kind = header.entry_type();
        match kind {
            EntryType::GNULongName => {
                pending.long_name = Some(c_string(read_extension(&mut entry)?));
                continue;
            }
            EntryType::GNULongLink => {
                read_extension(&mut entry)?;
                continue;
            }
            EntryType::XHeader => {
                pending.pax = Some(parse_pax(&read_extension(&mut entry)?)?);
                continue;
            }
            EntryType::XGlobalHeader => {
                // Checked like Go does, then skipped like Helm does.
                parse_pax(&read_extension(&mut entry)?)?;
                pending = Extensions::default();
                continue;
            }
            _ => {}
        }
        let extensions = std::mem::take(&mut pending);
        let pax = extensions.pax.unwrap_or_default();
        let raw_name = match extensions.long_name {
            Some(name) => name,
            None => match &pax.path {
                Some(path) => path.clone(),
                None => header.path_bytes().into_owned(),
            },
        };
        let header_size = header
            .entry_size()
            .map_err(|_| ArchiveError::InvalidHeader)?;
        let mode = header.mode().map_err(|_| ArchiveError::InvalidHeader)?;

        // Old archives mark directories by a trailing `/` on a type-0 entry.
        let legacy_dir = header.as_bytes()[TYPEFLAG_OFFSET] == 0 && raw_name.last() == Some(&b'/');
        if kind == EntryType::Directory || legacy_dir || mode & !0o7777 == MODE_TYPE_DIR {
            continue;
        }

        let Ok(raw_name) = String::from_utf8(raw_name.clone()) else {
            return Err(ArchiveError::NonUtf8Name(
                String::from_utf8_lossy(&raw_name).into_owned(),
            ));
        };
        if kind == EntryType::GNUSparse || pax.sparse {
            return Err(ArchiveError::Sparse(raw_name));
        }
        let name = chart_relative_name(&raw_name)?;
        if files.len() == MAX_FILES {
            return Err(ArchiveError::TooManyFiles);
        }
        names_size += name.len();
        if names_size > MAX_NAMES_SIZE {
            return Err(ArchiveError::NamesTooLarge);
        }

        // Go gives link and device entries no data, whatever size they state.
        let header_only = matches!(
            kind,
            EntryType::Link
                | EntryType::Symlink
                | EntryType::Char
                | EntryType::Block
                | EntryType::Fifo
        );
        let size = pax.size.unwrap_or(header_size);
        if size > remaining {
            return Err(ArchiveError::ChartTooLarge);
        }
        if size > MAX_DECOMPRESSED_FILE_SIZE {
            return Err(ArchiveError::FileTooLarge(raw_name));
        }
        if pax.size.is_some_and(|s| s != header_size) && !header_only {
            // Go would read the PAX size; the tar crate steps by the header's.
            // Only a crafted archive has them disagree.
            return Err(ArchiveError::InvalidHeader);
        }
        let mut data = Vec::new();
        if !header_only {
            data.reserve_exact(size as usize);
            entry.read_to_end(&mut data).map_err(read_error)?;
            if (data.len() as u64) < size {
                // The stream ended inside this entry.
                return Err(ArchiveError::Truncated);
            }
        }
        let written = data.len() as u64;
        remaining -= written;
        // Helm refuses reaching the limit exactly, and data missing from an
        // entry that promised some.
        if written < size || remaining == 0 {
            return Err(ArchiveError::ChartTooLarge);
        }
        if data.starts_with(UTF8_BOM) {
            data.drain(..UTF8_BOM.len());
        }
        let modtime = header
            .mtime()
            .ok()
            .map(|s| std::time::UNIX_EPOCH + std::time::Duration::from_secs(s));
        files.push(ChartFile {
            name,
            data,
            modtime,
        });
    }
    if files.is_empty() {
        return Err(ArchiveError::NoFiles);
    }
    Ok(files)
}

/// Helm's path rules for one entry: the first element goes, the rest must
/// stay inside the chart.
fn chart_relative_name(raw: &str) -> Result<String, ArchiveError> {
    // Archives made on Windows may use `\`.
    let delimiter = if raw.contains('\\') { '\\' } else { '/' };
    let mut parts = raw.split(delimiter);
    let first = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    let joined = rest.join("/");
    if joined.starts_with('/') {
        return Err(ArchiveError::AbsolutePath);
    }
    let name = clean(&joined);
    if name == "." {
        return Err(ArchiveError::OutsideBase(raw.to_string()));
    }
    if name.starts_with("..") {
        return Err(ArchiveError::ParentDirectory);
    }
    let bytes = name.as_bytes();
    if bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && &bytes[1..3] == b":/" {
        return Err(ArchiveError::DrivePath);
    }
    if first == "Chart.yaml" {
        return Err(ArchiveError::ChartYamlNotInBase);
    }
    Ok(name)
}

/// Go's `path.Clean` for a relative path: no empty or `.` elements, `..`
/// eats the element before it, `.` for nothing left.
fn clean(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if matches!(out.last(), Some(&last) if last != "..") {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    if out.is_empty() {
        ".".to_string()
    } else {
        out.join("/")
    }
}

/// Go's gzip reader reads a ten-byte header before anything else: nothing at
/// all is `EOF`, fewer bytes `unexpected EOF`, a wrong magic number or method
/// an invalid header. Returns the bytes read, for the decoder to see again.
fn read_gzip_header(input: &mut impl Read) -> Result<Vec<u8>, ArchiveError> {
    let mut head = Vec::with_capacity(GZIP_HEADER_LEN);
    input
        .take(GZIP_HEADER_LEN as u64)
        .read_to_end(&mut head)
        .map_err(read_error)?;
    match head.len() {
        0 => Err(ArchiveError::Empty),
        GZIP_HEADER_LEN if head.starts_with(GZIP_MAGIC) => Ok(head),
        GZIP_HEADER_LEN => Err(ArchiveError::NotGzip),
        _ => Err(ArchiveError::Truncated),
    }
}

/// What tar extension records said about the next entry.
#[derive(Default)]
struct Extensions {
    long_name: Option<Vec<u8>>,
    pax: Option<Pax>,
}

#[derive(Default)]
struct Pax {
    path: Option<Vec<u8>>,
    size: Option<u64>,
    sparse: bool,
}

fn read_extension(entry: &mut impl Read) -> Result<Vec<u8>, ArchiveError> {
    let mut data = Vec::new();
    entry
        .take(MAX_EXTENSION_SIZE + 1)
        .read_to_end(&mut data)
        .map_err(read_error)?;
    if data.len() as u64 > MAX_EXTENSION_SIZE {
        return Err(ArchiveError::HeaderFieldTooLong);
    }
    Ok(data)
}

/// A PAX record set; a malformed one is an invalid header, as in Go.
fn parse_pax(data: &[u8]) -> Result<Pax, ArchiveError> {
    let mut pax = Pax::default();
    for record in tar::PaxExtensions::new(data) {
        let record = record.map_err(|_| ArchiveError::InvalidHeader)?;
        match record.key_bytes() {
            b"path" => pax.path = Some(record.value_bytes().to_vec()),
            b"size" => {
                let size = std::str::from_utf8(record.value_bytes())
                    .ok()
                    .and_then(|v| v.parse::<i64>().ok())
                    .and_then(|v| u64::try_from(v).ok())
                    .ok_or(ArchiveError::InvalidHeader)?;
                pax.size = Some(size);
            }
            key if key.starts_with(b"GNU.sparse.") => pax.sparse = true,
            _ => {}
        }
    }
    Ok(pax)
}

/// A GNU long name: up to its first NUL.
fn c_string(mut data: Vec<u8>) -> Vec<u8> {
    if let Some(end) = memchr::memchr(0, &data) {
        data.truncate(end);
    }
    data
}

/// Decoding errors as Go words the common ones.
fn read_error(err: io::Error) -> ArchiveError {
    match err.kind() {
        io::ErrorKind::UnexpectedEof => ArchiveError::Truncated,
        // The tar crate reports malformed headers (checksum, numbers) so.
        io::ErrorKind::Other => ArchiveError::InvalidHeader,
        _ => ArchiveError::Read(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write;

    /// One tar entry written byte for byte, so tests can build entries the
    /// tar crate's builder refuses to write.
    struct Raw<'a> {
        name: &'a [u8],
        kind: u8,
        mode: u32,
        size: Option<u64>,
        data: &'a [u8],
    }

    fn file<'a>(name: &'a str, data: &'a [u8]) -> Raw<'a> {
        Raw {
            name: name.as_bytes(),
            kind: b'0',
            mode: 0o644,
            size: None,
            data,
        }
    }

    fn tar_bytes(entries: &[Raw]) -> Vec<u8> {
        let mut out = Vec::new();
        for e in entries {
            let mut header = tar::Header::new_ustar();
            let bytes = header.as_mut_bytes();
            bytes[..e.name.len()].copy_from_slice(e.name);
            bytes[TYPEFLAG_OFFSET] = e.kind;
            header.set_mode(e.mode);
            header.set_size(e.size.unwrap_or(e.data.len() as u64));
            header.set_cksum();
            out.extend_from_slice(header.as_bytes());
            out.extend_from_slice(e.data);
            out.resize(out.len().next_multiple_of(512), 0);
        }
        out.extend_from_slice(&[0; 1024]);
        out
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    fn read(entries: &[Raw]) -> Result<Vec<ChartFile>, ArchiveError> {
        read_archive_files(gzip(&tar_bytes(entries)).as_slice())
    }

    fn names(files: &[ChartFile]) -> Vec<&str> {
        files.iter().map(|f| f.name.as_str()).collect()
    }

    fn error(entries: &[Raw]) -> String {
        read(entries).unwrap_err().to_string()
    }

    #[test]
    fn strips_the_top_directory_and_skips_directories() {
        let dir = Raw {
            kind: b'5',
            ..file("demo/", b"")
        };
        let files = read(&[
            dir,
            file("demo/Chart.yaml", b"\xEF\xBB\xBFname: demo\n"),
            file("demo/templates/b.yaml", b"b"),
            file("demo/templates/a.yaml", b"a"),
            file("other/./x//y.txt", b"y"),
        ])
        .unwrap();
        assert_eq!(
            names(&files),
            [
                "Chart.yaml",
                "templates/b.yaml",
                "templates/a.yaml",
                "x/y.txt"
            ],
            "archive order, cleaned names"
        );
        assert_eq!(files[0].data, b"name: demo\n");
    }

    #[test]
    fn directories_by_mode_or_legacy_slash() {
        let by_mode = Raw {
            mode: 0o040755,
            ..file("demo/sub", b"")
        };
        let legacy = Raw {
            kind: 0,
            ..file("demo/old/", b"")
        };
        // A type-0 entry named like a directory is a file to Go.
        let files = read(&[by_mode, legacy, file("demo/new/", b"n")]).unwrap();
        assert_eq!(names(&files), ["new"]);
    }

    #[test]
    fn links_and_devices_are_empty_files_as_in_helm() {
        let link = Raw {
            kind: b'2',
            ..file("demo/templates/link.yaml", b"")
        };
        let fifo = Raw {
            kind: b'6',
            ..file("demo/fifo", b"")
        };
        let files = read(&[link, fifo, file("demo/Chart.yaml", b"c")]).unwrap();
        assert_eq!(names(&files), ["templates/link.yaml", "fifo", "Chart.yaml"]);
        assert!(files[0].data.is_empty());

        // A link entry that claims data gets none, which Helm reports so.
        let link = Raw {
            kind: b'2',
            size: Some(3),
            ..file("demo/l", b"")
        };
        assert_eq!(
            error(&[link]),
            "decompressed chart is larger than the maximum size 104857600"
        );
    }

    #[test]
    fn helms_path_errors() {
        assert_eq!(
            error(&[file("Chart.yaml", b"")]),
            "chart illegally contains content outside the base directory: \"Chart.yaml\""
        );
        assert_eq!(
            error(&[file("demo//etc/passwd", b"")]),
            "chart illegally contains absolute paths"
        );
        assert_eq!(
            error(&[file("demo/../../x", b"")]),
            "chart illegally references parent directory"
        );
        assert_eq!(
            error(&[file("demo/..x", b"")]),
            "chart illegally references parent directory",
            "Helm refuses any name starting with .."
        );
        assert_eq!(
            error(&[file("demo\\c:\\evil", b"")]),
            "chart contains illegally named files"
        );
        assert_eq!(
            error(&[file("Chart.yaml/x", b"")]),
            "chart yaml not in base directory"
        );
        // A leading `/` is the empty first element: dropped, not absolute.
        let files = read(&[file("/etc/passwd", b"")]).unwrap();
        assert_eq!(names(&files), ["etc/passwd"]);
        let files = read(&[file("demo\\templates\\a.yaml", b"a")]).unwrap();
        assert_eq!(names(&files), ["templates/a.yaml"]);
    }

    #[test]
    fn refuses_non_utf8_names_and_sparse_files() {
        let bad = Raw {
            name: b"demo/\xff.yaml",
            ..file("", b"")
        };
        assert_eq!(
            error(&[bad]),
            "chart archive entry \"demo/\u{fffd}.yaml\" is not named in UTF-8; repackage the chart with UTF-8 file names"
        );
        let sparse = Raw {
            kind: b'S',
            ..file("demo/s", b"")
        };
        assert!(error(&[sparse]).contains("is a sparse file"));
    }

    #[test]
    fn file_size_limit() {
        let at = vec![b'a'; MAX_DECOMPRESSED_FILE_SIZE as usize];
        let files = read(&[file("demo/at", &at)]).unwrap();
        assert_eq!(files[0].data.len(), at.len());
        let past = vec![b'a'; MAX_DECOMPRESSED_FILE_SIZE as usize + 1];
        assert_eq!(
            error(&[file("demo/past", &past)]),
            "decompressed chart file \"demo/past\" is larger than the maximum file size 5242880"
        );
    }

    #[test]
    fn chart_size_limit() {
        let full = vec![b'a'; MAX_DECOMPRESSED_FILE_SIZE as usize];
        let count = (MAX_DECOMPRESSED_CHART_SIZE / MAX_DECOMPRESSED_FILE_SIZE) as usize;
        let names: Vec<String> = (0..count).map(|i| format!("demo/f{i}")).collect();
        let mut entries: Vec<Raw> = names.iter().map(|n| file(n, &full)).collect();
        // One byte short of the limit loads; reaching it does not, as in Helm.
        let short = vec![b'a'; full.len() - 1];
        entries[count - 1] = file(&names[count - 1], &short);
        assert_eq!(read(&entries).unwrap().len(), count);
        entries[count - 1] = file(&names[count - 1], &full);
        assert_eq!(
            error(&entries),
            "decompressed chart is larger than the maximum size 104857600"
        );
        entries.push(file("demo/more", b"x"));
        assert_eq!(
            error(&entries),
            "decompressed chart is larger than the maximum size 104857600"
        );
    }

    #[test]
    fn gzip_and_tar_errors_in_gos_words() {
        assert_eq!(read_archive_files(&b""[..]).unwrap_err().to_string(), "EOF");
        assert_eq!(
            read_archive_files(&b"\x1f\x8b"[..])
                .unwrap_err()
                .to_string(),
            "unexpected EOF"
        );
        let err = read_archive_files(&b"apiVersion: v2\nname: x\n"[..]).unwrap_err();
        assert!(matches!(err, ArchiveError::NotGzip));
        assert_eq!(err.to_string(), "gzip: invalid header");
        assert_eq!(
            read_archive_files(gzip(&[7; 2048]).as_slice())
                .unwrap_err()
                .to_string(),
            "archive/tar: invalid tar header"
        );
        assert_eq!(
            read_archive_files(gzip(&[]).as_slice())
                .unwrap_err()
                .to_string(),
            "no files in chart archive"
        );
        let dir_only = Raw {
            kind: b'5',
            ..file("demo/", b"")
        };
        assert_eq!(error(&[dir_only]), "no files in chart archive");

        let whole = gzip(&tar_bytes(&[file("demo/a", &[b'x'; 4096])]));
        let cut = &whole[..whole.len() / 2];
        let err = read_archive_files(cut).unwrap_err();
        assert!(
            matches!(err, ArchiveError::Truncated | ArchiveError::Read(_)),
            "{err:?}"
        );
        let tar = tar_bytes(&[file("demo/a", &[b'x'; 4096])]);
        let err = read_archive_files(gzip(&tar[..1024]).as_slice()).unwrap_err();
        assert_eq!(err.to_string(), "unexpected EOF", "tar data cut short");
    }

    #[test]
    fn concatenated_gzip_members_are_one_stream() {
        let tar = tar_bytes(&[file("demo/a", b"a"), file("demo/b", b"b")]);
        let mut both = gzip(&tar[..512 * 2]);
        both.extend(gzip(&tar[512 * 2..]));
        let files = read_archive_files(both.as_slice()).unwrap();
        assert_eq!(names(&files), ["a", "b"]);
    }

    #[test]
    fn long_names_and_pax_records() {
        let long = format!("demo/templates/{}.yaml", "n".repeat(150));
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_size(1);
        header.set_mode(0o644);
        builder.append_data(&mut header, &long, &b"x"[..]).unwrap();
        let files = read_archive_files(gzip(&builder.into_inner().unwrap()).as_slice()).unwrap();
        assert_eq!(names(&files), [&long["demo/".len()..]]);

        // A PAX record counts its own length digits.
        let record = |key: &str, value: &str| {
            let body = format!(" {key}={value}\n");
            let len = (1..)
                .map(|digits| digits + body.len())
                .find(|len| len.to_string().len() + body.len() == *len)
                .unwrap();
            format!("{len}{body}")
        };
        let pax = record("path", "demo/from-pax.txt");
        let global = record("comment", "made by a test");
        let entries = [
            Raw {
                kind: b'g',
                ..file("pax_global_header", global.as_bytes())
            },
            Raw {
                kind: b'x',
                ..file("demo/PaxHeaders/x", pax.as_bytes())
            },
            file("demo/short-name", b"p"),
        ];
        let files = read(&entries).unwrap();
        assert_eq!(names(&files), ["from-pax.txt"]);
        assert_eq!(files[0].data, b"p");

        let bad = [Raw {
            kind: b'x',
            ..file("demo/PaxHeaders/x", b"garbage")
        }];
        assert_eq!(error(&bad), "archive/tar: invalid tar header");
    }

    #[test]
    fn extension_record_limit() {
        let at = vec![b'n'; MAX_EXTENSION_SIZE as usize];
        let entries = [
            Raw {
                kind: b'L',
                ..file("././@LongLink", &at)
            },
            file("demo/x", b""),
        ];
        // Accepted at the limit (the name is then too silly to matter).
        assert!(matches!(read(&entries), Err(ArchiveError::OutsideBase(_))));
        let past = vec![b'n'; MAX_EXTENSION_SIZE as usize + 1];
        let entries = [
            Raw {
                kind: b'L',
                ..file("././@LongLink", &past)
            },
            file("demo/x", b""),
        ];
        assert_eq!(error(&entries), "archive/tar: header field too long");
    }

    #[test]
    fn file_count_limit() {
        let names: Vec<String> = (0..=MAX_FILES).map(|i| format!("demo/{i}")).collect();
        let entries: Vec<Raw> = names.iter().map(|n| file(n, b"")).collect();
        assert_eq!(read(&entries[..MAX_FILES]).unwrap().len(), MAX_FILES);
        assert_eq!(
            error(&entries),
            "chart archive holds more than 50000 files; a chart this large is not supported"
        );
    }

    #[test]
    fn names_size_limit() {
        // Long names through GNU records: each name is 1000 bytes once the
        // top directory is dropped.
        let name = |i: usize| format!("demo/{i:0>1000}").into_bytes();
        let count = MAX_NAMES_SIZE / 1000;
        let tail = MAX_NAMES_SIZE % 1000;
        let mut long = Vec::new();
        for i in 0..count {
            long.push(name(i));
        }
        long.push(format!("demo/{:0>tail$}", "", tail = tail).into_bytes());
        let build = |names: &[Vec<u8>]| -> Vec<u8> {
            let mut tar = Vec::new();
            for n in names {
                let raw = tar_bytes(&[
                    Raw {
                        kind: b'L',
                        ..file("././@LongLink", n)
                    },
                    file("demo/short", b""),
                ]);
                tar.extend_from_slice(&raw[..raw.len() - 1024]);
            }
            tar.extend_from_slice(&[0; 1024]);
            tar
        };
        let files = read_archive_files(gzip(&build(&long)).as_slice()).unwrap();
        assert_eq!(
            files.iter().map(|f| f.name.len()).sum::<usize>(),
            MAX_NAMES_SIZE
        );
        long.push(b"demo/x".to_vec());
        let err = read_archive_files(gzip(&build(&long)).as_slice()).unwrap_err();
        assert!(matches!(err, ArchiveError::NamesTooLarge), "{err}");
    }

    #[test]
    fn pax_size_must_agree_with_the_header() {
        let entries = [
            Raw {
                kind: b'x',
                ..file("demo/PaxHeaders/x", b"12 size=999\n")
            },
            file("demo/a", b"a"),
        ];
        assert_eq!(error(&entries), "archive/tar: invalid tar header");
        let entries = [
            Raw {
                kind: b'x',
                ..file("demo/PaxHeaders/x", b"16 size=9999999\n")
            },
            file("demo/a", b"a"),
        ];
        assert_eq!(
            error(&entries),
            "decompressed chart file \"demo/a\" is larger than the maximum file size 5242880"
        );
    }

    #[test]
    fn ensure_archive_messages() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, data: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, data).unwrap();
            (path.display().to_string(), File::open(&path).unwrap())
        };
        let (name, mut f) = write("values.yaml", b"a: 1\n");
        assert_eq!(
            ensure_archive(&name, &mut f).unwrap_err().to_string(),
            format!("file '{name}' seems to be a YAML file, but expected a gzipped archive")
        );
        let (name, mut f) = write("notes", "hello\n".repeat(100).as_bytes());
        assert_eq!(
            ensure_archive(&name, &mut f).unwrap_err().to_string(),
            format!(
                "file '{name}' does not appear to be a gzipped archive; got 'text/plain; charset=utf-8'"
            )
        );
        // As Helm: a short file is sniffed with zero padding, so it is binary.
        let (name, mut f) = write("notgz.tgz", b"hello");
        assert_eq!(
            ensure_archive(&name, &mut f).unwrap_err().to_string(),
            format!(
                "file '{name}' does not appear to be a gzipped archive; got 'application/octet-stream'"
            )
        );
        let (name, mut f) = write("blob", b"\x00\x01\x02");
        assert!(
            ensure_archive(&name, &mut f)
                .unwrap_err()
                .to_string()
                .ends_with("got 'application/octet-stream'")
        );
        let archive = gzip(&tar_bytes(&[file("demo/a", b"a")]));
        let (name, mut f) = write("demo.tgz", &archive);
        ensure_archive(&name, &mut f).unwrap();
        assert_eq!(read_archive_files(&mut f).unwrap().len(), 1, "rewound");

        assert_eq!(
            sniff_content_type(b"  <html><body>"),
            "text/html; charset=utf-8"
        );
        assert_eq!(
            sniff_content_type(b"<?xml version"),
            "text/xml; charset=utf-8"
        );
        assert_eq!(sniff_content_type(b"PK\x03\x04rest"), "application/zip");
        assert_eq!(sniff_content_type(b"%PDF-1.4"), "application/pdf");
    }
}
