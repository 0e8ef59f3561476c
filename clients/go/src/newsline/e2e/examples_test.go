package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	newslinev1 "newsline/api/v1"
	"newsline/client"
)

var (
	running       *services
	examplesDir   string
	exampleEntity = envOr("NEWSLINE_EXAMPLE_ENTITY", "Makei")
	yearHeading   = regexp.MustCompile(`^(.+), (\d{4}|year unknown):$`)
	eventLine     = regexp.MustCompile(`^  \S`)
)

func TestMain(m *testing.M) {
	workDir, err := os.MkdirTemp("", "newsline-go-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	examplesDir = filepath.Join(workDir, "bin")
	if err := buildExamples(examplesDir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if running, err = startSeededServices(workDir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	running.stop()
	os.RemoveAll(workDir)
	os.Exit(code)
}

type commandResult struct {
	exitCode       int
	stdout, stderr string
}

func runExample(t *testing.T, name string, arguments ...string) commandResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	command := exec.CommandContext(ctx, filepath.Join(examplesDir, name), arguments...)
	var stdout, stderr bytes.Buffer
	command.Stdout, command.Stderr = &stdout, &stderr
	err := command.Run()
	result := commandResult{stdout: stdout.String(), stderr: stderr.String()}
	if exitError, ok := err.(*exec.ExitError); ok {
		result.exitCode = exitError.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s: %v", name, err)
	}
	return result
}

func queryClient() newslinev1.QueryServiceClient {
	return newslinev1.NewQueryServiceClient(running.query.conn)
}

func resolveExample(t *testing.T) *newslinev1.GetEntityResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	found, err := client.ResolveEntity(ctx, queryClient(), exampleEntity)
	if err != nil {
		t.Fatalf("resolving %q: %v", exampleEntity, err)
	}
	return found
}

func timelineOf(t *testing.T, entityID string) []*newslinev1.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stream, err := queryClient().StreamTimeline(ctx, &newslinev1.StreamTimelineRequest{Filter: &newslinev1.TimelineFilter{EntityIds: []string{entityID}}})
	if err != nil {
		t.Fatal(err)
	}
	var events []*newslinev1.Event
	for {
		item, err := stream.Recv()
		if err == io.EOF {
			return events
		}
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, item.GetEvent())
	}
}

func lines(output string) []string { return strings.Split(strings.TrimSuffix(output, "\n"), "\n") }

func eventLines(output string) []string {
	var found []string
	for _, line := range lines(output) {
		if eventLine.MatchString(line) {
			found = append(found, line)
		}
	}
	sort.Strings(found)
	return found
}

func TestTimelinePrintsTheEntitysEventsGroupedByYear(t *testing.T) {
	found := resolveExample(t)
	entity := found.GetEntity()
	events := timelineOf(t, entity.GetId())
	if len(events) == 0 {
		t.Fatalf("the seeds give %s no events", entity.GetId())
	}
	result := runExample(t, "newsline-timeline", exampleEntity, "-address", running.query.address)
	t.Log("\n" + result.stdout)
	if result.exitCode != 0 {
		t.Fatalf("exit %d: %s", result.exitCode, result.stderr)
	}
	output := lines(result.stdout)
	if want := fmt.Sprintf("%s (%s): %s in ", entity.GetName(), entity.GetId(), client.Count(int(found.GetEventCount()), "event", "events")); !strings.HasPrefix(output[0], want) {
		t.Errorf("first line %q, want it to start with %q", output[0], want)
	}
	var wantYears, gotYears []string
	for _, event := range events {
		year := "year unknown"
		if event.GetWhen().GetStart().GetYear() != 0 {
			year = fmt.Sprint(event.GetWhen().GetStart().GetYear())
		}
		if len(wantYears) == 0 || wantYears[len(wantYears)-1] != year {
			wantYears = append(wantYears, year)
		}
	}
	for _, line := range output {
		if heading := yearHeading.FindStringSubmatch(line); heading != nil {
			if heading[1] != entity.GetName() {
				t.Errorf("heading %q does not name %s", line, entity.GetName())
			}
			gotYears = append(gotYears, heading[2])
		}
	}
	if strings.Join(gotYears, ",") != strings.Join(wantYears, ",") {
		t.Errorf("year headings %v, want %v", gotYears, wantYears)
	}
	if got := len(eventLines(result.stdout)); got != len(events) {
		t.Errorf("%d event lines, want %d", got, len(events))
	}
	if last, want := output[len(output)-1], client.Count(len(events), "event", "events")+" shown"; last != want {
		t.Errorf("last line %q, want %q", last, want)
	}
}

func TestWatchReplaysTheSameEventsThenStopsWhenCaughtUp(t *testing.T) {
	id := resolveExample(t).GetEntity().GetId()
	streamed := runExample(t, "newsline-timeline", id, "-address", running.query.address)
	watched := runExample(t, "newsline-timeline", id, "-address", running.query.address, "-watch")
	if watched.exitCode != 0 {
		t.Fatalf("exit %d: %s", watched.exitCode, watched.stderr)
	}
	if !regexp.MustCompile(`(?m)^-- caught up at revision \d+ --$`).MatchString(watched.stdout) {
		t.Errorf("no caught-up line in:\n%s", watched.stdout)
	}
	if got, want := strings.Join(eventLines(watched.stdout), "\n"), strings.Join(eventLines(streamed.stdout), "\n"); got != want {
		t.Errorf("watched events differ from streamed ones:\n%s\n---\n%s", got, want)
	}
}

func TestRelationsListTheStreamedRelationsStrongestFirst(t *testing.T) {
	entity := resolveExample(t).GetEntity()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stream, err := queryClient().StreamEntityRelations(ctx, &newslinev1.StreamEntityRelationsRequest{EntityId: entity.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	var relations []*newslinev1.StreamEntityRelationsResponse
	for {
		relation, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		relations = append(relations, relation)
	}
	if len(relations) == 0 {
		t.Fatalf("the seeds relate %s to nothing", entity.GetId())
	}
	result := runExample(t, "newsline-relations", exampleEntity, "-address", running.query.address)
	t.Log("\n" + result.stdout)
	if result.exitCode != 0 {
		t.Fatalf("exit %d: %s", result.exitCode, result.stderr)
	}
	output := lines(result.stdout)
	if want := fmt.Sprintf("%s (%s) shares events with:", entity.GetName(), entity.GetId()); output[0] != want {
		t.Errorf("first line %q, want %q", output[0], want)
	}
	rows := output[1 : len(output)-1]
	if len(rows) != len(relations) {
		t.Fatalf("%d rows, want %d", len(rows), len(relations))
	}
	if last, want := output[len(output)-1], client.Count(len(relations), "related entity", "related entities"); last != want {
		t.Errorf("last line %q, want %q", last, want)
	}
	for i, row := range rows {
		related := relations[i].GetEntity()
		if !strings.Contains(row, related.GetName()+" (") || !strings.Contains(row, ", "+related.GetId()+")") {
			t.Errorf("row %d %q does not name %s", i, row, related.GetId())
		}
		if !strings.HasPrefix(strings.TrimLeft(row, " "), client.Count(int(relations[i].GetEventCount()), "event", "events")+" ") {
			t.Errorf("row %d %q does not start with %d events", i, row, relations[i].GetEventCount())
		}
	}
}

func TestErrorsAreReportedByStatusCode(t *testing.T) {
	port, err := freeLoopbackPort()
	if err != nil {
		t.Fatal(err)
	}
	unreachable := fmt.Sprintf("127.0.0.1:%d", port)
	cases := []struct {
		name      string
		command   string
		arguments []string
		exitCode  int
		stderr    string
	}{
		{"unknown id (timeline)", "newsline-timeline", []string{"person:nobody-by-this-name", "-address", running.query.address}, client.ExitNotFound, "newsline-timeline: not found:"},
		{"unknown id (relations)", "newsline-relations", []string{"person:nobody-by-this-name", "-address", running.query.address}, client.ExitNotFound, "newsline-relations: not found:"},
		{"name matching nothing", "newsline-timeline", []string{"Qxzwv Jjjkq", "-address", running.query.address}, client.ExitNotFound, "no entity matches 'Qxzwv Jjjkq'"},
		{"range the service rejects", "newsline-relations", []string{exampleEntity, "-address", running.query.address, "-from", "2017", "-to", "2015"}, client.ExitBadRequest, "rejected the request"},
		{"malformed flag", "newsline-timeline", []string{"person:anyone", "-address", unreachable, "-from", "2015-13"}, client.ExitBadRequest, "month or day out of range"},
		{"unreachable service", "newsline-timeline", []string{"person:anyone", "-address", unreachable, "-timeout", "10s"}, client.ExitServiceProblem, "the service at " + unreachable + " is unavailable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			result := runExample(t, c.command, c.arguments...)
			if result.exitCode != c.exitCode {
				t.Errorf("exit %d, want %d; stderr: %s", result.exitCode, c.exitCode, result.stderr)
			}
			if !strings.Contains(result.stderr, c.stderr) {
				t.Errorf("stderr %q does not contain %q", result.stderr, c.stderr)
			}
		})
	}
}
