//! A plain-HTTP GET with a deadline, for the commands that ask a running bridge something.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::StatusCode;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

#[derive(Debug)]
pub enum GetError {
    /// The URL does not parse.
    BadUrl(String),
    /// Nothing answered, or the connection broke.
    Unreachable(String),
    TimedOut(Duration),
}

pub async fn get(url: &str, deadline: Duration) -> Result<(StatusCode, Bytes), GetError> {
    let uri: hyper::Uri = url.parse().map_err(|e| GetError::BadUrl(format!("{e}")))?;
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let fetched = tokio::time::timeout(deadline, async {
        let resp = client.get(uri).await.map_err(|e| e.to_string())?;
        let status = resp.status();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok::<_, String>((status, body))
    })
    .await;
    match fetched {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(e)) => Err(GetError::Unreachable(e)),
        Err(_) => Err(GetError::TimedOut(deadline)),
    }
}
