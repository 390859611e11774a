//! The tonic `jetcrawl.v1.Reports` service: translation to and from the [`Gateway`] only.

use std::sync::Arc;

use jetcrawl_proto::v1::reports_server::{Reports, ReportsServer};
use jetcrawl_proto::v1::{
    GenerateMonthlyReportRequest, GenerateMonthlyReportResponse, GetReportRequest,
    GetReportResponse,
};
use tonic::{Request, Response, Status};

use crate::auth::Action;
use crate::service::Gateway;

/// The gRPC face of reports.
#[derive(Clone)]
pub struct ReportsApi {
    gateway: Arc<Gateway>,
}

impl ReportsApi {
    /// Serves `gateway`'s reports over gRPC.
    pub fn new(gateway: Arc<Gateway>) -> Self {
        Self { gateway }
    }

    /// The tonic service, refusing requests larger than `max_request_bytes`.
    pub fn into_server(self, max_request_bytes: usize) -> ReportsServer<Self> {
        ReportsServer::new(self).max_decoding_message_size(max_request_bytes)
    }
}

#[tonic::async_trait]
impl Reports for ReportsApi {
    async fn generate_monthly_report(
        &self,
        request: Request<GenerateMonthlyReportRequest>,
    ) -> Result<Response<GenerateMonthlyReportResponse>, Status> {
        let caller = self
            .gateway
            .caller(request.metadata(), Action::Reports)
            .await?;
        let response = self
            .gateway
            .generate_monthly_report(&caller, request.into_inner())
            .await?;
        Ok(Response::new(response))
    }

    async fn get_report(
        &self,
        request: Request<GetReportRequest>,
    ) -> Result<Response<GetReportResponse>, Status> {
        let caller = self
            .gateway
            .caller(request.metadata(), Action::Reports)
            .await?;
        let response = self
            .gateway
            .get_report(&caller, request.into_inner())
            .await?;
        Ok(Response::new(response))
    }
}
