//! The tonic `jetcrawl.v1.Audit` service: translation to and from the [`Gateway`] only.

use std::sync::Arc;

use jetcrawl_proto::v1::audit_server::{Audit, AuditServer};
use jetcrawl_proto::v1::{
    EraseSubjectRequest, EraseSubjectResponse, ExportSubjectDataRequest, ExportSubjectDataResponse,
    QueryAuditLogRequest, QueryAuditLogResponse, VerifyAuditChainRequest, VerifyAuditChainResponse,
};
use tonic::{Request, Response, Status};

use crate::auth::Action;
use crate::service::Gateway;

/// The gRPC face of the audit log and the data-subject rights.
#[derive(Clone)]
pub struct AuditApi {
    gateway: Arc<Gateway>,
}

impl AuditApi {
    /// Serves `gateway` over gRPC.
    pub fn new(gateway: Arc<Gateway>) -> Self {
        Self { gateway }
    }

    /// The tonic service, refusing requests larger than `max_request_bytes`.
    pub fn into_server(self, max_request_bytes: usize) -> AuditServer<Self> {
        AuditServer::new(self).max_decoding_message_size(max_request_bytes)
    }
}

#[tonic::async_trait]
impl Audit for AuditApi {
    async fn query_audit_log(
        &self,
        request: Request<QueryAuditLogRequest>,
    ) -> Result<Response<QueryAuditLogResponse>, Status> {
        let caller = self
            .gateway
            .caller(request.metadata(), Action::QueryAudit)
            .await?;
        let response = self
            .gateway
            .query_audit_log(&caller, request.into_inner())
            .await?;
        Ok(Response::new(response))
    }

    async fn verify_audit_chain(
        &self,
        request: Request<VerifyAuditChainRequest>,
    ) -> Result<Response<VerifyAuditChainResponse>, Status> {
        let caller = self
            .gateway
            .caller(request.metadata(), Action::QueryAudit)
            .await?;
        let response = self.gateway.verify_audit_chain(&caller).await?;
        Ok(Response::new(response))
    }

    async fn export_subject_data(
        &self,
        request: Request<ExportSubjectDataRequest>,
    ) -> Result<Response<ExportSubjectDataResponse>, Status> {
        let caller = self
            .gateway
            .caller(request.metadata(), Action::ExportSubjectData)
            .await?;
        let response = self
            .gateway
            .export_subject_data(&caller, request.into_inner())
            .await?;
        Ok(Response::new(response))
    }

    async fn erase_subject(
        &self,
        request: Request<EraseSubjectRequest>,
    ) -> Result<Response<EraseSubjectResponse>, Status> {
        let caller = self
            .gateway
            .caller(request.metadata(), Action::EraseSubject)
            .await?;
        let response = self
            .gateway
            .erase_subject(&caller, request.into_inner())
            .await?;
        Ok(Response::new(response))
    }
}
