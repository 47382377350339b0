//! The demo's own check, made the way curl makes it: HTTPS to the micro's host name with the
//! user's client certificate, the server checked against the development CA.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use retromesh_gateway::TlsPolicy;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, RootCertStore};

pub struct MtlsClient {
    config: Arc<ClientConfig>,
    addr: SocketAddr,
    host: String,
}

impl MtlsClient {
    pub fn new(dir: &Path, addr: SocketAddr, host: &str) -> Result<Self, String> {
        let identity = retromesh_identity::load_dir(dir, None).map_err(|e| e.to_string())?;
        let mut roots = RootCertStore::empty();
        for r in &identity.roots {
            roots.add(r.clone()).map_err(|e| e.to_string())?;
        }
        let policy = TlsPolicy::default();
        let mut config = ClientConfig::builder_with_provider(policy.provider())
            .with_protocol_versions(policy.versions())
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_client_auth_cert(identity.chain.clone(), identity.key.clone_key())
            .map_err(|e| e.to_string())?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(MtlsClient {
            config: Arc::new(config),
            addr,
            host: host.to_string(),
        })
    }

    /// One GET on a fresh connection: status and body.
    pub async fn get(&self, path: &str) -> Result<(u16, Vec<u8>), String> {
        let fail = |e: String| format!("GET https://{}{path}: {e}", self.host);
        let tcp = tokio::net::TcpStream::connect(self.addr)
            .await
            .map_err(|e| fail(e.to_string()))?;
        let name = ServerName::try_from(self.host.clone()).map_err(|e| fail(e.to_string()))?;
        let tls = tokio_rustls::TlsConnector::from(self.config.clone())
            .connect(name, tcp)
            .await
            .map_err(|e| fail(e.to_string()))?;
        let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(|e| fail(e.to_string()))?;
        tokio::spawn(conn);
        let req = hyper::Request::get(path)
            .header("host", &self.host)
            .body(Empty::<Bytes>::new())
            .map_err(|e| fail(e.to_string()))?;
        let resp = send
            .send_request(req)
            .await
            .map_err(|e| fail(e.to_string()))?;
        let status = resp.status().as_u16();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| fail(e.to_string()))?
            .to_bytes();
        Ok((status, body.to_vec()))
    }
}
