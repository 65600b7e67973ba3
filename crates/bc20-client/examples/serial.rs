//! Drives a BC20 on a serial port through open, connect, subscribe and publish, and prints
//! every event. Works the same against the simulator's PTY (`bc20 sim --pty`).
//!
//! ```text
//! cargo run -p bc20-client --example serial -- --port /dev/ttyUSB0 --broker test.mosquitto.org
//! ```
//!
//! The I/O loop below is all a host needs around the sans-IO driver: write what
//! `poll_transmit` gives, feed what the port reads to `handle_input`, call `handle_timeout`
//! with the clock, print `poll_event`.

use std::io::{ErrorKind, Read, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant as WallClock};

use bc20_client::{Client, ClientConfig, Event, Instant, Qos, Setting};
use clap::Parser;

/// Open, connect, subscribe, publish, listen, disconnect.
#[derive(Debug, Parser)]
struct Args {
    /// Serial device of the module (or the PTY `bc20 sim --pty` prints).
    #[arg(long)]
    port: String,
    /// Baud rate.
    #[arg(long, default_value_t = 115_200)]
    baud: u32,
    /// MQTT broker host name or address, as the module should reach it.
    #[arg(long, default_value = "127.0.0.1")]
    broker: String,
    /// MQTT broker port.
    #[arg(long, default_value_t = 1883)]
    mqtt_port: u16,
    /// MQTT slot (`<tcpconnectID>`, 0-5).
    #[arg(long, default_value_t = 0)]
    slot: u8,
    /// Client identifier.
    #[arg(long, default_value = "bc20kit-example")]
    client_id: String,
    /// Topic to subscribe to and publish on.
    #[arg(long, default_value = "bc20kit/example")]
    topic: String,
    /// Message to publish (no `"`, CR or LF: AT strings cannot carry them).
    #[arg(long, default_value = "hello from bc20-client")]
    message: String,
    /// Seconds to listen for messages before disconnecting.
    #[arg(long, default_value_t = 10)]
    listen: u64,
    /// Print the AT traffic too.
    #[arg(long)]
    verbose: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut port = serialport::new(&args.port, args.baud)
        .timeout(Duration::from_millis(20))
        .open()
        .map_err(|e| format!("{}: {e}", args.port))?;
    let start = WallClock::now();
    let clock =
        || Instant::from_millis(u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX));

    let mut client = Client::new(ClientConfig::default());
    let s = args.slot;
    // Everything is queued at once: the driver writes one command at a time and waits for
    // each slot's asynchronous results before the commands that depend on them.
    client.initialize()?;
    client.configure(s, Setting::KeepAlive { keepalive: 60 })?;
    client.open(s, &args.broker, args.mqtt_port)?;
    client.connect(s, &args.client_id, None, None)?;
    client.subscribe(s, &[(args.topic.as_str(), Qos::AtLeastOnce)])?;
    let published = client.publish(
        s,
        Qos::AtLeastOnce,
        false,
        &args.topic,
        args.message.as_bytes(),
    )?;

    let mut listen_until = None;
    let mut disconnect = None;
    let mut buf = [0u8; 1024];
    loop {
        while let Some(bytes) = client.poll_transmit(clock()) {
            if args.verbose {
                eprintln!("> {}", String::from_utf8_lossy(&bytes).trim_end());
            }
            port.write_all(&bytes)?;
        }
        match port.read(&mut buf) {
            Ok(n) => {
                if args.verbose {
                    eprintln!("< {:?}", String::from_utf8_lossy(&buf[..n]));
                }
                client.handle_input(clock(), &buf[..n]);
            }
            // A PTY whose other side is not open yet reads as EIO (FIELD-NOTES): wait.
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::TimedOut | ErrorKind::WouldBlock | ErrorKind::Interrupted
                ) => {}
            Err(e) if e.raw_os_error() == Some(5) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e.into()),
        }
        client.handle_timeout(clock());
        while let Some(event) = client.poll_event() {
            print_event(&event);
            match &event {
                Event::Completed { handle, .. } if *handle == published => {
                    listen_until = Some(WallClock::now() + Duration::from_secs(args.listen));
                }
                Event::Completed { handle, .. } if Some(*handle) == disconnect => return Ok(()),
                Event::LinkLost { conn_id, .. } if *conn_id == s => {
                    return Err("the link was lost".into())
                }
                _ => {}
            }
        }
        if listen_until.is_some_and(|t| WallClock::now() >= t) && disconnect.is_none() {
            disconnect = Some(client.disconnect(s)?);
        }
    }
}

fn print_event(event: &Event) {
    match event {
        Event::Completed {
            handle,
            result: Ok(c),
        } => println!("{handle} done: {c:?}"),
        Event::Completed {
            handle,
            result: Err(f),
        } => println!("{handle} failed: {f}"),
        Event::Retransmitted { handle, count } => println!("{handle} retransmission {count}"),
        Event::Received(m) => println!(
            "message on slot {} topic {:?}: {}",
            m.conn_id,
            m.topic,
            String::from_utf8_lossy(&m.payload)
        ),
        Event::LinkLost {
            conn_id,
            code,
            recovery,
            ..
        } => println!(
            "slot {conn_id} lost its link (+QMTSTAT code {}): {} [{recovery:?}]",
            code.code(),
            code.recovery()
        ),
        Event::Unsolicited { line } => println!("urc: {line}"),
        Event::Diagnostic(d) => println!("ignored: {d:?}"),
    }
}
