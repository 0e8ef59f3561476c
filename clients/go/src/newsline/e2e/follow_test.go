package e2e

import (
	"bufio"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	newslinev1 "newsline/api/v1"
	"newsline/client"
)

const lineTimeout = 30 * time.Second

func TestFollowPrintsAnEventPublishedAfterCatchingUpUntilInterrupted(t *testing.T) {
	entity := resolveExample(t).GetEntity()
	command := exec.Command(filepath.Join(examplesDir, "newsline-timeline"), entity.GetId(), "-address", running.query.address, "-watch", "-follow")
	stdout, err := command.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := command.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	lines := make(chan string, 1024)
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			lines <- scanner.Text()
		}
		close(lines)
		exited <- command.Wait()
	}()
	var seen []string
	waitFor := func(wanted func(string) bool) string {
		t.Helper()
		deadline := time.After(lineTimeout)
		for {
			select {
			case line, open := <-lines:
				if !open {
					t.Fatalf("the command ended early; output:\n%s", strings.Join(seen, "\n"))
				}
				seen = append(seen, line)
				if wanted(line) {
					return line
				}
			case <-deadline:
				t.Fatalf("no such line in %s; output:\n%s", lineTimeout, strings.Join(seen, "\n"))
			}
		}
	}
	defer func() {
		_ = command.Process.Signal(syscall.SIGINT)
		select {
		case err := <-exited:
			exitError, isExit := err.(*exec.ExitError)
			if !isExit || exitError.ExitCode() != client.ExitInterrupted {
				t.Errorf("after Ctrl-C the command ended with %v, want exit %d", err, client.ExitInterrupted)
			}
		case <-time.After(lineTimeout):
			_ = command.Process.Kill()
			t.Errorf("the command did not end after Ctrl-C")
		}
	}()

	waitFor(func(line string) bool { return strings.HasPrefix(line, "-- caught up at revision") })
	sentence := "On 4 May 2033, the Go client test watched this event arrive live."
	publishLiveEvent(t, entity, sentence)
	waitFor(func(line string) bool { return line == entity.GetName()+", 2033:" })
	if line := waitFor(func(line string) bool { return strings.HasPrefix(line, "  2033-05-04") }); !strings.Contains(line, "statement") {
		t.Errorf("event line %q is not a statement", line)
	}
	waitFor(func(line string) bool { return strings.Contains(line, sentence) })
}

func publishLiveEvent(t *testing.T, entity *newslinev1.Entity, sentence string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stream, err := newslinev1.NewRecordSinkServiceClient(running.query.conn).Publish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	articleID := "article:c11e47f0110e0003"
	day := &newslinev1.CalendarDate{Year: 2033, Month: 5, Day: 4}
	batch := &newslinev1.PublishRequest{
		ProducerId: "go-client-test",
		Sequence:   1,
		Articles:   []*newslinev1.Article{{Id: articleID, Title: "Go client test", Text: sentence, EntityIds: []string{entity.GetId()}}},
		Entities:   []*newslinev1.Entity{entity},
		Events: []*newslinev1.Event{{
			Id:           "event:c11e47f0110e0003",
			ArticleId:    articleID,
			Kind:         newslinev1.EventKind_EVENT_KIND_STATEMENT,
			When:         &newslinev1.DateRange{Start: day, End: day, YearSource: newslinev1.YearSource_YEAR_SOURCE_EXPLICIT, Text: "On 4 May 2033"},
			Participants: []*newslinev1.Participant{{EntityId: entity.GetId(), Name: entity.GetName(), Role: newslinev1.ParticipantRole_PARTICIPANT_ROLE_SPEAKER}},
			Sentence:     sentence,
			SentenceEnd:  uint32(len([]rune(sentence))),
		}},
	}
	if err := stream.Send(batch); err != nil {
		t.Fatal(err)
	}
	if err := stream.CloseSend(); err != nil {
		t.Fatal(err)
	}
	acknowledgement, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if acknowledgement.GetSequence() != 1 {
		t.Fatalf("acknowledged sequence %d, want 1", acknowledgement.GetSequence())
	}
}
