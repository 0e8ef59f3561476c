//! Compiles `newsline/v1/*.proto` without a system `protoc`: protox parses the files into a
//! descriptor set, tonic-prost-build generates messages, clients and servers from it, pbjson-build
//! adds the proto3 JSON mapping, and the encoded set is kept for server reflection.

use std::{env, fs, path::PathBuf};

use prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?);
    let api_dir = proto_dir.join("newsline/v1");
    let mut files: Vec<PathBuf> = fs::read_dir(&api_dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "proto"))
        .collect();
    files.sort();
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    println!("cargo:rerun-if-changed={}", api_dir.display());

    // Source info keeps the .proto comments in the descriptor set, so that `grpcurl describe`
    // shows the documentation through reflection.
    let descriptors = protox::Compiler::new([&proto_dir])?
        .include_source_info(true)
        .include_imports(true)
        .open_files(&files)?
        .file_descriptor_set();

    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    let descriptor_bytes = descriptors.encode_to_vec();
    fs::write(out_dir.join("newsline_descriptor.bin"), &descriptor_bytes)?;

    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(descriptors)?;

    pbjson_build::Builder::new()
        .register_descriptors(&descriptor_bytes)?
        .build(&[".newsline.v1"])?;
    Ok(())
}
