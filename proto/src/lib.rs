//! The `newsline.v1` API shared by the query service, the ingest service and Rust clients.
//!
//! Messages derive prost's encoding and serde's proto3 JSON mapping (camelCase fields, enums as
//! their names), so `serde_json::to_string(&response)` prints what `grpcurl` prints.

mod encoded;

pub use encoded::Encoded;

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

/// Reflection services in both protocol versions that advertise exactly `served` plus the health
/// and reflection services: a server lists only what it answers, although every newsline service is
/// in the one descriptor set. v1alpha is there because grpcurl 1.8 speaks nothing else.
#[allow(clippy::type_complexity)]
pub fn reflection_services(
    served: &[&str],
) -> Result<
    (
        tonic_reflection::server::v1::ServerReflectionServer<
            impl tonic_reflection::server::v1::ServerReflection,
        >,
        tonic_reflection::server::v1alpha::ServerReflectionServer<
            impl tonic_reflection::server::v1alpha::ServerReflection,
        >,
    ),
    tonic_reflection::server::Error,
> {
    let builder = || {
        let mut builder = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET);
        for name in served.iter().copied().chain([
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection",
        ]) {
            builder = builder.with_service_name(name);
        }
        builder
    };
    Ok((builder().build_v1()?, builder().build_v1alpha()?))
}
