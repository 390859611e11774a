//! The HTTP API's OpenAPI 3.1 document, generated from the handlers and the types they
//! read and write (utoipa), and served at `GET /openapi.json`. The router is built from
//! the same handler list ([`super::router`]), so a route cannot exist undocumented.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The document's fixed parts: what the path list does not say.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Jetcrawl HTTP API",
        description = "Submit browser and HTTP extraction jobs, follow them, download their \
            results. Send an API key (or JWT) as `authorization: Bearer …`. Every error is an \
            RFC 9457 problem document (`application/problem+json`) whose `code` is the gRPC \
            code's name and whose `errors` name each wrong field.",
    ),
    paths(metrics, healthz, document),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "jobs", description = "Submit, list, follow, cancel jobs and get their results"),
        (name = "dead letters", description = "Jobs that failed for good, and their replay (admin)"),
        (name = "downloads", description = "Signed, expiring downloads; no API key"),
        (name = "operations", description = "Probes, metrics and this document; no API key"),
    ),
)]
pub struct ApiDoc;

/// Declares the bearer scheme every operation uses unless it says `security(())`.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API key (`jck_…`) or a JWT"))
                    .build(),
            ),
        );
    }
}

// The routes below are served by the telemetry router and by `router` itself; these
// items only carry their documentation.

/// `GET /metrics`.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    summary = "Prometheus metrics",
    security(()),
    responses((status = 200, description = "Text exposition format", content_type = "text/plain")),
)]
#[expect(dead_code, reason = "documents a route the telemetry router serves")]
fn metrics() {}

/// `GET /healthz`.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    summary = "Liveness: the process answers",
    security(()),
    responses((status = 200, description = "Alive")),
)]
#[expect(dead_code, reason = "documents a route the telemetry router serves")]
fn healthz() {}

/// `GET /openapi.json`.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operations",
    summary = "This document",
    security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json")),
)]
#[expect(dead_code, reason = "documents the route serving the document")]
fn document() {}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    /// The document as JSON.
    fn document() -> Value {
        serde_json::to_value(super::super::openapi_document()).expect("serializes")
    }

    #[test]
    fn the_document_is_openapi_3_1_with_every_route_and_operation_described() {
        let doc = document();
        assert!(
            doc["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.1")),
            "{}",
            doc["openapi"]
        );
        let paths: BTreeSet<&str> = doc["paths"]
            .as_object()
            .expect("paths")
            .keys()
            .map(String::as_str)
            .collect();
        let expected = BTreeSet::from([
            "/v1/jobs",
            "/v1/jobs/{id}",
            "/v1/jobs/{id}/cancel",
            "/v1/jobs/{id}/events",
            "/v1/jobs/{id}/result",
            "/v1/dead-letters",
            "/v1/dead-letters/replay",
            "/results/{job_id}/{artifact}",
            "/reports/{month}/{revision}/{file}",
            "/readyz",
            "/metrics",
            "/healthz",
            "/openapi.json",
        ]);
        assert_eq!(paths, expected);
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("methods") {
                assert!(
                    operation["summary"].as_str().is_some_and(|s| !s.is_empty()),
                    "{method} {path} has no summary"
                );
            }
        }
        // Every schema an operation refers to is defined.
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().expect("schemas");
        for reference in text.split("\"#/components/schemas/").skip(1) {
            let name = reference.split('"').next().unwrap_or_default();
            assert!(
                schemas.contains_key(name),
                "{name} is referenced but not defined"
            );
        }
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
    }
}
