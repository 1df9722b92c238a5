//! `runsheet-bench-put`: drives `PUT /v1/steps/:id` with `aasm_event` at a fixed number
//! of connections for a fixed time, and prints one JSON line of results.
//!
//! ```text
//! runsheet-bench-put --url http://127.0.0.1:PORT --token T --steps FILE
//!                    [--connections 32] [--duration 10]
//! ```
//!
//! A general load generator sends the same body to every URL, and no step event is valid
//! twice in a row. Here each connection owns its own ready steps (FILE: one id a line;
//! they are dealt out round robin) and sends `block` then `unblock_ready` to each in turn,
//! so every request is a valid transition and nothing races: any answer other than 2xx is
//! an error and is counted as one. Each connection is one thread with one keep-alive
//! HTTP/1.1 connection; latency is from the first byte written to the last byte read.

use anyhow::{bail, Context};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: runsheet-bench-put --url http://HOST:PORT --token T --steps FILE \
    [--connections 32] [--duration 10]";

struct Config {
    host: String,
    token: String,
    deadline: Instant,
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    statuses: BTreeMap<String, u64>,
    errors: u64,
}

fn main() -> anyhow::Result<()> {
    let mut url = None;
    let mut token = None;
    let mut steps_file = None;
    let mut connections = 32usize;
    let mut duration = 10f64;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .with_context(|| format!("{arg} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--url" => url = Some(value()?),
            "--token" => token = Some(value()?),
            "--steps" => steps_file = Some(value()?),
            "--connections" => connections = value()?.parse().context("--connections")?,
            "--duration" => duration = value()?.parse().context("--duration")?,
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
    }
    let (Some(url), Some(token), Some(steps_file)) = (url, token, steps_file) else {
        bail!("{USAGE}");
    };
    let host = url
        .strip_prefix("http://")
        .context("--url must start with http://")?
        .trim_end_matches('/')
        .to_string();
    let steps: Vec<i64> = std::fs::read_to_string(&steps_file)
        .with_context(|| format!("reading {steps_file}"))?
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .context("the steps file must hold one id a line")?;
    if connections == 0 || steps.len() < connections {
        bail!(
            "{} steps for {connections} connections: each connection needs a step of its own",
            steps.len()
        );
    }
    let mut owned: Vec<Vec<i64>> = vec![Vec::new(); connections];
    for (i, id) in steps.iter().enumerate() {
        owned[i % connections].push(*id);
    }

    let started = Instant::now();
    let config = std::sync::Arc::new(Config {
        host,
        token,
        deadline: started + Duration::from_secs_f64(duration),
    });
    let handles: Vec<_> = owned
        .into_iter()
        .map(|ids| {
            let config = config.clone();
            std::thread::spawn(move || drive(&config, &ids))
        })
        .collect();
    let mut total = Tally::default();
    for handle in handles {
        let tally = handle
            .join()
            .map_err(|_| anyhow::anyhow!("a connection's thread panicked"))?;
        total.latencies_us.extend(tally.latencies_us);
        total.errors += tally.errors;
        for (status, count) in tally.statuses {
            *total.statuses.entry(status).or_default() += count;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    total.latencies_us.sort_unstable();
    let pct = |p: f64| -> f64 {
        let l = &total.latencies_us;
        if l.is_empty() {
            return 0.0;
        }
        let i = ((p * l.len() as f64).ceil() as usize).clamp(1, l.len()) - 1;
        l[i] as f64 / 1000.0
    };
    let requests = total.latencies_us.len();
    let statuses: Vec<String> = total
        .statuses
        .iter()
        .map(|(status, count)| format!("\"{status}\": {count}"))
        .collect();
    println!(
        "{{\"requests\": {requests}, \"seconds\": {seconds:.3}, \"rps\": {:.1}, \
         \"p50_ms\": {:.3}, \"p99_ms\": {:.3}, \"errors\": {}, \"statuses\": {{{}}}}}",
        requests as f64 / seconds,
        pct(0.50),
        pct(0.99),
        total.errors,
        statuses.join(", ")
    );
    Ok(())
}

/// One connection: `block` then `unblock_ready` on each of its steps in turn, until the
/// deadline (a started pair is finished, so the steps are left ready).
fn drive(config: &Config, ids: &[i64]) -> Tally {
    let mut tally = Tally::default();
    let mut conn: Option<BufReader<TcpStream>> = None;
    'outer: loop {
        for &id in ids {
            if Instant::now() >= config.deadline {
                break 'outer;
            }
            for event in ["block", "unblock_ready"] {
                let body = format!("{{\"step\": {{\"aasm_event\": \"{event}\"}}}}");
                let request = format!(
                    "PUT /v1/steps/{id} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
                     Accept: application/json\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\n\r\n{body}",
                    config.host,
                    config.token,
                    body.len()
                );
                let begun = Instant::now();
                match exchange(&mut conn, &config.host, request.as_bytes()) {
                    Ok((status, keep)) => {
                        tally.latencies_us.push(begun.elapsed().as_micros() as u64);
                        *tally.statuses.entry(status.to_string()).or_default() += 1;
                        if !(200..300).contains(&status) {
                            tally.errors += 1;
                        }
                        if !keep {
                            conn = None;
                        }
                    }
                    Err(_) => {
                        tally.latencies_us.push(begun.elapsed().as_micros() as u64);
                        *tally.statuses.entry("io error".into()).or_default() += 1;
                        tally.errors += 1;
                        conn = None;
                        if Instant::now() >= config.deadline {
                            break 'outer;
                        }
                    }
                }
            }
        }
    }
    tally
}

/// Sends one request on the connection (opening it if needed) and reads the answer:
/// its status, and whether the connection may be used again.
fn exchange(
    conn: &mut Option<BufReader<TcpStream>>,
    host: &str,
    request: &[u8],
) -> anyhow::Result<(u16, bool)> {
    if conn.is_none() {
        let stream = TcpStream::connect(host)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        *conn = Some(BufReader::with_capacity(64 * 1024, stream));
    }
    let reader = conn.as_mut().context("no connection")?;
    reader.get_mut().write_all(request)?;
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        bail!("the server closed the connection");
    }
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .context("no status line")?
        .parse()?;
    let mut length = 0usize;
    let mut chunked = false;
    let mut keep = true;
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            bail!("the answer ended in its headers");
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim();
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse()?,
                "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                "connection" => keep = !value.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
    }
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            if size == 0 {
                break;
            }
        }
    } else {
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
    }
    Ok((status, keep))
}
