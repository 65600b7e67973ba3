//! Arguments of `bc20 conform` and `bc20 conform diff`.

use std::path::PathBuf;
use std::time::Duration;

use bc20_conform::link::FlowControl;
use bc20_conform::script::try_parse_duration;

/// What the exit status means (shown in `--help`); the codes are [`bc20_exit`]'s table.
pub const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  every script passed (diff: no new failure, no latency regression)
  1  a script failed or could not run (diff: something got worse)
  2  usage error or script error (nothing was sent)
  130, 143  interrupted by SIGINT, SIGTERM (reports written, marked incomplete)";

fn duration(s: &str) -> Result<Duration, String> {
    try_parse_duration(s)
}

fn positive_duration(s: &str) -> Result<Duration, String> {
    match duration(s)? {
        d if d.is_zero() => Err("must be longer than 0".to_owned()),
        d => Ok(d),
    }
}

/// `bc20 conform [SCRIPTS...]`: replay conformance scripts against a module or the simulator.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = EXIT_STATUS_HELP)]
pub struct ConformArgs {
    /// Scripts (*.bc20) or directories of scripts [default: conformance/].
    pub scripts: Vec<PathBuf>,

    /// Serial port of a module (repeat for several modules, used by --jobs).
    #[arg(long, value_name = "DEVICE")]
    pub port: Vec<String>,
    /// Any serial device path, e.g. a PTY of `bc20 sim --pty` (EIO is not fatal there).
    #[arg(long, value_name = "PATH")]
    pub pty: Vec<String>,
    /// Baud rate of --port/--pty.
    #[arg(long, default_value_t = 115_200, value_parser = clap::value_parser!(u32).range(1..=4_000_000))]
    pub baud: u32,
    /// UART flow control.
    #[arg(long, value_enum, default_value = "none")]
    pub flow_control: FlowControlArg,
    /// Shell command that power-cycles or resets the module (run by `reset` steps and, with
    /// --reset-each, before every script).
    #[arg(long, value_name = "CMD")]
    pub reset_cmd: Option<String>,
    /// Run --reset-cmd before every script (a clean module for each).
    #[arg(long, requires = "reset_cmd")]
    pub reset_each: bool,
    /// After --reset-cmd, how long to read (and record) what the module prints before talking
    /// to it.
    #[arg(long, default_value = "5s", value_parser = duration, value_name = "DURATION")]
    pub reset_wait: Duration,
    /// Longest time --reset-cmd may run; then it is killed and the script is ERROR.
    #[arg(long, default_value = "60s", value_parser = positive_duration, value_name = "DURATION")]
    pub reset_timeout: Duration,
    /// How long to keep reopening the port after a reset, or after it went away mid-run
    /// (USB adapters re-enumerate), before giving up.
    #[arg(long, default_value = "20s", value_parser = duration, value_name = "DURATION")]
    pub reopen_timeout: Duration,
    /// Before each script on hardware, how long to wait for the module to attach to the
    /// network (`AT+CGATT?` answering 1).
    #[arg(long, default_value = "60s", value_parser = duration, value_name = "DURATION")]
    pub attach_timeout: Duration,

    /// Broker the peer client connects to (mqtt://HOST:PORT). With --sim: use this broker
    /// instead of the embedded one.
    #[arg(long, value_name = "URL")]
    pub broker: Option<String>,
    /// The broker as the module must reach it, if not the --broker address (HOST:PORT); with
    /// --fault-proxy (one port), the proxy's address as the module reaches it; with
    /// --proxy-control, the remote proxy's public address (required there).
    #[arg(long, value_name = "HOST:PORT")]
    pub module_broker: Option<String>,
    /// With --port/--pty: put an MQTT-aware fault proxy between each module and --broker
    /// (one per port, in this process), so that the scripts' network faults (drop-link,
    /// black-hole, delay, ...) act on a real module; the module dials its proxy (its address
    /// becomes ${broker_host}:${broker_port}).
    #[arg(long, requires = "broker", conflicts_with_all = ["sim", "virtual_time"])]
    pub fault_proxy: bool,
    /// Where the fault proxy listens (one port only) [default: 127.0.0.1 on a free port].
    #[arg(long, value_name = "ADDR:PORT", requires = "fault_proxy")]
    pub fault_proxy_listen: Option<std::net::SocketAddr>,
    /// With one --port/--pty: drive a fault proxy on another host (`bc20 proxy --control`)
    /// through its control channel, for a module that cannot reach this machine; the
    /// module dials --module-broker (the proxy's public address). Token: --proxy-token-file
    /// or the BC20_PROXY_TOKEN environment variable.
    #[arg(
        long,
        value_name = "HOST:PORT",
        requires = "module_broker",
        conflicts_with_all = ["fault_proxy", "sim", "virtual_time"]
    )]
    pub proxy_control: Option<String>,
    /// File holding the remote proxy's control token (its first line) [default: the
    /// BC20_PROXY_TOKEN environment variable].
    #[arg(long, value_name = "FILE", requires = "proxy_control")]
    pub proxy_token_file: Option<PathBuf>,

    /// Run against the simulator, in-process, with the embedded broker.
    #[arg(long)]
    pub sim: bool,
    /// Turn on one simulator quirk profile (implies --sim; repeatable).
    #[arg(long = "sim-quirk", value_name = "NAME")]
    pub sim_quirk: Vec<String>,
    /// The simulator speaks MQTT 3.1 (MQIsdp, level 3, client ids of at most 23 bytes)
    /// instead of 3.1.1 (implies --sim; needs --broker or --virtual: the embedded broker speaks only 3.1.1).
    #[arg(long)]
    pub mqtt31: bool,
    /// Run the simulator with the in-process virtual broker instead of a real one: no
    /// sockets at all (implies --sim; not with --broker). Both simulator beds run on
    /// virtual time and give the same report twice.
    #[arg(long = "virtual", conflicts_with_all = ["broker", "module_broker"])]
    pub virtual_time: bool,
    /// Gone: both simulator beds run on virtual time. Kept hidden so that an old command
    /// line gets an explanation instead of "unexpected argument".
    #[arg(long, hide = true, value_name = "FACTOR")]
    pub time_scale: Option<String>,
    /// Scripts run in parallel (one simulator each, or one serial port each) [default: 2 on
    /// the simulator, the number of ports on hardware].
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: Option<u16>,

    /// Where the reports go (report.json, junit.xml, report.html, transcripts/).
    #[arg(long, default_value = "target/bc20-report", value_name = "DIR")]
    pub report_dir: PathBuf,
    /// Run only scripts tagged with this clause or id (repeatable; any of them).
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
    /// Run only scripts whose name or path matches (a glob such as `qmtcfg-*`, or a plain
    /// word matched anywhere in the name; repeatable, any of them).
    #[arg(short = 'k', long = "select", value_name = "PATTERN")]
    pub select: Vec<String>,
    /// Order of the scripts: as found (sorted), reversed, or shuffled (with --seed, or a
    /// random seed that is printed and recorded so the order can be replayed).
    #[arg(long, value_enum, default_value = "forward")]
    pub order: Order,
    /// Seed of --order shuffle.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Run a script that failed or errored up to N more times; every try is in the report.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub retry_failed: usize,
    /// Longest time one script may take (module time) unless it sets `time-limit`; then it
    /// fails.
    #[arg(long, value_parser = positive_duration, value_name = "DURATION")]
    pub time_limit: Option<Duration>,
    /// Decode module lines leniently (the default is the note's strict grammar).
    #[arg(long)]
    pub lenient: bool,
    /// Extra time on every timeout derived from the note [default: 500ms on hardware,
    /// 75ms on the simulator's virtual clock].
    #[arg(long, value_parser = duration, value_name = "DURATION")]
    pub grace: Option<Duration>,
    /// Parse the scripts and list them with their tags; send nothing.
    #[arg(long)]
    pub list: bool,
    /// No progress bar and no per-script lines; only the summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// `--flow-control`: the values of [`FlowControl`], with their help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FlowControlArg {
    /// No flow control (the BC20 EVB default).
    #[default]
    None,
    /// XON/XOFF.
    Software,
    /// RTS/CTS.
    Hardware,
}

impl From<FlowControlArg> for FlowControl {
    fn from(arg: FlowControlArg) -> FlowControl {
        match arg {
            FlowControlArg::None => FlowControl::None,
            FlowControlArg::Software => FlowControl::Software,
            FlowControlArg::Hardware => FlowControl::Hardware,
        }
    }
}

/// The order scripts run in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Order {
    /// Sorted by path, as found.
    #[default]
    Forward,
    /// The other way round.
    Reverse,
    /// Shuffled with a seed.
    Shuffle,
}

/// `bc20 conform diff OLD.json NEW.json`: what changed between two runs.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = EXIT_STATUS_HELP)]
pub struct DiffArgs {
    /// The older report.json.
    pub old: PathBuf,
    /// The newer report.json.
    pub new: PathBuf,
    /// Print the difference as JSON.
    #[arg(long)]
    pub json: bool,
}
