//! The `jetcrawl.v1` protobuf contracts, generated at build time from `proto/jetcrawl/v1`.
//!
//! Job events, audit actions, the job spec and the gRPC services live here and nowhere
//! else; domain code converts to and from these types at its edges.

#![allow(missing_docs, clippy::all)]

/// Generated `jetcrawl.v1` messages and services.
pub mod v1 {
    tonic::include_proto!("jetcrawl.v1");
}

/// The encoded `FileDescriptorSet`, for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("jetcrawl_descriptor");
