package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"

	newslinev1 "newsline/api/v1"
	"newsline/client"
)

const (
	startupTimeout = 60 * time.Second
	stopTimeout    = 15 * time.Second
)

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	// clients/go/src/newsline/e2e/services_test.go → the repository root is five levels up.
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", "..", "..", ".."))
}

func envOr(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

type runningService struct {
	name    string
	address string
	process *exec.Cmd
	exited  chan struct{}
	logPath string
	conn    *grpc.ClientConn
}

func (s *runningService) log() string {
	content, _ := os.ReadFile(s.logPath)
	if len(content) > 4000 {
		content = content[len(content)-4000:]
	}
	return string(content)
}

func (s *runningService) stop() {
	if s.conn != nil {
		s.conn.Close()
	}
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.process.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(stopTimeout):
		_ = s.process.Process.Kill()
		<-s.exited
	}
}

func freeLoopbackPort() (int, error) {
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer probe.Close()
	return probe.Addr().(*net.TCPAddr).Port, nil
}

// startService starts `<name> serve --listen 127.0.0.1:<free port> ...` and waits until the health
// service reports healthService SERVING. The free port is found by binding port 0 and releasing it,
// so another process may take it first: a server that exits during startup is started again, twice
// at most.
func startService(name string, arguments []string, healthService, workDir string) (*runningService, error) {
	executable := filepath.Join(envOr("NEWSLINE_BIN_DIR", filepath.Join(repoRoot(), "target", "debug")), name)
	if _, err := os.Stat(executable); err != nil {
		return nil, fmt.Errorf("%s is missing: run `cargo build -p %s` or set NEWSLINE_BIN_DIR", executable, name)
	}
	lastLog := ""
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freeLoopbackPort()
		if err != nil {
			return nil, err
		}
		service := &runningService{name: name, address: fmt.Sprintf("127.0.0.1:%d", port), exited: make(chan struct{})}
		service.logPath = filepath.Join(workDir, fmt.Sprintf("%s-%d.log", name, attempt))
		logFile, err := os.Create(service.logPath)
		if err != nil {
			return nil, err
		}
		service.process = exec.Command(executable, append([]string{"serve", "--listen", service.address}, arguments...)...)
		service.process.Dir = workDir
		service.process.Stdout, service.process.Stderr = logFile, logFile
		service.process.Env = append(os.Environ(), "RUST_LOG="+envOr("RUST_LOG", "info"))
		// Should the test binary die without stopping it (a panic in TestMain), the server goes too.
		service.process.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := service.process.Start(); err != nil {
			logFile.Close()
			return nil, err
		}
		logFile.Close()
		go func() {
			_ = service.process.Wait()
			close(service.exited)
		}()
		if service.conn, err = client.Dial(service.address); err != nil {
			service.stop()
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), startupTimeout)
		ready := make(chan error, 1)
		go func() { ready <- client.WaitUntilServing(ctx, service.conn, healthService) }()
		select {
		case err = <-ready:
		case <-service.exited:
			err = fmt.Errorf("%s exited during startup", name)
		}
		cancel()
		if err == nil {
			return service, nil
		}
		lastLog = service.log()
		service.stop()
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("%s did not become SERVING; its log:\n%s", name, lastLog)
}

type services struct {
	query, ingest *runningService
}

func (s *services) stop() {
	// Ingest first: it publishes into the query service.
	if s.ingest != nil {
		s.ingest.stop()
	}
	if s.query != nil {
		s.query.stop()
	}
}

// startSeededServices starts both services and publishes the repository's seeds through
// IngestService.IngestDocument.
func startSeededServices(workDir string) (*services, error) {
	started := &services{}
	var err error
	if started.query, err = startService("query-service", nil, "newsline.v1.QueryService", workDir); err != nil {
		return nil, err
	}
	started.ingest, err = startService("ingest-service", []string{"--query-addr", "http://" + started.query.address}, "newsline.v1.IngestService", workDir)
	if err != nil {
		started.stop()
		return nil, err
	}
	if err := ingestSeeds(started.ingest.conn); err != nil {
		started.stop()
		return nil, err
	}
	return started, nil
}

func ingestSeeds(conn *grpc.ClientConn) error {
	seedsDir := envOr("NEWSLINE_SEEDS_DIR", filepath.Join(repoRoot(), "seeds"))
	seeds, err := filepath.Glob(filepath.Join(seedsDir, "*.txt"))
	if err != nil || len(seeds) == 0 {
		return fmt.Errorf("no seeds in %s (%v)", seedsDir, err)
	}
	sort.Strings(seeds)
	ingest := newslinev1.NewIngestServiceClient(conn)
	for _, seed := range seeds {
		text, err := os.ReadFile(seed)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		answer, err := ingest.IngestDocument(ctx, &newslinev1.IngestDocumentRequest{Text: string(text), SourceUri: seed})
		cancel()
		if err != nil {
			return fmt.Errorf("ingesting %s: %w", seed, err)
		}
		if answer.GetEventCount() == 0 || answer.GetSpooled() {
			return fmt.Errorf("%s was not published with events: %v", filepath.Base(seed), answer)
		}
	}
	return nil
}

// buildExamples compiles the example commands into dir, the way a user would build them.
func buildExamples(dir string) error {
	for _, name := range []string{"newsline-timeline", "newsline-relations"} {
		build := exec.Command("go", "build", "-o", filepath.Join(dir, name), "newsline/cmd/"+name)
		if output, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", name, err, strings.TrimSpace(string(output)))
		}
	}
	return nil
}
