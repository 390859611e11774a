//! The tonic `jetcrawl.v1.Jobs` service: translation to and from the [`Gateway`] only.

use std::sync::Arc;
use std::time::Instant;

use futures::{Stream, StreamExt};
use jetcrawl_proto::v1::jobs_server::{Jobs, JobsServer};
use jetcrawl_proto::v1::{
    CancelJobRequest, CancelJobResponse, GetJobRequest, GetResultRequest, GetResultResponse, Job,
    JobEvent, ListDeadLettersRequest, ListDeadLettersResponse, ListJobsRequest, ListJobsResponse,
    ReplayDeadLetterRequest, ReplayDeadLetterResponse, SubmitJobRequest, SubmitJobResponse,
    WatchJobRequest,
};
use tonic::{Request, Response, Status};

use crate::auth::Action;
use crate::service::{Gateway, job_to_proto};

/// The gRPC face of the gateway.
#[derive(Clone)]
pub struct JobsApi {
    gateway: Arc<Gateway>,
}

impl JobsApi {
    /// Serves `gateway` over gRPC.
    pub fn new(gateway: Arc<Gateway>) -> Self {
        Self { gateway }
    }

    /// The tonic service, refusing requests larger than `max_request_bytes` with
    /// RESOURCE_EXHAUSTED.
    pub fn into_server(self, max_request_bytes: usize) -> JobsServer<Self> {
        JobsServer::new(self).max_decoding_message_size(max_request_bytes)
    }
}

type WatchStream = std::pin::Pin<Box<dyn Stream<Item = Result<JobEvent, Status>> + Send>>;

#[tonic::async_trait]
impl Jobs for JobsApi {
    async fn submit_job(
        &self,
        request: Request<SubmitJobRequest>,
    ) -> Result<Response<SubmitJobResponse>, Status> {
        let arrived = Instant::now();
        let caller = self
            .gateway
            .caller(request.metadata(), Action::SubmitJob)
            .await?;
        let response = self
            .gateway
            .submit_job(&caller, request.into_inner(), arrived)
            .await?;
        Ok(Response::new(response))
    }

    async fn get_job(&self, request: Request<GetJobRequest>) -> Result<Response<Job>, Status> {
        let caller = self
            .gateway
            .caller(request.metadata(), Action::GetJob)
            .await?;
        let job = self
            .gateway
            .get_job(&caller, &request.get_ref().job_id)
            .await?;
        Ok(Response::new(job_to_proto(&job)))
    }

    async fn list_jobs(
        &self,
        request: Request<ListJobsRequest>,
    ) -> Result<Response<ListJobsResponse>, Status> {
        let caller = self
            .gateway
            .caller(request.metadata(), Action::ListJobs)
            .await?;
        let response = self
            .gateway
            .list_jobs(&caller, request.into_inner())
            .await?;
        Ok(Response::new(response))
    }

    type WatchJobStream = WatchStream;

    async fn watch_job(
        &self,
        request: Request<WatchJobRequest>,
    ) -> Result<Response<Self::WatchJobStream>, Status> {
        let caller = self
            .gateway
            .caller(request.metadata(), Action::WatchJob)
            .await?;
        let request = request.get_ref();
        let events = self
            .gateway
            .watch_job(&caller, &request.job_id, request.progress)
            .await?;
        let events = events.map(|event| event.map_err(Status::from));
        Ok(Response::new(Box::pin(events) as WatchStream))
    }

    async fn cancel_job(
        &self,
        request: Request<CancelJobRequest>,
    ) -> Result<Response<CancelJobResponse>, Status> {
        let caller = self
            .gateway
            .caller(request.metadata(), Action::CancelJob)
            .await?;
        let response = self
            .gateway
            .cancel_job(&caller, request.into_inner())
            .await?;
        Ok(Response::new(response))
    }

    async fn get_result(
        &self,
        request: Request<GetResultRequest>,
    ) -> Result<Response<GetResultResponse>, Status> {
        let caller = self
            .gateway
            .caller(request.metadata(), Action::GetResult)
            .await?;
        let response = self
            .gateway
            .get_result(&caller, request.into_inner())
            .await?;
        Ok(Response::new(response))
    }

    async fn list_dead_letters(
        &self,
        request: Request<ListDeadLettersRequest>,
    ) -> Result<Response<ListDeadLettersResponse>, Status> {
        // admin: Action::ListDeadLetters allows the admin role only.
        let caller = self
            .gateway
            .caller(request.metadata(), Action::ListDeadLetters)
            .await?;
        let response = self
            .gateway
            .list_dead_letters(&caller, request.into_inner())
            .await?;
        Ok(Response::new(response))
    }

    async fn replay_dead_letter(
        &self,
        request: Request<ReplayDeadLetterRequest>,
    ) -> Result<Response<ReplayDeadLetterResponse>, Status> {
        // admin: Action::ReplayDeadLetter allows the admin role only.
        let caller = self
            .gateway
            .caller(request.metadata(), Action::ReplayDeadLetter)
            .await?;
        let response = self
            .gateway
            .replay_dead_letter(&caller, request.into_inner())
            .await?;
        Ok(Response::new(response))
    }
}
