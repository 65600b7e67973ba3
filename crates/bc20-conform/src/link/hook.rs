//! Running a reset hook (`--reset-cmd`): a shell command with a time limit.
//!
//! The hook is what a lab uses to power-cycle a board (a relay script, `labgrid-client power
//! cycle`, `uhubctl`), or what a test uses to restart `bc20 sim` behind the same device path.
//! Three things make it safe to run unattended:
//! - it runs in a process group of its own, so a terminal's Ctrl-C reaches the runner (which
//!   finishes cleanly) and not the hook, and a hook that overstays its limit is killed whole
//!   (its children too), never left holding the run;
//! - its output goes to a file, not a pipe: a hook that starts a daemon in the background
//!   (`bc20 sim ... &`) would otherwise hold the pipe open and the runner would wait forever
//!   for its end;
//! - the limit is enforced by polling `try_wait`, so no thread is left behind.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::LinkError;

/// Most bytes of the hook's output kept for the transcript (its end).
const OUTPUT_TAIL: u64 = 2048;

/// How often the hook's exit is polled.
const POLL: Duration = Duration::from_millis(20);

/// `cmd` as reports may show it: passwords of URLs and values of `--password`-like flags
/// masked (a relay or PDU command line often carries one).
pub fn shown_cmd(cmd: &str) -> String {
    let words: Vec<String> = cmd.split(' ').map(str::to_owned).collect();
    crate::report::mask_argv(&words).join(" ")
}

/// Runs `cmd` with `sh -c`, waits at most `limit` for it, and returns the last
/// `OUTPUT_TAIL` bytes of what it printed (stdout and stderr together). `port` (the device
/// path of the module to reset) is in the hook's environment as `BC20_PORT`, so that one
/// hook serves a rig of several modules (`--port A --port B --reset-cmd 'relay "$BC20_PORT"'`).
///
/// # Errors
/// [`LinkError::Reset`] when the command cannot start, exits non-zero (with its output), or is
/// still running after `limit` (then its whole process group is killed).
pub fn run_hook(cmd: &str, limit: Duration, port: &str) -> Result<String, LinkError> {
    let mut out = tempfile_for_hook()?;
    let err = out
        .try_clone()
        .map_err(|e| LinkError::Reset(format!("`{}`: {e}", shown_cmd(cmd))))?;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .env("BC20_PORT", port)
        .stdin(Stdio::null())
        .stdout(Stdio::from(out.try_clone().map_err(|e| {
            LinkError::Reset(format!("`{}`: {e}", shown_cmd(cmd)))
        })?))
        .stderr(Stdio::from(err))
        .process_group(0)
        .spawn()
        .map_err(|e| LinkError::Reset(format!("`{}` cannot start: {e}", shown_cmd(cmd))))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= limit => {
                kill_group(child.id());
                let _ = child.wait();
                return Err(LinkError::Reset(format!(
                    "`{}` did not finish within {} s (--reset-timeout); it was killed{}",
                    shown_cmd(cmd),
                    limit.as_secs_f64(),
                    shown(&tail(&mut out))
                )));
            }
            Ok(None) if crate::interrupt::interrupted().is_some() => {
                // Ctrl-C or a CI time-out: a relay script may take a minute; the run may not.
                kill_group(child.id());
                let _ = child.wait();
                return Err(LinkError::Reset(format!(
                    "`{}` was stopped: the run was interrupted",
                    shown_cmd(cmd)
                )));
            }
            Ok(None) => std::thread::sleep(POLL),
            Err(e) => return Err(LinkError::Reset(format!("`{}`: {e}", shown_cmd(cmd)))),
        }
    };
    let output = tail(&mut out);
    if status.success() {
        Ok(output)
    } else {
        Err(LinkError::Reset(format!(
            "`{}` exited with {status}{}",
            shown_cmd(cmd),
            shown(&output)
        )))
    }
}

fn shown(output: &str) -> String {
    if output.trim().is_empty() {
        String::new()
    } else {
        format!("; it printed: {}", output.trim())
    }
}

/// An anonymous file (unlinked at once) for the hook's output.
fn tempfile_for_hook() -> Result<File, LinkError> {
    let path = std::env::temp_dir().join(format!(
        "bc20-reset-hook-{}-{}.log",
        std::process::id(),
        crate::runner::RunIds::new("hook").uid
    ));
    let f = File::options()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| LinkError::Reset(format!("cannot create {}: {e}", path.display())))?;
    let _ = std::fs::remove_file(&path);
    Ok(f)
}

fn tail(f: &mut File) -> String {
    let len = f.seek(SeekFrom::End(0)).unwrap_or(0);
    let from = len.saturating_sub(OUTPUT_TAIL);
    let mut bytes = Vec::new();
    if f.seek(SeekFrom::Start(from)).is_ok() {
        let _ = f.take(OUTPUT_TAIL).read_to_end(&mut bytes);
    }
    crate::transcript::printable(&bytes)
}

/// Kills the hook's process group (the hook was started as its leader).
fn kill_group(pid: u32) {
    if let Ok(pid) = i32::try_from(pid) {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hook_that_overstays_its_limit_is_killed_with_its_children() {
        let started = Instant::now();
        let err = run_hook(
            "sleep 100 & sleep 100",
            Duration::from_millis(300),
            "/dev/null",
        )
        .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(err.to_string().contains("did not finish"), "{err}");
    }

    #[test]
    fn a_hook_that_starts_a_daemon_does_not_hold_the_run() {
        // The background child keeps stdout open; a pipe would block until it exits.
        let started = Instant::now();
        let out = run_hook(
            "echo booting; sleep 5 &",
            Duration::from_secs(30),
            "/dev/null",
        )
        .unwrap();
        assert!(started.elapsed() < Duration::from_secs(4));
        assert!(out.contains("booting"), "{out}");
    }

    #[test]
    fn the_hook_knows_which_port_it_resets() {
        let out = run_hook(
            "echo \"reset $BC20_PORT\"",
            Duration::from_secs(10),
            "/dev/ttyUSB3",
        )
        .unwrap();
        assert!(out.contains("reset /dev/ttyUSB3"), "{out}");
    }

    #[test]
    fn a_hook_command_line_is_shown_without_its_passwords() {
        let shown = shown_cmd("relay --password hunter2 http://admin:RelayPw77@10.0.0.9/cycle");
        assert!(
            !shown.contains("hunter2") && !shown.contains("RelayPw77"),
            "{shown}"
        );
        let err = run_hook(
            "exit 1 # --password hunter2",
            Duration::from_secs(10),
            "/dev/null",
        )
        .unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn a_failing_hook_reports_its_status_and_output() {
        let err = run_hook(
            "echo relay offline >&2; exit 3",
            Duration::from_secs(10),
            "/dev/null",
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("exit status: 3") && msg.contains("relay offline"),
            "{msg}"
        );
    }
}
