// Package e2e runs the Go example commands against the real newsline services, which its tests
// start from the built binaries ($NEWSLINE_BIN_DIR, default target/debug of the repository).
package e2e
