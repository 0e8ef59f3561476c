// Command newsline-timeline prints the timeline of one entity, grouped by year ("Vladimir Makei,
// 2016: …"): from StreamTimeline, or with -watch from WatchTimeline, stopping once it has caught up
// (-follow keeps printing live events until interrupted).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"

	newslinev1 "newsline/api/v1"
	"newsline/client"
)

const usage = `usage: newsline-timeline ENTITY [-address HOST:PORT] [-from DATE] [-to DATE] [-kind KIND]...
                         [-limit N] [-descending] [-watch [-follow]] [-timeout 30s]
ENTITY is an id such as person:vladimir-makei or a name such as Makei; DATE is 2015, 2015-11 or 2015-11-18.
`

type timelineOptions struct {
	client.CommonOptions
	descending, watch, follow bool
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(arguments []string, stdout, stderr io.Writer) int {
	command := client.NewCommand("newsline-timeline", usage, "EVENT_KIND_", newslinev1.EventKind_value, stderr)
	var options timelineOptions
	command.Flags.BoolVar(&options.descending, "descending", false, "newest first (StreamTimeline only)")
	command.Flags.BoolVar(&options.watch, "watch", false, "use WatchTimeline and stop once caught up")
	command.Flags.BoolVar(&options.follow, "follow", false, "with -watch, keep printing live events")
	if code, proceed := command.Parse(arguments); !proceed {
		return code
	}
	if options.follow && !options.watch {
		return command.Report(&client.UsageError{Message: "-follow needs -watch"})
	}
	options.CommonOptions = command.Options
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return command.Report(printTimeline(ctx, options, stdout))
}

// eventSource delivers events to emit until the stream ends.
type eventSource func(ctx context.Context, query newslinev1.QueryServiceClient, filter *newslinev1.TimelineFilter, emit func(*newslinev1.Event)) error

func printTimeline(ctx context.Context, options timelineOptions, stdout io.Writer) error {
	conn, err := client.Dial(options.Address)
	if err != nil {
		return err
	}
	defer conn.Close()
	query := newslinev1.NewQueryServiceClient(conn)

	lookupCtx, cancelLookup := context.WithTimeout(ctx, options.Timeout)
	defer cancelLookup()
	found, err := client.ResolveEntity(lookupCtx, query, options.Entity)
	if err != nil {
		return err
	}
	entity := found.GetEntity()
	span := ""
	if found.GetFirstDate() != nil {
		span = fmt.Sprintf(", %s … %s", client.FormatDate(found.GetFirstDate()), client.FormatDate(found.GetLastDate()))
	}
	fmt.Fprintf(stdout, "%s (%s): %s in %s%s\n", entity.GetName(), entity.GetId(),
		client.Count(int(found.GetEventCount()), "event", "events"), client.Count(int(found.GetArticleCount()), "article", "articles"), span)

	filter := &newslinev1.TimelineFilter{EntityIds: []string{entity.GetId()}, From: options.From, To: options.To}
	for _, kind := range options.Kinds {
		filter.Kinds = append(filter.Kinds, newslinev1.EventKind(kind))
	}
	heading, shown := "", 0
	emit := func(event *newslinev1.Event) {
		if thisHeading := client.YearHeading(entity.GetName(), event.GetWhen().GetStart()); thisHeading != heading {
			fmt.Fprintln(stdout, thisHeading)
			heading = thisHeading
		}
		fmt.Fprintln(stdout, client.FormatEvent(event, entity.GetId()))
		shown++
	}
	source := streamedEvents(options)
	if options.watch {
		source = watchedEvents(options, stdout)
	}
	if err := source(ctx, query, filter, emit); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s shown\n", client.Count(shown, "event", "events"))
	return nil
}

func streamedEvents(options timelineOptions) eventSource {
	return func(ctx context.Context, query newslinev1.QueryServiceClient, filter *newslinev1.TimelineFilter, emit func(*newslinev1.Event)) error {
		ctx, cancel := context.WithTimeout(ctx, options.Timeout)
		defer cancel()
		order := newslinev1.SortOrder_SORT_ORDER_ASCENDING
		if options.descending {
			order = newslinev1.SortOrder_SORT_ORDER_DESCENDING
		}
		stream, err := query.StreamTimeline(ctx, &newslinev1.StreamTimelineRequest{Filter: filter, Order: order, MaxResults: uint32(options.Limit)})
		if err != nil {
			return err
		}
		for {
			item, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			emit(item.GetEvent())
		}
	}
}

func watchedEvents(options timelineOptions, stdout io.Writer) eventSource {
	return func(ctx context.Context, query newslinev1.QueryServiceClient, filter *newslinev1.TimelineFilter, emit func(*newslinev1.Event)) error {
		// A watch never ends on its own, so only the replay is bounded by -timeout; -follow is unbounded.
		var cancel context.CancelFunc
		if options.follow {
			ctx, cancel = context.WithCancel(ctx)
		} else {
			ctx, cancel = context.WithTimeout(ctx, options.Timeout)
		}
		// Cancelling is how a watch is ended: it tells the server the client went away.
		defer cancel()
		stream, err := query.WatchTimeline(ctx, &newslinev1.WatchTimelineRequest{Filter: filter})
		if err != nil {
			return err
		}
		for {
			update, err := stream.Recv()
			if err != nil {
				if options.follow && ctx.Err() != nil {
					return client.ErrInterrupted
				}
				return err
			}
			switch update.GetUpdate().(type) {
			case *newslinev1.WatchTimelineResponse_Event:
				emit(update.GetEvent().GetEvent())
			case *newslinev1.WatchTimelineResponse_CaughtUp:
				fmt.Fprintf(stdout, "-- caught up at revision %d --\n", update.GetCaughtUp().GetRevision())
				if !options.follow {
					return nil
				}
			}
		}
	}
}
