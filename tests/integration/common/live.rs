//! Clients of the streaming transports: `graphql-transport-ws` over a real
//! WebSocket, and GraphQL over SSE read off a raw socket.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for a message it expects.
pub const PATIENCE: Duration = Duration::from_secs(10);

pub struct Live {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Pings the server sent (each answered with a pong).
    pub pings: usize,
    /// The close frame's code and reason, once the server closed.
    pub closed: Option<(u16, String)>,
}

impl Live {
    /// Connects and initialises with `{"Authorization": "Bearer <secret>"}`
    /// (no payload without a secret); panics unless acknowledged.
    pub async fn connect(addr: SocketAddr, secret: Option<&str>) -> Self {
        let payload = secret.map_or(
            json!({}),
            |s| json!({ "Authorization": format!("Bearer {s}") }),
        );
        Self::init(addr, payload).await.expect("connection_ack")
    }

    /// Opens the socket; `Err` with the HTTP status when the upgrade is refused.
    pub async fn open(addr: SocketAddr) -> Result<Self, u16> {
        Self::open_on(addr, TcpStream::connect(addr).await.expect("connect")).await
    }

    /// Connects and initialises (anonymously) over a socket whose receive
    /// buffer holds only a few kilobytes: a client that does not read then
    /// stalls the server's sends after little data, not after megabytes.
    pub async fn connect_with_small_buffer(addr: SocketAddr) -> Self {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        // Set before connecting, so that the window offered is small from
        // the start and never grows.
        socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
        let stream = socket.connect(addr).await.expect("connect");
        let live = Self::open_on(addr, stream).await.expect("upgrade");
        live.handshake(json!({})).await.expect("connection_ack")
    }

    async fn open_on(addr: SocketAddr, stream: TcpStream) -> Result<Self, u16> {
        let mut request = format!("ws://{addr}/graphql")
            .into_client_request()
            .unwrap();
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        match tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(stream)).await {
            Ok((ws, _)) => Ok(Self {
                ws,
                pings: 0,
                closed: None,
            }),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                Err(response.status().as_u16())
            }
            Err(err) => panic!("WebSocket connect: {err}"),
        }
    }

    /// Opens and sends `connection_init`; `Err` with the close frame's code
    /// and reason when the server refuses it.
    pub async fn init(addr: SocketAddr, payload: Value) -> Result<Self, (u16, String)> {
        Self::open(addr)
            .await
            .expect("upgrade")
            .handshake(payload)
            .await
    }

    /// Sends `connection_init` on an open socket; see [`Live::init`].
    async fn handshake(mut self, payload: Value) -> Result<Self, (u16, String)> {
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        match self.message().await {
            Some(ack) if ack["type"] == "connection_ack" => Ok(self),
            Some(other) => panic!("not an ack: {other}"),
            None => Err(self.closed.take().unwrap_or_default()),
        }
    }

    pub async fn send(&mut self, message: Value) {
        self.ws
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("send");
    }

    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({
            "id": id, "type": "subscribe",
            "payload": { "query": query, "variables": variables }
        }))
        .await;
    }

    /// The next protocol message other than a ping (which it answers), or
    /// `None` once the server closed; panics after [`PATIENCE`].
    pub async fn message(&mut self) -> Option<Value> {
        self.message_within(PATIENCE)
            .await
            .unwrap_or_else(|| panic!("no message within {PATIENCE:?}"))
    }

    /// Like [`Live::message`], but `None` (outer) when nothing came in time.
    pub async fn message_within(&mut self, within: Duration) -> Option<Option<Value>> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let next = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .ok()?;
            match next {
                Some(Ok(Message::Text(text))) => {
                    let message: Value = serde_json::from_str(&text).expect("JSON message");
                    if message["type"] == "ping" {
                        self.pings += 1;
                        // The server may be closing; then the close frame follows.
                        let pong = json!({ "type": "pong" }).to_string();
                        let _ = self.ws.send(Message::Text(pong.into())).await;
                        continue;
                    }
                    return Some(Some(message));
                }
                Some(Ok(Message::Close(frame))) => {
                    self.closed = frame.map(|f| (u16::from(f.code), f.reason.to_string()));
                    return Some(None);
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Some(None),
            }
        }
    }

    /// The next `changes` event of subscription `id` (panics on anything else).
    pub async fn event(&mut self, id: &str) -> Value {
        let message = self
            .message()
            .await
            .expect("the server closed the connection");
        assert_eq!(
            (message["type"].as_str(), message["id"].as_str()),
            (Some("next"), Some(id)),
            "{message}"
        );
        assert!(message["payload"].get("errors").is_none(), "{message}");
        message["payload"]["data"]["changes"].clone()
    }

    /// The events of `id` that arrive within `within` (none expected, mostly).
    pub async fn quiet(&mut self, within: Duration) -> Vec<Value> {
        let mut got = Vec::new();
        while let Some(Some(message)) = self.message_within(within).await {
            got.push(message);
        }
        got
    }
}

/// Answers a `POST /graphql` with `Accept: text/event-stream` as it arrives.
pub struct Sse {
    stream: TcpStream,
    buffer: String,
}

impl Sse {
    /// Sends the request (HTTP/1.0, so the body is not chunked) and reads
    /// the head; returns the status line and the head.
    pub async fn post(addr: SocketAddr, body: &Value, secret: Option<&str>) -> (Self, String) {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let body = body.to_string();
        let auth = secret.map_or(String::new(), |s| format!("Authorization: Bearer {s}\r\n"));
        let request = format!(
            "POST /graphql HTTP/1.0\r\nHost: x\r\nContent-Type: application/json\r\n\
             Accept: text/event-stream\r\n{auth}Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut sse = Self {
            stream,
            buffer: String::new(),
        };
        let head = sse.until("\r\n\r\n").await;
        (sse, head)
    }

    async fn until(&mut self, end: &str) -> String {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            if let Some(at) = self.buffer.find(end) {
                let taken: String = self.buffer.drain(..at + end.len()).collect();
                return taken;
            }
            let mut chunk = [0_u8; 4096];
            let read = tokio::time::timeout_at(deadline, self.stream.read(&mut chunk))
                .await
                .expect("nothing arrived in time")
                .unwrap();
            assert!(read > 0, "the stream ended; so far: {:?}", self.buffer);
            self.buffer
                .push_str(std::str::from_utf8(&chunk[..read]).unwrap());
        }
    }

    /// The rest of a response that is not a stream (a refusal), to its end.
    pub async fn rest(mut self) -> String {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let mut rest = Vec::new();
        tokio::time::timeout_at(deadline, self.stream.read_to_end(&mut rest))
            .await
            .expect("the response did not end in time")
            .unwrap();
        self.buffer.push_str(std::str::from_utf8(&rest).unwrap());
        self.buffer
    }

    /// The next event, keep-alive comments skipped: its name and data.
    pub async fn event(&mut self) -> (String, Value) {
        loop {
            let block = self.until("\n\n").await;
            let mut name = String::new();
            let mut data = String::new();
            for line in block.lines() {
                if let Some(value) = line.strip_prefix("event:") {
                    name = value.trim().to_owned();
                } else if let Some(value) = line.strip_prefix("data:") {
                    data.push_str(value.trim_start());
                }
            }
            if name.is_empty() {
                continue;
            }
            let data = if data.is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&data).unwrap()
            };
            return (name, data);
        }
    }
}
