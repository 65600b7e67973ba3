//! `bc20 proxy`: the fault proxy on its own, on a host the module can reach (a module on a
//! cellular network cannot dial the test machine's 127.0.0.1), driven over its control
//! channel by `bc20 conform --proxy-control`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bc20_proxy::shell::ProxyServer;

/// The environment variable that holds the control token when no file is given.
pub const TOKEN_ENV: &str = "BC20_PROXY_TOKEN";

/// What the exit status means (shown in `--help`); the codes are [`bc20_exit`]'s table.
const EXIT_STATUS_HELP: &str = "\
Output: `listen ADDR` (and `control ADDR`) once bound, then one line per packet the proxy
passed, held, dropped or altered and per connection event: `12.345s conn 1 slot 0 up
PUBLISH id 7: passed` (the time is the proxy's clock, from its start). Control events go
to stderr.

Exit status:
  0  never (the proxy runs until it is stopped)
  1  the proxy could not start (address in use, broker address unknown)
  2  usage error (--control without a token)
  130, 143, 129  stopped by SIGINT, SIGTERM, SIGHUP";

/// `bc20 proxy`: an MQTT-aware fault proxy between modules and a broker.
#[derive(Debug, clap::Args)]
#[command(after_help = EXIT_STATUS_HELP)]
pub struct ProxyArgs {
    /// Where modules dial the proxy (0.0.0.0:PORT for every address of this host).
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR:PORT")]
    pub listen: SocketAddr,
    /// The broker the proxy forwards to (mqtt://HOST:PORT).
    #[arg(long, value_name = "URL")]
    pub broker: String,
    /// Serve the control channel here, for `bc20 conform --proxy-control` (needs a token:
    /// --token-file or the BC20_PROXY_TOKEN environment variable). The token is sent in
    /// clear: keep this on a private network or behind an SSH tunnel.
    #[arg(long, value_name = "ADDR:PORT")]
    pub control: Option<SocketAddr>,
    /// File holding the control token (its first line) [default: BC20_PROXY_TOKEN].
    #[arg(long, value_name = "FILE", requires = "control")]
    pub token_file: Option<PathBuf>,
    /// Do not print the log lines.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// The control token: the first line of `file`, or [`TOKEN_ENV`].
///
/// # Errors
/// A message naming the file or variable when there is no token, or it is empty.
pub fn read_token(file: Option<&Path>) -> Result<String, String> {
    let token = match file {
        Some(f) => std::fs::read_to_string(f)
            .map_err(|e| format!("cannot read the token file {}: {e}", f.display()))?
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned(),
        None => std::env::var(TOKEN_ENV)
            .map_err(|_| {
                format!("the control channel needs a token: --token-file FILE or {TOKEN_ENV}")
            })?
            .trim()
            .to_owned(),
    };
    if token.is_empty() {
        let from = file.map_or_else(|| TOKEN_ENV.to_owned(), |f| f.display().to_string());
        return Err(format!("the control token in {from} is empty"));
    }
    Ok(token)
}

fn usage(msg: &str) -> ExitCode {
    errln!("error: {msg}");
    ExitCode::from(bc20_exit::USAGE)
}

fn failed(msg: &str) -> ExitCode {
    errln!("error: {msg}");
    ExitCode::from(bc20_exit::FAILED)
}

/// Runs the proxy until SIGINT, SIGTERM or SIGHUP.
pub fn run(args: &ProxyArgs) -> ExitCode {
    // Checked before anything is bound: a usage error leaves nothing behind.
    let token = match args.control {
        Some(_) => match read_token(args.token_file.as_deref()) {
            Ok(t) => Some(t),
            Err(e) => {
                return usage(&format!(
                    "--control: {e}; the proxy refuses control without a token"
                ))
            }
        },
        None => None,
    };
    let (host, port) = match bc20_conform::peer::parse_broker_url(&args.broker) {
        Ok(hp) => hp,
        Err(e) => return usage(&format!("--broker: {e}")),
    };
    let target = match bc20_conform::testbed::resolve(&host, port) {
        Ok(a) => a,
        Err(e) => return failed(&format!("--broker: {e}")),
    };
    let signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ]);
    let mut signals = match signals {
        Ok(s) => s,
        Err(e) => return failed(&format!("cannot install the signal handlers: {e}")),
    };
    let observer: Option<bc20_proxy::shell::LogObserver> = if args.quiet {
        None
    } else {
        Some(Box::new(|e| outln!("{} {e}", e.at)))
    };
    let proxy = match ProxyServer::start_observed(args.listen, target, observer) {
        Ok(p) => p,
        Err(e) => return failed(&format!("cannot listen on {}: {e}", args.listen)),
    };
    outln!("listen {}", proxy.addr());
    errln!(
        "bc20 proxy: modules dial {}, forwarded to {target}",
        proxy.addr()
    );
    let _control = match (args.control, token) {
        (Some(at), Some(token)) => {
            let notify = Box::new(|line: String| errln!("{line}"));
            match proxy.serve_control(at, &token, notify) {
                Ok(c) => {
                    outln!("control {}", c.addr());
                    Some(c)
                }
                Err(e) => return failed(&format!("cannot serve the control channel on {at}: {e}")),
            }
        }
        _ => None,
    };
    let signal = signals
        .forever()
        .next()
        .unwrap_or(signal_hook::consts::SIGTERM);
    errln!("bc20 proxy: stopped by signal {signal}");
    let code = u8::try_from(signal).map_or(bc20_exit::FAILED, |s| {
        bc20_exit::SIGNAL_BASE.saturating_add(s)
    });
    ExitCode::from(code)
}
