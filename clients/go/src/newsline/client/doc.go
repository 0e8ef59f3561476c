// Package client holds what the newsline example commands share around the generated stubs in
// newsline/api/v1: connecting, waiting for health, finding an entity by id or name, formatting dates
// and events, and turning gRPC status codes into messages and exit codes.
package client
