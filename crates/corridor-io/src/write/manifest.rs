//! Whole output directories: a run, ensemble, compare, sweep or calibration
//! directory is built in a sibling staging directory, sealed with a manifest
//! (`corridor-manifest.json`: tool version, kind, and every file with its size and
//! SHA-256) and then swapped into place, so a reader sees the old directory or the
//! new one, never a mix of two runs or a half-written set.
//!
//! Invariants:
//! * [`StagedDir::begin`] never touches anything that is not corridor's: the target
//!   must be absent, an empty directory, or a directory holding a manifest (an
//!   earlier corridor output); anything else is refused ([`WriteError::NotOutputDir`],
//!   [`WriteError::OutIsFile`]) before any work is written.
//! * The staging directory is a sibling of the target (same file system, so the
//!   final step is a rename) named `.<target>.corridor-stage.<pid>.<n>`; it is
//!   removed when the [`StagedDir`] is dropped without [`StagedDir::commit`].
//! * On Linux the swap is one `renameat2(RENAME_EXCHANGE)`: there is no moment at
//!   which the target is missing or mixed. Elsewhere the old directory is first
//!   renamed aside, leaving a short window in which the target is absent (never
//!   mixed).
//! * Each file is hashed once: [`StagedDir::seal_with`] takes the digests its
//!   writer computed from the bytes it wrote (and those of a nested output
//!   directory from that directory's own manifest, sealed just before inside the
//!   stage), reading and hashing only the files it was given no digest for or
//!   whose size on disk differs. Everything below a stage was written by this
//!   process after [`StagedDir::begin`], so nothing else can have changed it.
//! * The manifest lists every file below the directory except itself and the
//!   reports (`report.html`, at any depth): a report is derived from the listed
//!   files and `corridor report` rewrites it in place. [`check_dir`] accepts a
//!   directory only if every listed file is present with its size and digest and
//!   no unlisted file is there.

use super::atomic::{sync_dir, write_atomic};
use super::WriteError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use thiserror::Error;

/// The manifest's file name, at the top of every corridor output directory.
pub const MANIFEST_FILE: &str = "corridor-manifest.json";

/// The report's file name; not listed in manifests (see the module documentation).
const REPORT_FILE: &str = "report.html";

/// Version of the manifest's own layout.
const FORMAT: u32 = 1;

/// What an output directory holds (`kind` in the manifest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    Run,
    Ensemble,
    Compare,
    Sweep,
    Calibrate,
    Forecast,
    Backtest,
}

impl OutputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OutputKind::Run => "run",
            OutputKind::Ensemble => "ensemble",
            OutputKind::Compare => "compare",
            OutputKind::Sweep => "sweep",
            OutputKind::Calibrate => "calibrate",
            OutputKind::Forecast => "forecast",
            OutputKind::Backtest => "backtest",
        }
    }
}

/// The manifest of an output directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub corridor_version: String,
    /// One of [`OutputKind::as_str`].
    pub kind: String,
    /// Sorted by path.
    pub files: Vec<ManifestEntry>,
}

/// One file of an output directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// Relative to the directory, `/`-separated.
    pub path: String,
    pub bytes: u64,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
}

/// Why a directory is not a whole corridor output directory.
#[derive(Debug, Error)]
pub enum ManifestError {
    #[error("{}: not a corridor output directory (no {MANIFEST_FILE}; a folder written by an older corridor has none: run it again)", dir.display())]
    Missing { dir: PathBuf },
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not a valid corridor manifest: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("{}: incomplete output directory: {file} is listed in {MANIFEST_FILE} but missing (the run that wrote it was interrupted or the file was removed; run it again)", dir.display())]
    MissingFile { dir: PathBuf, file: String },
    #[error("{}: mixed output directory: {file} differs from the one listed in {MANIFEST_FILE} (changed after the run, or left by another run; run it again)", dir.display())]
    Changed { dir: PathBuf, file: String },
    #[error("{}: mixed output directory: {file} is not listed in {MANIFEST_FILE} (left by another run or added by hand; run again into an empty or new --out)", dir.display())]
    Unlisted { dir: PathBuf, file: String },
}

impl ManifestEntry {
    /// The entry of the file at `path` (relative, `/`-separated) holding `bytes`.
    pub fn of(path: &str, bytes: &[u8]) -> ManifestEntry {
        ManifestEntry {
            path: path.to_string(),
            bytes: bytes.len() as u64,
            sha256: sha256_hex(bytes),
        }
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// True for files a manifest does not list: itself, reports, and the temporary
/// file a report is written through (hidden, `.report.html.<pid>.tmp`).
fn unlisted_by_design(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    rel == MANIFEST_FILE
        || name == REPORT_FILE
        || (name.starts_with(".report.html.") && name.ends_with(".tmp"))
}

/// Every regular file below `dir`, as sorted `/`-separated relative paths. A
/// symbolic link or other non-file is reported as a file so that checks see it.
fn walk(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((d, prefix)) = stack.pop() {
        for e in fs::read_dir(&d)? {
            let e = e?;
            let name = e.file_name().to_string_lossy().into_owned();
            let rel = format!("{prefix}{name}");
            if e.file_type()?.is_dir() {
                stack.push((e.path(), format!("{rel}/")));
            } else {
                out.push(rel);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Writes `dir`'s manifest listing every file now below it (see the module
/// documentation for what is left out).
pub fn write_manifest(dir: &Path, kind: OutputKind) -> Result<Manifest, WriteError> {
    write_manifest_with(dir, kind, &[], false)
}

/// [`write_manifest`] taking the digest of a file from `known` (by relative
/// path) when its size on disk matches, else reading and hashing it; with
/// `nested`, also from the manifest of each subdirectory that has one (an
/// output directory sealed inside this one, e.g. a variant of a comparison).
fn write_manifest_with(
    dir: &Path,
    kind: OutputKind,
    known: &[ManifestEntry],
    nested: bool,
) -> Result<Manifest, WriteError> {
    let io = |path: PathBuf| move |source| WriteError::Io { path, source };
    let present = walk(dir).map_err(io(dir.to_path_buf()))?;
    let mut digests: std::collections::BTreeMap<String, &ManifestEntry> =
        known.iter().map(|e| (e.path.clone(), e)).collect();
    let mut inner = Vec::new();
    if nested {
        for rel in &present {
            if let Some(sub) = rel.strip_suffix(&format!("/{MANIFEST_FILE}")) {
                // Unreadable: its files are hashed from disk.
                if let Ok(m) = read_manifest(&dir.join(sub)) {
                    inner.extend(m.files.into_iter().map(|mut e| {
                        e.path = format!("{sub}/{}", e.path);
                        e
                    }));
                }
            }
        }
    }
    for e in &inner {
        digests.entry(e.path.clone()).or_insert(e);
    }
    let mut files = Vec::new();
    for rel in present {
        if unlisted_by_design(&rel) {
            continue;
        }
        let path = dir.join(&rel);
        if let Some(e) = digests.get(&rel) {
            let len = fs::symlink_metadata(&path).map_err(io(path.clone()))?;
            if len.is_file() && len.len() == e.bytes {
                files.push((*e).clone());
                continue;
            }
        }
        let bytes = fs::read(&path).map_err(io(path.clone()))?;
        files.push(ManifestEntry::of(&rel, &bytes));
    }
    let m = Manifest {
        format: FORMAT,
        corridor_version: env!("CARGO_PKG_VERSION").to_string(),
        kind: kind.as_str().to_string(),
        files,
    };
    let mut text = serde_json::to_string_pretty(&m).map_err(|source| WriteError::Json {
        file: MANIFEST_FILE,
        source,
    })?;
    text.push('\n');
    write_atomic(&dir.join(MANIFEST_FILE), text.as_bytes())?;
    Ok(m)
}

/// Reads `dir`'s manifest, without checking the files.
pub fn read_manifest(dir: &Path) -> Result<Manifest, ManifestError> {
    let path = dir.join(MANIFEST_FILE);
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ManifestError::Missing {
                dir: dir.to_path_buf(),
            })
        }
        Err(source) => return Err(ManifestError::Read { path, source }),
    };
    let m: Manifest = serde_json::from_slice(&bytes).map_err(|e| ManifestError::Invalid {
        path: path.clone(),
        message: e.to_string(),
    })?;
    if m.format != FORMAT {
        return Err(ManifestError::Invalid {
            path,
            message: format!("format {} (this corridor reads format {FORMAT})", m.format),
        });
    }
    Ok(m)
}

/// Checks that `dir` is a whole corridor output directory: its manifest lists
/// exactly the files present (reports aside), each with its size and digest.
pub fn check_dir(dir: &Path) -> Result<Manifest, ManifestError> {
    let m = read_manifest(dir)?;
    let read_err = |path: PathBuf| move |source| ManifestError::Read { path, source };
    let present = walk(dir).map_err(read_err(dir.to_path_buf()))?;
    let mut listed = std::collections::BTreeSet::new();
    for f in &m.files {
        // A listed path must stay inside the directory.
        if f.path
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..")
        {
            return Err(ManifestError::Invalid {
                path: dir.join(MANIFEST_FILE),
                message: format!("file path {:?} is not a plain relative path", f.path),
            });
        }
        listed.insert(f.path.as_str());
        let path = dir.join(&f.path);
        let changed = || ManifestError::Changed {
            dir: dir.to_path_buf(),
            file: f.path.clone(),
        };
        match fs::symlink_metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ManifestError::MissingFile {
                    dir: dir.to_path_buf(),
                    file: f.path.clone(),
                })
            }
            Err(source) => return Err(ManifestError::Read { path, source }),
            Ok(meta) if !meta.is_file() || meta.len() != f.bytes => return Err(changed()),
            Ok(_) => {}
        }
        let bytes = fs::read(&path).map_err(read_err(path.clone()))?;
        if sha256_hex(&bytes) != f.sha256 {
            return Err(changed());
        }
    }
    if let Some(extra) = present
        .iter()
        .find(|p| !unlisted_by_design(p) && !listed.contains(p.as_str()))
    {
        return Err(ManifestError::Unlisted {
            dir: dir.to_path_buf(),
            file: extra.clone(),
        });
    }
    Ok(m)
}

static STAGE_COUNTER: AtomicU64 = AtomicU64::new(0);

/// An output directory being built beside its target; see the module documentation.
#[derive(Debug)]
pub struct StagedDir {
    target: PathBuf,
    stage: PathBuf,
    committed: bool,
}

impl StagedDir {
    /// Checks that `target` may be replaced and creates the staging directory.
    pub fn begin(target: &Path) -> Result<StagedDir, WriteError> {
        check_replaceable(target)?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|source| WriteError::CreateDir {
            path: parent.clone(),
            source,
        })?;
        remove_stale_stages(&parent, &name);
        let n = STAGE_COUNTER.fetch_add(1, Ordering::Relaxed);
        let stage = parent.join(format!(".{name}.corridor-stage.{}.{n}", std::process::id()));
        // The staging directory is an implementation detail: the error names
        // the directory the user asked for.
        fs::create_dir(&stage).map_err(|source| WriteError::CreateDir {
            path: target.to_path_buf(),
            source,
        })?;
        Ok(StagedDir {
            target: target.to_path_buf(),
            stage,
            committed: false,
        })
    }

    /// Where the directory's files are written until [`StagedDir::commit`].
    pub fn path(&self) -> &Path {
        &self.stage
    }

    /// The directory the files end up in.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Writes the manifest of everything written so far (call it before the
    /// report, which reads the sealed directory).
    pub fn seal(&self, kind: OutputKind) -> Result<Manifest, WriteError> {
        self.seal_with(kind, &[])
    }

    /// [`StagedDir::seal`] with the digests of files the caller wrote from
    /// memory (paths relative to the stage), so that they are not read back
    /// and hashed again; see the module documentation.
    pub fn seal_with(
        &self,
        kind: OutputKind,
        known: &[ManifestEntry],
    ) -> Result<Manifest, WriteError> {
        write_manifest_with(&self.stage, kind, known, true)
    }

    /// Puts the staged directory in place of the target, then removes the old
    /// one. The target is checked again: it may have changed since `begin`.
    pub fn commit(mut self) -> Result<(), WriteError> {
        check_replaceable(&self.target)?;
        sync_dir(&self.stage);
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| WriteError::Io { path, source }
        };
        let old = match fs::symlink_metadata(&self.target) {
            Err(_) => {
                fs::rename(&self.stage, &self.target).map_err(io(&self.target))?;
                None
            }
            Ok(_) => {
                swap(&self.stage, &self.target).map_err(io(&self.target))?;
                // The stage now holds the previous directory.
                Some(self.stage.clone())
            }
        };
        self.committed = true;
        if let Some(parent) = self.target.parent() {
            sync_dir(if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            });
        }
        if let Some(old) = old {
            fs::remove_dir_all(&old).map_err(io(&old))?;
        }
        Ok(())
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.stage);
        }
    }
}

/// Removes staging directories of `name` left by processes that no longer run
/// (a killed run). Only where process ids can be checked (`/proc`); a stage of a
/// live process, possibly another run into the same target, is left alone.
fn remove_stale_stages(parent: &Path, name: &str) {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return;
    }
    let prefix = format!(".{name}.corridor-stage.");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(&prefix) else {
            continue;
        };
        let pid = rest.split('.').next().unwrap_or("");
        let dead =
            !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) && !proc.join(pid).exists();
        if dead {
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

/// `Ok` when `target` is absent, an empty directory or a corridor output
/// directory (it has a manifest, whole or not).
pub fn check_replaceable(target: &Path) -> Result<(), WriteError> {
    let meta = match fs::symlink_metadata(target) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(WriteError::Io {
                path: target.to_path_buf(),
                source,
            })
        }
        Ok(m) => m,
    };
    if !meta.is_dir() {
        return Err(WriteError::OutIsFile {
            path: target.to_path_buf(),
        });
    }
    let mut entries = fs::read_dir(target).map_err(|source| WriteError::Io {
        path: target.to_path_buf(),
        source,
    })?;
    if entries.next().is_none() || target.join(MANIFEST_FILE).is_file() {
        Ok(())
    } else {
        Err(WriteError::NotOutputDir {
            path: target.to_path_buf(),
        })
    }
}

/// Exchanges two directories in one step.
#[cfg(target_os = "linux")]
fn swap(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::other("path holds a NUL byte"))
    };
    let (ca, cb) = (c(a)?, c(b)?);
    // SAFETY: both pointers are valid NUL-terminated strings for the call's duration.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        return Ok(());
    }
    let e = std::io::Error::last_os_error();
    // Old kernels or file systems without the exchange: fall back.
    match e.raw_os_error() {
        Some(libc::ENOSYS) | Some(libc::EINVAL) => swap_by_renames(a, b),
        _ => Err(e),
    }
}

#[cfg(not(target_os = "linux"))]
fn swap(a: &Path, b: &Path) -> std::io::Result<()> {
    swap_by_renames(a, b)
}

/// `b` aside to a temporary name, `a` to `b`, the old `b` to `a` (so the caller
/// removes it as with the exchange).
fn swap_by_renames(a: &Path, b: &Path) -> std::io::Result<()> {
    let mut aside = a.as_os_str().to_owned();
    aside.push(".old");
    let aside = PathBuf::from(aside);
    fs::rename(b, &aside)?;
    if let Err(e) = fs::rename(a, b) {
        let _ = fs::rename(&aside, b);
        return Err(e);
    }
    fs::rename(&aside, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage_files(target: &Path, files: &[(&str, &str)]) -> Result<(), WriteError> {
        let s = StagedDir::begin(target)?;
        for (name, text) in files {
            let p = s.path().join(name);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, text).unwrap();
        }
        s.seal(OutputKind::Run)?;
        fs::write(s.path().join(REPORT_FILE), "<html>").unwrap();
        s.commit()
    }

    #[test]
    fn whole_directory_replaces_the_previous_one() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        stage_files(&out, &[("daily.csv", "a"), ("old-only.csv", "x")]).unwrap();
        assert!(check_dir(&out).is_ok());
        stage_files(&out, &[("daily.csv", "b"), ("sub/summary.json", "{}")]).unwrap();
        let m = check_dir(&out).unwrap();
        let names: Vec<_> = m.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(names, ["daily.csv", "sub/summary.json"]);
        assert!(!out.join("old-only.csv").exists());
        assert_eq!(fs::read_to_string(out.join("daily.csv")).unwrap(), "b");
        // Nothing is left beside the target.
        let siblings: Vec<_> = fs::read_dir(tmp.path()).unwrap().collect();
        assert_eq!(siblings.len(), 1);
    }

    /// Digests given by the writer (and those of a nested output directory's
    /// manifest) are taken when the size matches; the manifest is the one
    /// hashing every file from disk gives.
    #[test]
    fn seal_with_known_digests_equals_hashing_every_file() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let s = StagedDir::begin(&out).unwrap();
        fs::write(s.path().join("daily.csv"), "abc").unwrap();
        fs::write(s.path().join("compare.json"), "{}").unwrap();
        let inner = StagedDir::begin(&s.path().join("base")).unwrap();
        fs::write(inner.path().join("ports.csv"), "p").unwrap();
        inner.seal(OutputKind::Run).unwrap();
        inner.commit().unwrap();
        let known = [ManifestEntry::of("daily.csv", b"abc")];
        let sealed = s.seal_with(OutputKind::Compare, &known).unwrap();
        let names: Vec<_> = sealed.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            names,
            [
                "base/corridor-manifest.json",
                "base/ports.csv",
                "compare.json",
                "daily.csv"
            ]
        );
        let hashed = write_manifest(s.path(), OutputKind::Compare).unwrap();
        assert_eq!(sealed, hashed);
        // A known entry is taken as given when its size matches (the writer's
        // word for the bytes it wrote), and ignored when it does not.
        let fake = |bytes: u64| ManifestEntry {
            path: "daily.csv".into(),
            bytes,
            sha256: "0".repeat(64),
        };
        let m = s.seal_with(OutputKind::Compare, &[fake(3)]).unwrap();
        assert_eq!(m.files[3].sha256, "0".repeat(64));
        let m = s.seal_with(OutputKind::Compare, &[fake(4)]).unwrap();
        assert_eq!(m.files[3], known[0]);
    }

    #[test]
    fn dropped_stage_leaves_no_trace_and_target_unchanged() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        stage_files(&out, &[("daily.csv", "a")]).unwrap();
        {
            let s = StagedDir::begin(&out).unwrap();
            fs::write(s.path().join("daily.csv"), "half").unwrap();
        }
        assert_eq!(fs::read_to_string(out.join("daily.csv")).unwrap(), "a");
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn refuses_what_is_not_corridors() {
        let tmp = tempfile::tempdir().unwrap();
        let mine = tmp.path().join("thesis");
        fs::create_dir(&mine).unwrap();
        fs::write(mine.join("chapter1.tex"), "x").unwrap();
        let e = StagedDir::begin(&mine).unwrap_err();
        assert!(matches!(e, WriteError::NotOutputDir { .. }), "{e}");
        assert!(e.to_string().contains("not a corridor output directory"));
        assert!(mine.join("chapter1.tex").exists());
        let file = tmp.path().join("f.txt");
        fs::write(&file, "x").unwrap();
        let e = StagedDir::begin(&file).unwrap_err();
        assert!(matches!(e, WriteError::OutIsFile { .. }), "{e}");
        // An empty directory is fine.
        let empty = tmp.path().join("empty");
        fs::create_dir(&empty).unwrap();
        stage_files(&empty, &[("daily.csv", "a")]).unwrap();
        assert!(check_dir(&empty).is_ok());
    }

    #[test]
    fn check_finds_missing_changed_and_unlisted_files() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let files = [("daily.csv", "abc"), ("summary.json", "{}")];
        stage_files(&out, &files).unwrap();
        fs::write(out.join("daily.csv"), "abd").unwrap();
        let e = check_dir(&out).unwrap_err();
        assert!(matches!(e, ManifestError::Changed { .. }), "{e}");
        fs::write(out.join("daily.csv"), "abc").unwrap();
        fs::write(out.join(".daily.csv.tmp.1.0"), "x").unwrap();
        let e = check_dir(&out).unwrap_err();
        assert!(matches!(e, ManifestError::Unlisted { .. }), "{e}");
        fs::remove_file(out.join(".daily.csv.tmp.1.0")).unwrap();
        fs::remove_file(out.join("summary.json")).unwrap();
        let e = check_dir(&out).unwrap_err();
        assert!(matches!(e, ManifestError::MissingFile { .. }), "{e}");
        fs::remove_file(out.join(MANIFEST_FILE)).unwrap();
        let e = check_dir(&out).unwrap_err();
        assert!(matches!(e, ManifestError::Missing { .. }), "{e}");
        // A report rewritten in place does not matter.
        stage_files(&out, &files).unwrap_err();
        fs::remove_dir_all(&out).unwrap();
        stage_files(&out, &files).unwrap();
        fs::write(out.join(REPORT_FILE), "<html>new").unwrap();
        assert!(check_dir(&out).is_ok());
    }
}
