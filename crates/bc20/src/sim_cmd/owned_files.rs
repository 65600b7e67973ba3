//! Files `bc20 sim` leaves for other programs while it runs: stable links to its PTYs
//! (`--pty-link`) and its process id (`--pid-file`). A conformance runner's reset hook kills and
//! restarts the simulator, then reopens the same link, as a USB serial adapter comes back under
//! the same `/dev/serial/by-id/` name after a power cycle.
//!
//! Each file is created under a temporary name beside its path and renamed over it, so a stale
//! file left by a killed earlier instance is replaced in one step and a reader never sees a
//! half-written pid. Each is removed when the simulator ends (normally, after `--exit-after`, or
//! on SIGTERM/SIGINT/SIGHUP), but only while it is still this process's: another instance may
//! have replaced it meanwhile, and its file must survive our exit.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::{Handle, Signals};

use bc20_sim::shell::SimError;

/// The signals that end `bc20 sim` after removing its files.
const TERMINATING: [i32; 3] = [SIGTERM, SIGINT, SIGHUP];

/// One file this process created, with what makes it ours.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Owned {
    /// A symlink at `path` pointing to `target` (a PTY slave).
    Link { path: PathBuf, target: PathBuf },
    /// A file at `path` holding `pid` and a newline.
    PidFile { path: PathBuf, pid: u32 },
}

impl Owned {
    /// Removes the file if it is still ours; a file someone replaced, or one already gone, is
    /// left alone.
    fn remove_if_ours(&self) {
        match self {
            Owned::Link { path, target } => {
                if std::fs::read_link(path).is_ok_and(|t| t == *target) {
                    let _ = std::fs::remove_file(path);
                }
            }
            Owned::PidFile { path, pid } => {
                if std::fs::read_to_string(path).is_ok_and(|s| s.trim() == pid.to_string()) {
                    let _ = std::fs::remove_file(path);
                }
            }
        }
    }
}

/// The files of one `bc20 sim` run; dropping it removes them (those still ours).
#[derive(Debug, Default)]
pub(crate) struct OwnedFiles {
    /// Shared with the signal thread, which removes them before the process exits.
    files: Arc<Mutex<Vec<Owned>>>,
    /// Stops the signal thread when the run ends normally.
    signals: Option<Handle>,
}

impl OwnedFiles {
    /// No files yet and no signal handling.
    pub(crate) fn new() -> OwnedFiles {
        OwnedFiles::default()
    }

    /// From now on SIGTERM, SIGINT and SIGHUP remove the files and exit the process with
    /// 128 + the signal number (143, 130, 129), as a shell reports a process killed by it.
    /// Call it before creating files, so no signal can leave one behind.
    ///
    /// The handlers stay registered for the rest of the process (signal-hook cannot restore the
    /// default action), so this is for the `bc20` binary rather than for a library caller.
    ///
    /// # Errors
    ///
    /// [`SimError::Io`] when the handlers or their thread cannot be set up.
    pub(crate) fn remove_on_signals(&mut self) -> Result<(), SimError> {
        if self.signals.is_some() {
            return Ok(());
        }
        let mut signals = Signals::new(TERMINATING)?;
        self.signals = Some(signals.handle());
        let files = Arc::clone(&self.files);
        std::thread::Builder::new()
            .name("bc20-sim-signals".into())
            .spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    remove_all(&files);
                    std::process::exit(i32::from(bc20_exit::signal(signal)));
                }
            })?;
        Ok(())
    }

    /// Makes `path` a symlink to `target`, replacing a symlink already there (a stale one from
    /// a killed instance, or another instance's).
    ///
    /// # Errors
    ///
    /// [`SimError::File`] when `path` has no file name, exists and is not a symlink (a regular
    /// file or directory is never replaced), or the link cannot be created or renamed.
    pub(crate) fn link(&self, path: &Path, target: &Path) -> Result<(), SimError> {
        let file_error = |source: io::Error| SimError::File {
            what: "--pty-link",
            path: path.to_owned(),
            source,
        };
        refuse_non_symlink(path).map_err(file_error)?;
        let tmp = temp_beside(path).map_err(file_error)?;
        let _ = std::fs::remove_file(&tmp);
        std::os::unix::fs::symlink(target, &tmp).map_err(file_error)?;
        self.replace(&tmp, path, file_error)?;
        self.push(Owned::Link {
            path: path.to_owned(),
            target: target.to_owned(),
        });
        Ok(())
    }

    /// Writes this process's id and a newline to `path`, replacing a file already there.
    ///
    /// # Errors
    ///
    /// [`SimError::File`] when `path` has no file name, or the file cannot be written or
    /// renamed (e.g. `path` is a directory).
    pub(crate) fn pid_file(&self, path: &Path) -> Result<(), SimError> {
        let file_error = |source: io::Error| SimError::File {
            what: "--pid-file",
            path: path.to_owned(),
            source,
        };
        let pid = std::process::id();
        let tmp = temp_beside(path).map_err(file_error)?;
        std::fs::write(&tmp, format!("{pid}\n")).map_err(file_error)?;
        self.replace(&tmp, path, file_error)?;
        self.push(Owned::PidFile {
            path: path.to_owned(),
            pid,
        });
        Ok(())
    }

    /// Removes every file that is still ours (idempotent).
    pub(crate) fn remove_all(&self) {
        remove_all(&self.files);
    }

    fn replace(
        &self,
        tmp: &Path,
        path: &Path,
        file_error: impl Fn(io::Error) -> SimError,
    ) -> Result<(), SimError> {
        std::fs::rename(tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(tmp);
            file_error(e)
        })
    }

    fn push(&self, owned: Owned) {
        self.files
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(owned);
    }
}

impl Drop for OwnedFiles {
    fn drop(&mut self) {
        if let Some(handle) = self.signals.take() {
            handle.close();
        }
        self.remove_all();
    }
}

/// Removes the files and forgets them, so the signal thread and the normal exit can both call
/// it.
fn remove_all(files: &Mutex<Vec<Owned>>) {
    let files = std::mem::take(&mut *files.lock().unwrap_or_else(PoisonError::into_inner));
    for f in &files {
        f.remove_if_ours();
    }
}

/// Where module `index`'s link goes: `base` for module 0, `base.i` for module i ≥ 1.
pub(crate) fn link_path(base: &Path, index: usize) -> PathBuf {
    if index == 0 {
        return base.to_owned();
    }
    let mut name = OsString::from(base.as_os_str());
    name.push(format!(".{index}"));
    PathBuf::from(name)
}

/// A fresh name in `path`'s directory (rename is atomic only within one file system), hidden
/// and unique to this process and call.
fn temp_beside(path: &Path) -> io::Result<PathBuf> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"))?;
    let mut tmp = OsString::from(".");
    tmp.push(name);
    tmp.push(format!(
        ".{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    Ok(path.with_file_name(tmp))
}

/// An error when `path` exists and is not a symlink: `--pty-link` replaces links only, never a
/// file or directory someone put there.
fn refuse_non_symlink(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if !m.file_type().is_symlink() => Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "exists and is not a symlink; not replacing it",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> tempfile::TempDir {
        tempfile::tempdir().expect("scratch dir")
    }

    #[test]
    fn module_0_gets_the_path_and_module_i_gets_path_dot_i() {
        let base = Path::new("/run/bc20/tty");
        assert_eq!(link_path(base, 0), base);
        assert_eq!(link_path(base, 1), Path::new("/run/bc20/tty.1"));
        assert_eq!(link_path(base, 12), Path::new("/run/bc20/tty.12"));
    }

    #[test]
    fn a_link_points_to_the_target_and_is_removed_on_drop() {
        let dir = scratch();
        let path = dir.path().join("tty");
        let files = OwnedFiles::new();
        files.link(&path, Path::new("/dev/pts/99")).unwrap();
        assert_eq!(std::fs::read_link(&path).unwrap(), Path::new("/dev/pts/99"));
        drop(files);
        assert!(std::fs::symlink_metadata(&path).is_err(), "link removed");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "no temp left"
        );
    }

    #[test]
    fn a_stale_link_is_replaced() {
        let dir = scratch();
        let path = dir.path().join("tty");
        std::os::unix::fs::symlink("/dev/pts/1", &path).unwrap();
        let files = OwnedFiles::new();
        files.link(&path, Path::new("/dev/pts/2")).unwrap();
        assert_eq!(std::fs::read_link(&path).unwrap(), Path::new("/dev/pts/2"));
    }

    #[test]
    fn a_regular_file_or_directory_is_not_replaced() {
        let dir = scratch();
        let file = dir.path().join("notes");
        std::fs::write(&file, "keep me").unwrap();
        let files = OwnedFiles::new();
        let err = files.link(&file, Path::new("/dev/pts/2")).unwrap_err();
        assert!(matches!(err, SimError::File { .. }), "{err}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
        assert!(files.link(dir.path(), Path::new("/dev/pts/2")).is_err());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp left"
        );
    }

    #[test]
    fn a_link_another_instance_replaced_is_left_alone() {
        let dir = scratch();
        let path = dir.path().join("tty");
        let files = OwnedFiles::new();
        files.link(&path, Path::new("/dev/pts/2")).unwrap();
        // Another instance takes the name over.
        let other = OwnedFiles::new();
        other.link(&path, Path::new("/dev/pts/3")).unwrap();
        files.remove_all();
        assert_eq!(std::fs::read_link(&path).unwrap(), Path::new("/dev/pts/3"));
        other.remove_all();
        assert!(std::fs::symlink_metadata(&path).is_err());
    }

    #[test]
    fn a_link_in_a_missing_directory_is_an_error() {
        let dir = scratch();
        let files = OwnedFiles::new();
        let err = files
            .link(&dir.path().join("no/such/tty"), Path::new("/dev/pts/2"))
            .unwrap_err();
        assert!(err.to_string().contains("--pty-link"), "{err}");
    }

    #[test]
    fn the_pid_file_holds_our_pid_until_drop_and_only_ours_is_removed() {
        let dir = scratch();
        let path = dir.path().join("sim.pid");
        std::fs::write(&path, "1\n").unwrap();
        let files = OwnedFiles::new();
        files.pid_file(&path).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{}\n", std::process::id())
        );
        files.remove_all();
        assert!(!path.exists());

        let files = OwnedFiles::new();
        files.pid_file(&path).unwrap();
        std::fs::write(&path, "1\n").unwrap();
        drop(files);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "1\n");
    }
}
