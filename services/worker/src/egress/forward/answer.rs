//! What the forward proxy answers: the upstream's response, or its own short refusal
//! that the page can read (CORS allowed).

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt as _, Empty, Full};
use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};

/// The body of every answer.
pub(crate) type Body = BoxBody<Bytes, hyper::Error>;

/// The upstream's answer, or the proxy's own refusal.
pub(crate) type Answer = Result<Response<Body>, Refused>;

/// Why the proxy answers itself instead of forwarding.
#[derive(Debug)]
pub(crate) struct Refused {
    status: StatusCode,
    message: String,
}

impl Refused {
    /// A refusal with `status` saying `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// The path to the target broke after it was checked.
    pub fn bad_gateway() -> Self {
        Self::new(
            StatusCode::BAD_GATEWAY,
            "the egress path to the target failed",
        )
    }

    /// A plain-text answer the page can read (CORS allowed), closing the connection.
    pub fn into_response(self) -> Response<Body> {
        let body = format!("jetcrawl egress: {}\n", self.message);
        let mut response = Response::new(
            Full::new(Bytes::from(body))
                .map_err(|never| match never {})
                .boxed(),
        );
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        response
    }
}

/// An empty body.
pub(crate) fn empty() -> Body {
    Empty::new().map_err(|never| match never {}).boxed()
}
