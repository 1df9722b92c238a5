//! A script's output: every byte appended to its output file as it comes (so clients can
//! follow it), and the last part of stdout and of stderr kept for the job run's record.

use std::fs::File;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// The last `cap` bytes written to it.
#[derive(Debug)]
pub struct Tail {
    cap: usize,
    bytes: Vec<u8>,
}

impl Tail {
    pub fn new(cap: usize) -> Tail {
        Tail {
            cap,
            bytes: Vec::new(),
        }
    }

    pub fn push(&mut self, chunk: &[u8]) {
        self.bytes.extend_from_slice(chunk);
        // Trim now and then, not on every chunk: amortised, and never over twice the cap.
        if self.bytes.len() > self.cap.saturating_mul(2).max(8192) {
            self.trim();
        }
    }

    fn trim(&mut self) {
        let excess = self.bytes.len().saturating_sub(self.cap);
        self.bytes.drain(..excess);
    }

    /// The kept text; a character cut at the start becomes U+FFFD.
    pub fn into_text(mut self) -> String {
        self.trim();
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// Copies `from` into the shared output file and a tail of its own, on a thread of its own,
/// until the stream ends.
pub fn capture(
    mut from: impl Read + Send + 'static,
    file: Arc<Mutex<File>>,
    cap: usize,
) -> JoinHandle<Tail> {
    std::thread::spawn(move || {
        let mut tail = Tail::new(cap);
        let mut buf = [0u8; 8192];
        loop {
            match from.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    tail.push(&buf[..n]);
                    let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
                    if let Err(e) = file.write_all(&buf[..n]) {
                        tracing::warn!(error = %e, "could not write a script's output file");
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
        }
        tail
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tail_keeps_the_last_bytes() {
        let mut tail = Tail::new(4);
        for chunk in [b"abc".as_slice(), b"defgh", b"ij"] {
            tail.push(chunk);
        }
        assert_eq!(tail.into_text(), "ghij");
    }

    #[test]
    fn a_tail_under_its_cap_keeps_everything() {
        let mut tail = Tail::new(64 * 1024);
        tail.push("héllo\n".as_bytes());
        assert_eq!(tail.into_text(), "héllo\n");
    }

    #[test]
    fn a_long_stream_stays_near_its_cap() {
        let mut tail = Tail::new(10);
        for _ in 0..10_000 {
            tail.push(b"0123456789");
            assert!(tail.bytes.len() <= 8192 + 10);
        }
        assert_eq!(tail.into_text(), "0123456789");
    }
}
