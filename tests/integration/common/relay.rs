//! A TCP relay from a local port to PostgreSQL that a test cuts and
//! restores: a database outage (or restart) seen from one server only.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;

/// A relay from a local port to PostgreSQL, with every connection it carries.
pub struct Relay {
    pub addr: SocketAddr,
    target: String,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    pub async fn start(target: &str) -> Self {
        let relay = Relay {
            addr: "127.0.0.1:0".parse().unwrap(),
            target: target.to_owned(),
            tasks: Arc::default(),
        };
        relay.listen().await
    }

    pub async fn listen(mut self) -> Self {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        socket.bind(self.addr).unwrap();
        let listener: TcpListener = socket.listen(64).unwrap();
        self.addr = listener.local_addr().unwrap();
        let (target, tasks) = (self.target.clone(), self.tasks.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                let carried = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks.lock().unwrap().push(carried);
            }
        });
        self.tasks.lock().unwrap().push(accept);
        self
    }

    /// Cuts every connection and refuses new ones.
    pub fn stop(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}
