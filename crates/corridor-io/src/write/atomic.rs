//! Atomic file writes: every output goes to a temporary file in the target
//! directory, is fsynced, then renamed into place, so readers see the old file or
//! the new one, never a partial one.
//!
//! Invariant: on any error the temporary file is removed and the target is unchanged.

use super::WriteError;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Temporary name next to `path`, unique within this process and across processes.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.tmp.{}.{n}", std::process::id()))
}

/// Writes `bytes` to a temporary file next to `path` and syncs it; returns the
/// temporary path. The temporary file is removed on error.
pub(super) fn write_temp(path: &Path, bytes: &[u8]) -> Result<PathBuf, WriteError> {
    write_temp_with(path, |w| w.write_all(bytes))
}

/// [`write_temp`] with the content streamed by `fill` (through a buffer).
fn write_temp_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<PathBuf, WriteError> {
    let tmp = temp_path(path);
    let res = (|| {
        let f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        let mut w = std::io::BufWriter::new(f);
        fill(&mut w)?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()
    })();
    match res {
        Ok(()) => Ok(tmp),
        Err(source) => {
            let _ = fs::remove_file(&tmp);
            Err(WriteError::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    }
}

/// Best effort: makes renames durable. Not all platforms can open a directory.
pub(super) fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory,
/// fsync, rename. Readers see the old file or the new one, never a partial one;
/// on error the temporary file is removed and `path` is unchanged.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// [`write_atomic`] with the content streamed by `fill` (large tables need not be
/// built in memory first); `path` is replaced only if `fill` succeeds.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<(), WriteError> {
    let tmp = write_temp_with(path, fill)?;
    if let Err(source) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(WriteError::Io {
            path: path.to_path_buf(),
            source,
        });
    }
    if let Some(dir) = path.parent() {
        sync_dir(dir);
    }
    Ok(())
}
