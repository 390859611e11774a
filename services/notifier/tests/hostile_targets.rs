//! The shared hostile-address table at delivery (ADR 0032): a webhook to any entry is
//! refused before anything is sent, permanently, naming the class the gateway and the
//! worker name for it. A loopback listener on the entries' port proves nothing left.

use std::net::{Ipv4Addr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use jetcrawl_egress::hostile::{HOSTILE, Hostile};
use jetcrawl_egress::{Class, Embedding};
use jetcrawl_notifier::attempt::{Delivery, Outcome, post};
use url::Url;

/// A loopback port counting the connections made to it.
fn counter() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let count = Arc::new(AtomicUsize::new(0));
    let counted = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (port, count)
}

async fn deliver(hostile: &Hostile, port: u16, allow_loopback: bool) -> Outcome {
    let url = Url::parse(&hostile.url(port)).expect(hostile.host);
    let delivery = Delivery {
        url: &url,
        webhook_id: "msg_hostile",
        secret: "whsec_dGVzdC1zZWNyZXQtb2YtMzItYnl0ZXMtYXQtbGVhc3Q=",
        body: b"{}",
    };
    post(delivery, Duration::from_secs(2), allow_loopback)
        .await
        .0
}

fn assert_refused(outcome: Outcome, hostile: &Hostile, allow_loopback: bool) {
    let named = hostile.named();
    match outcome {
        Outcome::Permanent { status: 0, error } => assert!(
            error.contains(&named),
            "{} (allow_loopback {allow_loopback}): {error:?} must say {named:?}",
            hostile.host
        ),
        other => panic!(
            "{} (allow_loopback {allow_loopback}) must be refused, got {other:?}",
            hostile.host
        ),
    }
}

#[tokio::test]
async fn every_hostile_address_is_refused_at_delivery_with_its_class_named() {
    let (port, connections) = counter();
    for hostile in HOSTILE {
        assert_refused(deliver(hostile, port, false).await, hostile, false);
    }
    // The development switch admits plain loopback only, never an address tunnelled
    // or translated to it, nor any other class.
    for hostile in HOSTILE {
        let plain_loopback = hostile.refused.class == Class::Loopback
            && matches!(hostile.refused.form, None | Some(Embedding::Ipv4Mapped));
        if !plain_loopback {
            assert_refused(deliver(hostile, port, true).await, hostile, true);
        }
    }
    assert_eq!(connections.load(Ordering::SeqCst), 0, "nothing was sent");
}
