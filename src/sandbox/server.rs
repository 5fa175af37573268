//! HTTP plumbing: accepts connections, checks the bearer token, reads bodies
//! within the apiserver's size limit, hands requests to `api`, and writes JSON,
//! text or streamed watch responses.

use std::convert::Infallible;
use std::sync::Arc;

use futures_util::stream;
use http_body_util::{BodyExt, Full, Limited, StreamBody, combinators::BoxBody};
use hyper::body::{Bytes, Frame, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use parking_lot::Mutex;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio_rustls::TlsAcceptor;

use super::api::{self, ApiRequest, ApiResponse, Cluster, MAX_REQUEST_BYTES};
use super::status::ApiError;

type Body = BoxBody<Bytes, Infallible>;

/// Watch lines buffered per connection before the watch waits for the client.
const WATCH_CHANNEL: usize = 256;

/// Paths anyone may read, as the apiserver's public-info role allows.
fn public(path: &str) -> bool {
    matches!(path, "/version" | "/healthz" | "/livez" | "/readyz")
}

/// Accepts connections until `shutdown` turns true.
pub async fn serve(
    listener: TcpListener,
    cluster: Arc<Mutex<Cluster>>,
    token: Option<Arc<str>>,
    tls: Option<TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let cluster = cluster.clone();
                let token = token.clone();
                let tls = tls.clone();
                let mut conn_shutdown = shutdown.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| respond(req, cluster.clone(), token.clone()));
                    let builder = http1::Builder::new();
                    match tls {
                        Some(acceptor) => {
                            let Ok(stream) = acceptor.accept(stream).await else { return };
                            let conn = builder.serve_connection(TokioIo::new(stream), service);
                            tokio::select! {
                                _ = conn => {}
                                _ = conn_shutdown.changed() => {}
                            }
                        }
                        None => {
                            let conn = builder.serve_connection(TokioIo::new(stream), service);
                            tokio::select! {
                                _ = conn => {}
                                _ = conn_shutdown.changed() => {}
                            }
                        }
                    }
                });
            }
            _ = shutdown.changed() => return,
        }
    }
}

fn full(code: u16, content_type: &str, body: Vec<u8>) -> Response<Body> {
    let mut resp = Response::new(Full::new(Bytes::from(body)).boxed());
    *resp.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp
}

fn error(e: &ApiError) -> Response<Body> {
    full(
        e.code,
        "application/json",
        serde_json::to_vec(&e.to_status()).unwrap_or_default(),
    )
}

/// The client takes JSON (or anything); a protobuf-only client is refused.
fn accepts_json(accept: Option<&str>) -> bool {
    accept.is_none_or(|a| {
        a.trim().is_empty()
            || a.split(',').any(|t| {
                let t = t.split(';').next().unwrap_or("").trim();
                matches!(
                    t,
                    "application/json" | "application/*" | "*/*" | "application/yaml" | ""
                )
            })
    })
}

async fn respond(
    req: Request<Incoming>,
    cluster: Arc<Mutex<Cluster>>,
    token: Option<Arc<str>>,
) -> Result<Response<Body>, Infallible> {
    let header = |name: header::HeaderName| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let path = req.uri().path().to_string();
    if let Some(token) = &token {
        let presented = header(header::AUTHORIZATION);
        let ok = presented
            .as_deref()
            .and_then(|h| h.strip_prefix("Bearer "))
            .is_some_and(|t| t.trim() == &**token);
        if !ok && !public(&path) {
            return Ok(error(&ApiError::unauthorized()));
        }
    }
    let accept = header(header::ACCEPT);
    if !accepts_json(accept.as_deref()) {
        // Also kubectl's protobuf-only request for /openapi/v2: kube-apiserver
        // answers 406 for a type it can't produce and kubectl carries on.
        return Ok(error(&ApiError::not_acceptable(&[
            "application/json",
            "application/yaml",
        ])));
    }
    let mut request = ApiRequest {
        method: req.method().as_str().to_string(),
        path,
        query: api::parse_query(req.uri().query().unwrap_or_default()),
        content_type: header(header::CONTENT_TYPE),
        accept,
        user_agent: header(header::USER_AGENT),
        body: Vec::new(),
    };
    let body = match Limited::new(req.into_body(), MAX_REQUEST_BYTES)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes(),
        Err(_) => return Ok(error(&ApiError::entity_too_large(MAX_REQUEST_BYTES))),
    };
    request.body = body.to_vec();
    let response = api::handle(&cluster, &request);
    Ok(match response {
        ApiResponse::Json {
            code,
            body,
            content_type,
        } => full(
            code,
            &content_type,
            serde_json::to_vec(&body).unwrap_or_default(),
        ),
        ApiResponse::Text { code, body } => {
            full(code, "text/plain; charset=utf-8", body.into_bytes())
        }
        ApiResponse::List(list) => {
            full(200, "application/json", list.to_json().unwrap_or_default())
        }
        ApiResponse::Watch(plan) => {
            let (tx, rx) = mpsc::channel::<Vec<u8>>(WATCH_CHANNEL);
            tokio::spawn(plan.run(tx));
            let frames = stream::unfold(rx, |mut rx| async move {
                let chunk = rx.recv().await?;
                Some((Ok::<_, Infallible>(Frame::data(Bytes::from(chunk))), rx))
            });
            let mut resp = Response::new(StreamBody::new(frames).boxed());
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            resp
        }
    })
}
