package client

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// DefaultQueryAddress is where the query service listens unless $NEWSLINE_QUERY_ADDR says otherwise.
func DefaultQueryAddress() string {
	if address := os.Getenv("NEWSLINE_QUERY_ADDR"); address != "" {
		return address
	}
	return "localhost:50051"
}

// BareAddress accepts the services' own `http://host:port` flag values as well as `host:port`.
func BareAddress(address string) string {
	for _, scheme := range []string{"http://", "grpc://"} {
		address = strings.TrimPrefix(address, scheme)
	}
	return address
}

// Dial opens a plaintext connection without waiting for it; calls fail with UNAVAILABLE when the
// service cannot be reached.
func Dial(address string) (*grpc.ClientConn, error) {
	// grpc-go 1.33 (Debian's) has no insecure.NewCredentials yet.
	return grpc.Dial(BareAddress(address), grpc.WithInsecure())
}

// WaitUntilServing polls the standard health service until `service` reports SERVING or ctx ends. A
// server that is not up yet answers UNAVAILABLE, one that is starting NOT_FOUND or NOT_SERVING: all
// are retried with a short back-off.
func WaitUntilServing(ctx context.Context, conn *grpc.ClientConn, service string) error {
	health := grpc_health_v1.NewHealthClient(conn)
	lastProblem := "no answer yet"
	delay := 20 * time.Millisecond
	for {
		attempt, cancel := context.WithTimeout(ctx, 2*time.Second)
		answer, err := health.Check(attempt, &grpc_health_v1.HealthCheckRequest{Service: service})
		cancel()
		if err == nil && answer.GetStatus() == grpc_health_v1.HealthCheckResponse_SERVING {
			return nil
		}
		if err != nil {
			lastProblem = status.Convert(err).Code().String() + ": " + status.Convert(err).Message()
		} else {
			lastProblem = answer.GetStatus().String()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("health of %q not SERVING: %s (%w)", service, lastProblem, ctx.Err())
		case <-time.After(delay):
		}
		if delay *= 2; delay > 250*time.Millisecond {
			delay = 250 * time.Millisecond
		}
	}
}
