//! The `newsline.v1` API shared by the query service, the ingest service and Rust clients.
//!
//! Messages derive prost's encoding and serde's proto3 JSON mapping (camelCase fields, enums as
//! their names), so `serde_json::to_string(&response)` prints what `grpcurl` prints.

/// Messages, clients and servers of package `newsline.v1`.
pub mod v1 {
    #![allow(clippy::all, missing_docs)]
    include!(concat!(env!("OUT_DIR"), "/newsline.v1.rs"));
    include!(concat!(env!("OUT_DIR"), "/newsline.v1.serde.rs"));
}

/// The encoded `FileDescriptorSet` of every newsline proto file, with comments, for server
/// reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/newsline_descriptor.bin"));
