//! Slow and idle clients do not hold connections: a real server with short
//! timeouts closes them, and refuses an oversized declared body at once.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::common::Server;

const FLAGS: &[&str] = &["--header-timeout-ms", "1000", "--body-timeout-ms", "1000"];

/// Reads until the server closes the connection (or 10 s pass); returns
/// what it sent and when it closed.
fn until_closed(stream: &mut TcpStream) -> (String, Duration) {
    let started = Instant::now();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

/// Four clients at once, each closed within the timeouts' reach.
#[test]
fn idle_and_slow_clients_are_disconnected() {
    let server = Server::start(FLAGS);
    std::thread::scope(|scope| {
        // Connected, sending nothing.
        scope.spawn(|| {
            let mut idle = server.connect();
            let (_, after) = until_closed(&mut idle);
            assert!(
                after < Duration::from_secs(4),
                "idle connection open for {after:?}"
            );
        });

        // Headers a byte at a time.
        scope.spawn(|| {
            let mut slow = server.connect();
            let started = Instant::now();
            for byte in b"POST /graphql HTTP/1.1\r\nHost: x\r\n".iter().take(8) {
                if slow.write_all(&[*byte]).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(300));
            }
            let (_, _) = until_closed(&mut slow);
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "slow headers open for {:?}",
                started.elapsed()
            );
        });

        // A body that never arrives.
        scope.spawn(|| {
            let mut stalled = server.connect();
            stalled
                .write_all(b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"qu")
                .unwrap();
            let (answer, after) = until_closed(&mut stalled);
            assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
            assert!(answer.contains("REQUEST_TIMEOUT"), "{answer}");
            assert!(after < Duration::from_secs(5), "{after:?}");
        });

        // A kept-alive connection is closed once idle.
        scope.spawn(|| {
            let mut kept = server.connect();
            let body = r#"{"query":"{ plans { slug } }"}"#;
            write!(kept, "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()).unwrap();
            let (answer, after) = until_closed(&mut kept);
            assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
            assert!(
                after < Duration::from_secs(5),
                "kept-alive connection open for {after:?}"
            );
        });
    });
}

#[test]
fn a_declared_body_over_the_limit_is_refused_at_once() {
    let server = Server::start(FLAGS);
    let mut stream = server.connect();
    stream
        .write_all(b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n")
        .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let started = Instant::now();
    let mut answer = [0u8; 512];
    let n = stream.read(&mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("REQUEST_TOO_LARGE"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
}
