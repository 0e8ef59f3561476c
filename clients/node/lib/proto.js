'use strict';
// Loads the newsline API straight from the repository's proto/ files: there is no generated code to
// drift, the .proto files are the single source.
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const health = require('grpc-health-check');

const PROTO_ROOT = process.env.NEWSLINE_PROTO_DIR || path.resolve(__dirname, '..', '..', '..', 'proto');
const PROTO_FILES = ['query_service.proto', 'ingest_service.proto', 'record_sink_service.proto'].map(
  (name) => `newsline/v1/${name}`,
);

// Field names stay as proto-loader's camelCase (entityIds); 64-bit integers become strings so no
// precision is lost; enums are their names; unset scalars are filled with their defaults.
const LOAD_OPTIONS = {
  includeDirs: [PROTO_ROOT],
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

let cached;

function loadNewsline() {
  if (!cached) {
    const definition = protoLoader.loadSync(PROTO_FILES, LOAD_OPTIONS);
    cached = grpc.loadPackageDefinition(definition).newsline.v1;
  }
  return cached;
}

const HealthClient = grpc.makeGenericClientConstructor(health.service, 'Health');

module.exports = { loadNewsline, HealthClient, PROTO_ROOT };
