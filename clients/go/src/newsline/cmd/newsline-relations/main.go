// Command newsline-relations prints the entities that share events with one entity, strongest first
// (StreamEntityRelations).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	newslinev1 "newsline/api/v1"
	"newsline/client"
)

const usage = `usage: newsline-relations ENTITY [-address HOST:PORT] [-from DATE] [-to DATE] [-kind KIND]... [-limit N]
                          [-timeout 30s]
ENTITY is an id such as person:vladimir-makei or a name such as Makei; KIND is person, country,
organization or city; DATE is 2015, 2015-11 or 2015-11-18.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(arguments []string, stdout, stderr io.Writer) int {
	command := client.NewCommand("newsline-relations", usage, "ENTITY_KIND_", newslinev1.EntityKind_value, stderr)
	if code, proceed := command.Parse(arguments); !proceed {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, command.Options.Timeout)
	defer cancel()
	return command.Report(printRelations(ctx, command.Options, stdout))
}

func printRelations(ctx context.Context, options client.CommonOptions, stdout io.Writer) error {
	conn, err := client.Dial(options.Address)
	if err != nil {
		return err
	}
	defer conn.Close()
	query := newslinev1.NewQueryServiceClient(conn)
	found, err := client.ResolveEntity(ctx, query, options.Entity)
	if err != nil {
		return err
	}
	entity := found.GetEntity()
	request := &newslinev1.StreamEntityRelationsRequest{
		EntityId: entity.GetId(), From: options.From, To: options.To, MaxResults: uint32(options.Limit),
	}
	for _, kind := range options.Kinds {
		request.Kinds = append(request.Kinds, newslinev1.EntityKind(kind))
	}
	stream, err := query.StreamEntityRelations(ctx, request)
	if err != nil {
		return err
	}
	header := fmt.Sprintf("%s (%s) shares events with:", entity.GetName(), entity.GetId())
	shown := 0
	for {
		relation, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		// The header waits for the first answer, so a rejected request prints only its error.
		if shown == 0 {
			fmt.Fprintln(stdout, header)
		}
		related := relation.GetEntity()
		span := client.FormatDate(relation.GetFirstDate())
		if last := client.FormatDate(relation.GetLastDate()); last != span {
			span += " … " + last
		}
		var kinds []string
		for _, count := range relation.GetKindCounts() {
			kinds = append(kinds, fmt.Sprintf("%s %d", client.KindName(count.GetKind()), count.GetCount()))
		}
		noun := "events"
		if relation.GetEventCount() == 1 {
			noun = "event"
		}
		fmt.Fprintf(stdout, "  %s %-6s  %-25s %s (%s, %s)  [%s]\n",
			client.PadLeft(fmt.Sprint(relation.GetEventCount()), 3), noun, span, related.GetName(),
			client.EntityKindName(related.GetKind()), related.GetId(), strings.Join(kinds, ", "))
		shown++
	}
	if shown == 0 {
		fmt.Fprintln(stdout, header)
	}
	fmt.Fprintln(stdout, client.Count(shown, "related entity", "related entities"))
	return nil
}
