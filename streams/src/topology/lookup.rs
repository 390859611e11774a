//! Reading what the server runs, telling "not there" from "no answer": a missing stream
//! is created by `apply` and reported by `verify`, a silent server is an error for both.

use async_nats::jetstream::Context;
use async_nats::jetstream::ErrorCode;
use async_nats::jetstream::consumer;
use async_nats::jetstream::context::{ConsumerInfoErrorKind, GetStreamErrorKind};
use async_nats::jetstream::stream;

use super::TopologyError;

/// The running config of stream `name`; `None` when it does not exist.
pub(super) async fn running_stream(
    js: &Context,
    name: &str,
) -> Result<Option<stream::Config>, TopologyError> {
    let mut stream = match js.get_stream(name).await {
        Ok(stream) => stream,
        Err(err) => {
            return match err.kind() {
                GetStreamErrorKind::JetStream(e)
                    if e.error_code() == ErrorCode::STREAM_NOT_FOUND =>
                {
                    Ok(None)
                }
                _ => Err(TopologyError::unavailable(
                    format!("reading stream {name}"),
                    err,
                )),
            };
        }
    };
    let info = stream
        .info()
        .await
        .map_err(|err| TopologyError::unavailable(format!("reading stream {name}"), err))?;
    Ok(Some(info.config.clone()))
}

/// The running config of consumer `name` on `stream`; `None` when it does not exist.
pub(super) async fn running_consumer(
    js: &Context,
    stream: &str,
    name: &str,
) -> Result<Option<consumer::Config>, TopologyError> {
    let what = || format!("reading consumer {name} on {stream}");
    let handle = js
        .get_stream_no_info(stream)
        .await
        .map_err(|err| TopologyError::unavailable(what(), err))?;
    match handle.consumer_info(name).await {
        Ok(info) => Ok(Some(info.config)),
        Err(err) => match err.kind() {
            ConsumerInfoErrorKind::NotFound | ConsumerInfoErrorKind::StreamNotFound => Ok(None),
            ConsumerInfoErrorKind::JetStream(e)
                if e.error_code() == ErrorCode::CONSUMER_NOT_FOUND
                    || e.error_code() == ErrorCode::STREAM_NOT_FOUND =>
            {
                Ok(None)
            }
            _ => Err(TopologyError::unavailable(what(), err)),
        },
    }
}
