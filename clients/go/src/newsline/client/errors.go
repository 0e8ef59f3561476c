package client

import (
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The example commands' exit codes, the same in every client.
const (
	ExitOK = 0
	// The request was fine but names something that does not exist (unknown id, no search match).
	ExitNotFound = 1
	// The request itself is wrong: a bad flag or a field the service rejected.
	ExitBadRequest = 2
	// The service could not be reached or failed.
	ExitServiceProblem = 3
	// Interrupted with Ctrl-C (SIGINT), as a shell reports it.
	ExitInterrupted = 130
)

// ErrInterrupted ends a command that the user interrupted; it is not reported as a failure.
var ErrInterrupted = errors.New("interrupted")

// EntityNotFoundError says that no entity matches the text a person gave.
type EntityNotFoundError struct{ Text string }

func (e *EntityNotFoundError) Error() string { return fmt.Sprintf("no entity matches '%s'", e.Text) }

// UsageError is a malformed command line.
type UsageError struct{ Message string }

func (e *UsageError) Error() string { return e.Message }

// Explain turns a failure into a message a person can act on and the exit code to end with.
func Explain(err error, address string) (string, int) {
	var missing *EntityNotFoundError
	if errors.As(err, &missing) {
		return missing.Error(), ExitNotFound
	}
	if errors.Is(err, ErrInterrupted) {
		return "", ExitInterrupted
	}
	var usage *UsageError
	if errors.As(err, &usage) {
		return usage.Error(), ExitBadRequest
	}
	rpcStatus, isStatus := status.FromError(err)
	if !isStatus {
		return err.Error(), ExitServiceProblem
	}
	details := rpcStatus.Message()
	if details == "" {
		details = "no details"
	}
	switch rpcStatus.Code() {
	case codes.NotFound:
		return "not found: " + details, ExitNotFound
	case codes.InvalidArgument:
		return "the query service rejected the request: " + details, ExitBadRequest
	case codes.Unavailable:
		return fmt.Sprintf("the service at %s is unavailable (%s); is it running?", address, details), ExitServiceProblem
	case codes.DeadlineExceeded:
		return fmt.Sprintf("the service at %s did not answer in time", address), ExitServiceProblem
	case codes.ResourceExhausted:
		return fmt.Sprintf("the service at %s refused the request as too large or too slow: %s", address, details), ExitServiceProblem
	default:
		return fmt.Sprintf("the service at %s failed with %s: %s", address, codeName(rpcStatus.Code()), details), ExitServiceProblem
	}
}

// codeName spells a code as the gRPC specification does (NOT_FOUND), like the other clients.
func codeName(code codes.Code) string {
	names := map[codes.Code]string{
		codes.Canceled: "CANCELLED", codes.Unknown: "UNKNOWN", codes.AlreadyExists: "ALREADY_EXISTS",
		codes.PermissionDenied: "PERMISSION_DENIED", codes.FailedPrecondition: "FAILED_PRECONDITION",
		codes.Aborted: "ABORTED", codes.OutOfRange: "OUT_OF_RANGE", codes.Unimplemented: "UNIMPLEMENTED",
		codes.Internal: "INTERNAL", codes.DataLoss: "DATA_LOSS", codes.Unauthenticated: "UNAUTHENTICATED",
	}
	if name, known := names[code]; known {
		return name
	}
	return code.String()
}
