//! `bc20 conform` and `bc20 conform diff`: the clap arguments, the console and the signal
//! handlers of the conformance runner; the suite itself is `bc20-conform`'s
//! ([`bc20_conform::suite::run_suite`]).

mod args;
mod console;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use bc20_grammar::Mode;
use clap::Subcommand;

use args::{ConformArgs, DiffArgs, Order};
use console::Console;

use bc20_conform::diff::{diff_reports, render_diff};
use bc20_conform::link::SerialOptions;
use bc20_conform::peer::{parse_broker, parse_broker_url};
use bc20_conform::report::{
    read_json, script_files, Certification, OrderKind, ReportPaths, RunOrder, RunReport,
};
use bc20_conform::runner::{interrupt, interrupted, signal_name, RunConfig};
use bc20_conform::script::Script;
use bc20_conform::select::{order_scripts, Selector};
use bc20_conform::suite::{discover, load_all, run_suite, SuiteOptions, Testbed};
use bc20_conform::testbed::{sim_run_config, BedProxy, SerialBed};

/// `bc20 conform [SCRIPTS...] [OPTIONS]` or `bc20 conform diff OLD.json NEW.json`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    /// `diff`, or nothing to run scripts.
    #[command(subcommand)]
    diff: Option<Sub>,
    /// What to run and against which module.
    #[command(flatten)]
    args: ConformArgs,
}

/// The one nested subcommand.
#[derive(Debug, Subcommand)]
enum Sub {
    /// Compare two report.json files (two firmware releases): new failures, fixed failures,
    /// latency regressions.
    Diff(DiffArgs),
}

/// Runs the suite or the diff; each prints its own messages and picks the status.
pub fn run_cmd(args: &Args) -> ExitCode {
    match &args.diff {
        Some(Sub::Diff(d)) => run_diff(d),
        None => run(&args.args),
    }
}

fn usage(msg: &str) -> ExitCode {
    errln!("error: {msg}");
    ExitCode::from(bc20_exit::USAGE)
}

/// Runs `bc20 conform`.
fn run(args: &ConformArgs) -> ExitCode {
    match plan(args) {
        Ok(Plan::List(scripts)) => {
            for s in &scripts {
                outln!(
                    "{:<36} {}{}",
                    s.path,
                    s.tags.join(" "),
                    if s.requires_sim {
                        "  [requires sim]"
                    } else {
                        ""
                    }
                );
            }
            ExitCode::from(bc20_exit::OK)
        }
        Ok(Plan::Run(run)) => {
            let RunPlan {
                scripts,
                bed,
                config,
                order,
            } = *run;
            execute(args, &scripts, bed.as_ref(), config, order)
        }
        Err(code) => code,
    }
}

enum Plan {
    List(Vec<Script>),
    Run(Box<RunPlan>),
}

/// What a run needs once the arguments are checked and the scripts loaded.
struct RunPlan {
    scripts: Vec<Script>,
    bed: Box<dyn Testbed>,
    config: RunConfig,
    order: RunOrder,
}

/// Checks the arguments and loads every script; script errors are printed with carets.
fn plan(args: &ConformArgs) -> Result<Plan, ExitCode> {
    let patterns = args
        .select
        .iter()
        .map(|p| Selector::new(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| usage(&e))?;
    if args.time_scale.is_some() {
        return Err(usage(
            "--time-scale is gone from bc20 conform: the simulator beds run on virtual time \
             (the clock stands still while the broker answers and jumps over the waits), so \
             the suite takes well under 2 s without it. For a simulator at another speed \
             behind a serial path, run bc20 sim --pty --time-scale FACTOR and bc20 conform \
             --pty PATH.",
        ));
    }
    let sim = args.sim || args.virtual_time || !args.sim_quirk.is_empty() || args.mqtt31;
    let serial: Vec<(String, bool)> = args
        .port
        .iter()
        .map(|p| (p.clone(), false))
        .chain(args.pty.iter().map(|p| (p.clone(), true)))
        .collect();
    // A link and its target are one device: compare where the paths lead.
    let real: Vec<std::path::PathBuf> = serial
        .iter()
        .map(|(p, _)| std::fs::canonicalize(p).unwrap_or_else(|_| p.into()))
        .collect();
    for (i, (path, _)) in serial.iter().enumerate() {
        if let Some(j) = real[..i].iter().position(|r| *r == real[i]) {
            let twice = &serial[j].0;
            return Err(usage(&format!(
                "{path} is given twice (as {twice} and {path}): one module, one --port/--pty"
            )));
        }
    }
    if args.mqtt31 && !serial.is_empty() {
        return Err(usage(
            "--mqtt31 is for the simulator testbed: the MQTT version of a real module, or of an \
             external `bc20 sim --pty`, is set there (e.g. `bc20 sim --mqtt31`)",
        ));
    }
    if sim && !serial.is_empty() {
        return Err(usage("--sim and --port/--pty exclude each other"));
    }
    if !sim && serial.is_empty() && !args.list {
        return Err(usage(
            "say where the module is: --sim, or --port DEVICE (or --pty PATH)",
        ));
    }
    if !sim && args.broker.is_none() && !args.list {
        return Err(usage(
            "--port and --pty need --broker mqtt://HOST:PORT: the broker the module reaches, \
             where the suite's peer checks that messages really arrive",
        ));
    }
    if args.mqtt31 && args.broker.is_none() && !args.virtual_time && !args.list {
        return Err(usage(bc20_conform::testbed::EMBEDDED_NO_MQTT31));
    }
    if args.seed.is_some() && args.order != Order::Shuffle {
        return Err(usage("--seed only applies to --order shuffle"));
    }
    let broker = match &args.broker {
        Some(url) => Some(parse_broker(url).map_err(|e| usage(&e.to_string()))?),
        None => None,
    };
    if broker.as_ref().is_some_and(|b| b.username.is_some()) {
        errln!(
            "notice: the --broker credentials are the peer's; the module connects as the \
             scripts' AT+QMTCONN says (the suite's scripts connect without a user name)"
        );
    }
    let paths = if args.scripts.is_empty() {
        vec![PathBuf::from("conformance")]
    } else {
        args.scripts.clone()
    };
    let files = discover(&paths).map_err(|e| usage(&e))?;
    let mut scripts = match load_all(&files) {
        Ok(s) => s,
        Err(errors) => {
            for e in &errors {
                errln!("{e}\n");
            }
            // A run that stops at a script error must not leave the previous run's
            // "36 passed" for CI to publish.
            if !args.list {
                prepare_reports(args)?;
            }
            return Err(usage(&format!(
                "{} script error(s); nothing was sent",
                errors.len()
            )));
        }
    };
    if !args.tag.is_empty() {
        scripts.retain(|s| s.tags.iter().any(|t| args.tag.contains(t)));
        if scripts.is_empty() {
            return Err(usage(&format!(
                "no script has any of the --tag values {} (tags are case-sensitive; \
                 `bc20 conform --list` shows every script's tags)",
                args.tag.join(", ")
            )));
        }
    }
    if !patterns.is_empty() {
        scripts.retain(|s| patterns.iter().any(|p| p.matches(s)));
        if scripts.is_empty() {
            return Err(usage(&format!(
                "no script matches any -k pattern ({}; patterns are case-sensitive globs or words in \
                 the script's name or path; `bc20 conform --list` shows them)",
                args.select.join(", ")
            )));
        }
    }
    let kind = match args.order {
        Order::Forward => OrderKind::Forward,
        Order::Reverse => OrderKind::Reverse,
        Order::Shuffle => OrderKind::Shuffle,
    };
    let seed = order_scripts(&mut scripts, kind, args.seed);
    if let Some(seed) = seed {
        errln!("order: shuffled with --seed {seed}");
    }
    let order = RunOrder { kind, seed };
    if args.list {
        return Ok(Plan::List(scripts));
    }
    let mut config = RunConfig {
        mode: if args.lenient {
            Mode::Lenient
        } else {
            Mode::Strict
        },
        time_limit: args.time_limit,
        ..RunConfig::default()
    };
    let bed: Box<dyn Testbed> = if args.virtual_time {
        virtual_bed(args, &mut config)?
    } else if sim {
        sim_bed(args, broker.map(|b| (b.host, b.port)), &mut config)?
    } else {
        config.grace = args.grace.unwrap_or(Duration::from_millis(500));
        config.latency_tolerance = bc20_conform::testbed::SERIAL_LATENCY_TOLERANCE;
        config.reset_before = args.reset_each;
        config.attach_timeout = args.attach_timeout;
        let module_broker = match &args.module_broker {
            Some(m) => Some(parse_broker_url(m).map_err(|e| usage(&e.to_string()))?),
            None => None,
        };
        let proxies = match (&broker, args.fault_proxy, &args.proxy_control) {
            (Some(b), true, _) => fault_proxies(
                b,
                args.fault_proxy_listen,
                module_broker.clone(),
                serial.len(),
            )?,
            (_, _, Some(control)) => vec![remote_proxy(
                args,
                control,
                module_broker.clone(),
                serial.len(),
            )?],
            _ => Vec::new(),
        };
        Box::new(SerialBed {
            ports: serial
                .into_iter()
                .map(|(path, pty)| SerialOptions {
                    path,
                    baud: args.baud,
                    flow_control: args.flow_control.into(),
                    pty,
                    reset_cmd: args.reset_cmd.clone(),
                    reset_timeout: args.reset_timeout,
                    reset_wait: args.reset_wait,
                    reopen_timeout: args.reopen_timeout,
                })
                .collect(),
            broker,
            module_broker,
            proxies,
        })
    };
    // Only now, with every argument checked: a usage error leaves the previous run's
    // reports as they were.
    prepare_reports(args)?;
    Ok(Plan::Run(Box::new(RunPlan {
        scripts,
        bed,
        config,
        order,
    })))
}

/// The fault proxies of `--fault-proxy`: in-process, one per module (each on its own port),
/// between the module and `broker`.
fn fault_proxies(
    broker: &bc20_conform::peer::BrokerUrl,
    listen: Option<std::net::SocketAddr>,
    module_broker: Option<(String, u16)>,
    ports: usize,
) -> Result<Vec<BedProxy>, ExitCode> {
    if ports > 1 && (listen.is_some() || module_broker.is_some()) {
        // Each module gets its own proxy on its own free loopback port: one address
        // cannot be every proxy's.
        return Err(usage(
            "--fault-proxy-listen and --module-broker name one proxy's address: with several \
             --port/--pty, each module gets its own proxy on a free loopback port; leave them out",
        ));
    }
    let target =
        bc20_conform::testbed::resolve(&broker.host, broker.port).map_err(|e| usage(&e))?;
    let listen = listen.unwrap_or_else(|| std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    (0..ports)
        .map(|_| {
            let p = bc20_proxy::shell::ProxyServer::start(listen, target).map_err(|e| {
                errln!("error: cannot start the fault proxy on {listen}: {e}");
                ExitCode::from(bc20_exit::FAILED)
            })?;
            let a = p.addr();
            Ok(BedProxy {
                module_addr: module_broker
                    .clone()
                    .unwrap_or_else(|| (a.ip().to_string(), a.port())),
                handle: std::sync::Arc::new(p),
            })
        })
        .collect()
}

/// The remote fault proxy of `--proxy-control`.
fn remote_proxy(
    args: &ConformArgs,
    control: &str,
    module_broker: Option<(String, u16)>,
    ports: usize,
) -> Result<BedProxy, ExitCode> {
    if ports != 1 {
        // A proxy labels connections by the order of the AT+QMTOPENs it is told of: two
        // modules behind one proxy would interleave them.
        return Err(usage(
            "--proxy-control drives one remote proxy, which labels connections by the order \
             of one module's AT+QMTOPENs: use it with exactly one --port or --pty",
        ));
    }
    let Some(module_addr) = module_broker else {
        return Err(usage(
            "--proxy-control needs --module-broker HOST:PORT (the proxy's address as the module dials it)",
        ));
    };
    let token = crate::proxy_cmd::read_token(args.proxy_token_file.as_deref())
        .map_err(|e| usage(&format!("--proxy-control: {e}")))?;
    let remote = bc20_proxy::RemoteProxy::connect(control, &token).map_err(|e| {
        errln!("error: fault proxy control channel {control}: {e}");
        ExitCode::from(bc20_exit::FAILED)
    })?;
    errln!(
        "fault proxy: {control} (modules dial {}:{}; its clock is ours within {:?})",
        module_addr.0,
        module_addr.1,
        remote.clock_uncertainty()
    );
    Ok(BedProxy {
        handle: std::sync::Arc::new(remote),
        module_addr,
    })
}

/// Clears the previous run's reports from the report directory.
fn prepare_reports(args: &ConformArgs) -> Result<(), ExitCode> {
    ReportPaths::in_dir(&args.report_dir)
        .prepare()
        .map_err(|e| {
            usage(&format!(
                "cannot clear the report directory {}: {e}",
                args.report_dir.display()
            ))
        })
}

/// The quirk profiles of `--sim-quirk`.
fn sim_quirks(args: &ConformArgs) -> Result<bc20_sim::Quirks, ExitCode> {
    use bc20_sim::{Quirk, Quirks};
    let mut quirks = Quirks::NONE;
    for q in &args.sim_quirk {
        let quirk: Quirk = q.parse().map_err(|e: bc20_sim::quirks::UnknownQuirk| {
            usage(&format!(
                "{e}; known: {}",
                bc20_sim::list_quirks().join(", ")
            ))
        })?;
        quirks.insert(quirk);
    }
    Ok(quirks)
}

fn mqtt_version(args: &ConformArgs) -> bc20_sim::MqttVersion {
    if args.mqtt31 {
        bc20_sim::MqttVersion::V31
    } else {
        bc20_sim::MqttVersion::V311
    }
}

/// The runner's timings on either simulator bed (both on virtual time); `--grace` wins.
fn sim_timings(args: &ConformArgs, config: &mut RunConfig) {
    let timings = sim_run_config();
    config.grace = args.grace.unwrap_or(timings.grace);
    config.settle = timings.settle;
    config.latency_tolerance = timings.latency_tolerance;
    config.teardown_bound = timings.teardown_bound;
}

/// The virtual testbed for `--sim --virtual`: virtual time, the virtual broker.
fn virtual_bed(args: &ConformArgs, config: &mut RunConfig) -> Result<Box<dyn Testbed>, ExitCode> {
    use bc20_conform::testbed::VirtualBed;
    sim_timings(args, config);
    let jobs = args.jobs.map_or(2, usize::from);
    Ok(Box::new(VirtualBed::new(
        sim_quirks(args)?,
        mqtt_version(args),
        jobs,
    )))
}

/// The simulator testbed for `--sim` / `--sim-quirk`.
fn sim_bed(
    args: &ConformArgs,
    broker: Option<(String, u16)>,
    config: &mut RunConfig,
) -> Result<Box<dyn Testbed>, ExitCode> {
    use bc20_conform::testbed::{resolve, SimBed};
    let quirks = sim_quirks(args)?;
    let addr = match &broker {
        Some((h, p)) => Some(resolve(h, *p).map_err(|e| usage(&e))?),
        None => None,
    };
    sim_timings(args, config);
    let jobs = args.jobs.map_or(2, usize::from);
    let version = mqtt_version(args);
    let bed = SimBed::new(addr, quirks, version, jobs).map_err(|e| {
        errln!("error: cannot start the embedded broker: {e}");
        ExitCode::from(bc20_exit::FAILED)
    })?;
    Ok(Box::new(bed))
}

fn execute(
    args: &ConformArgs,
    scripts: &[Script],
    bed: &dyn Testbed,
    config: RunConfig,
    order: RunOrder,
) -> ExitCode {
    install_signal_handlers();
    let console = Console::new(scripts.len(), args.quiet);
    let paths = ReportPaths::in_dir(&args.report_dir);
    let opts = SuiteOptions {
        config,
        jobs: args.jobs.map_or(bed.max_parallel(), usize::from),
        reports: Some(paths.clone()),
        progress: &console,
        retry_failed: args.retry_failed,
        certification: Certification::collect(
            &scripts.iter().flat_map(script_files).collect::<Vec<_>>(),
            &std::env::args().collect::<Vec<_>>(),
        ),
        order: Some(order),
    };
    let report = run_suite(scripts, bed, &opts);
    if let Err(e) = paths.write(&report) {
        errln!("warning: cannot write the report: {e}");
    }
    console.finish();
    summary(&report, &paths);
    if let Some(sig) = interrupted() {
        errln!(
            "interrupted by {}: the reports say which scripts did not run",
            signal_name(sig)
        );
        return ExitCode::from(bc20_exit::signal(sig));
    }
    if report.all_passed() {
        ExitCode::from(bc20_exit::OK)
    } else {
        ExitCode::from(bc20_exit::FAILED)
    }
}

/// SIGINT and SIGTERM (and SIGHUP): the first one lets the current step end, runs the
/// teardown within its bound and writes complete reports marked incomplete (exit 128 + the
/// signal: 130, 143); a second one leaves at once. The reports on disk are valid either way:
/// they are rewritten whole, by rename, after every script.
fn install_signal_handlers() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        errln!("warning: cannot install signal handlers; an interrupt loses the script in flight");
        return;
    };
    let _ = std::thread::Builder::new()
        .name("bc20-signals".into())
        .spawn(move || {
            for sig in signals.forever() {
                if interrupt(sig).is_some() {
                    errln!("\n{} again: leaving now", signal_name(sig));
                    std::process::exit(i32::from(bc20_exit::signal(sig)));
                }
                errln!(
                    "\n{}: finishing the current step and the teardown, then the report \
                     ({} again to quit at once)",
                    signal_name(sig),
                    signal_name(sig)
                );
            }
        });
}

fn summary(r: &RunReport, paths: &ReportPaths) {
    let s = &r.summary;
    let mut extra = String::new();
    for (n, what) in [
        (s.xfailed, "xfailed"),
        (s.xpassed, "XPASSED (remove their xfail)"),
        (s.not_run + s.pending, "not run"),
        (s.flaky, "flaky"),
    ] {
        if n > 0 {
            extra.push_str(&format!(", {n} {what}"));
        }
    }
    outln!(
        "{}: {} passed, {} failed, {} errors, {} skipped{extra} in {:.1}s{}{}",
        if r.all_passed() { "PASS" } else { "FAIL" },
        s.passed,
        s.failed,
        s.errors,
        s.skipped,
        r.duration_ms / 1000.0,
        r.module
            .revision
            .as_ref()
            .map(|v| format!(" (module {v})"))
            .unwrap_or_default(),
        r.interrupted
            .as_ref()
            .map(|why| format!("; INCOMPLETE: {why}"))
            .unwrap_or_default()
    );
    outln!(
        "reports: {}, {}, {}",
        paths.html.display(),
        paths.junit.display(),
        paths.json.display()
    );
}

/// Runs `bc20 conform diff OLD.json NEW.json`.
fn run_diff(args: &DiffArgs) -> ExitCode {
    let old = match read_json(&args.old) {
        Ok(r) => r,
        Err(e) => return usage(&e.to_string()),
    };
    let new = match read_json(&args.new) {
        Ok(r) => r,
        Err(e) => return usage(&e.to_string()),
    };
    let d = diff_reports(&old, &new);
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&d).unwrap_or_else(|e| e.to_string())
        );
    } else {
        out!("{}", render_diff(&d));
    }
    if d.has_regressions() {
        ExitCode::from(bc20_exit::FAILED)
    } else {
        ExitCode::from(bc20_exit::OK)
    }
}
