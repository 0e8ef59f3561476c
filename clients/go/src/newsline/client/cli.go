package client

import (
	"flag"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	newslinev1 "newsline/api/v1"
)

var datePattern = regexp.MustCompile(`^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$`)

// ParseCalendarDate parses 2015, 2015-11 or 2015-11-18.
func ParseCalendarDate(text string) (*newslinev1.CalendarDate, error) {
	parts := datePattern.FindStringSubmatch(text)
	if parts == nil {
		return nil, fmt.Errorf("'%s' is not a date like 2015, 2015-11 or 2015-11-18", text)
	}
	numbers := make([]int32, 3)
	for i, part := range parts[1:] {
		if part != "" {
			value, _ := strconv.Atoi(part)
			numbers[i] = int32(value)
		}
	}
	if numbers[1] > 12 || (parts[2] != "" && numbers[1] == 0) || numbers[2] > 31 || (parts[3] != "" && numbers[2] == 0) {
		return nil, fmt.Errorf("'%s' has a month or day out of range", text)
	}
	return &newslinev1.CalendarDate{Year: numbers[0], Month: numbers[1], Day: numbers[2]}, nil
}

// dateFlag is an optional date flag.
type dateFlag struct{ date *newslinev1.CalendarDate }

func (d *dateFlag) String() string {
	if d == nil || d.date == nil {
		return ""
	}
	return FormatDate(d.date)
}

func (d *dateFlag) Set(text string) (err error) {
	d.date, err = ParseCalendarDate(text)
	return err
}

// kindsFlag is a repeatable enum flag such as --kind meeting --kind visit.
type kindsFlag struct {
	prefix string
	values map[string]int32
	chosen []int32
}

func (k *kindsFlag) String() string { return "" }

func (k *kindsFlag) Set(text string) error {
	name := k.prefix + strings.ToUpper(text)
	value, known := k.values[name]
	if !known || strings.HasSuffix(name, "_UNSPECIFIED") {
		var choices []string
		for candidate := range k.values {
			if !strings.HasSuffix(candidate, "_UNSPECIFIED") {
				choices = append(choices, strings.ToLower(strings.TrimPrefix(candidate, k.prefix)))
			}
		}
		return fmt.Errorf("'%s' is not one of %s", text, strings.Join(sortedStrings(choices), ", "))
	}
	k.chosen = append(k.chosen, value)
	return nil
}

func sortedStrings(values []string) []string {
	for i := 1; i < len(values); i++ {
		for j := i; j > 0 && values[j] < values[j-1]; j-- {
			values[j], values[j-1] = values[j-1], values[j]
		}
	}
	return values
}

// CommonOptions are the flags every example command takes, and its one argument.
type CommonOptions struct {
	Entity  string
	Address string
	From    *newslinev1.CalendarDate
	To      *newslinev1.CalendarDate
	Timeout time.Duration
	Limit   uint
	Kinds   []int32
}

// Command parses an example command's line: the common flags, its own, and one entity argument.
type Command struct {
	Program  string
	Flags    *flag.FlagSet
	Options  CommonOptions
	from, to dateFlag
	kinds    kindsFlag
	stderr   io.Writer
}

// NewCommand declares the common flags; kindPrefix and kindValues describe the --kind enum.
func NewCommand(program, usage, kindPrefix string, kindValues map[string]int32, stderr io.Writer) *Command {
	command := &Command{Program: program, kinds: kindsFlag{prefix: kindPrefix, values: kindValues}, stderr: stderr}
	flags := flag.NewFlagSet(program, flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprint(stderr, usage)
		flags.PrintDefaults()
	}
	flags.StringVar(&command.Options.Address, "address", DefaultQueryAddress(), "the query service, host:port")
	flags.Var(&command.from, "from", "only from this date: 2015, 2015-11 or 2015-11-18")
	flags.Var(&command.to, "to", "only up to this date, inclusive")
	flags.DurationVar(&command.Options.Timeout, "timeout", 30*time.Second, "how long to wait for the whole answer")
	flags.UintVar(&command.Options.Limit, "limit", 0, "at most this many results (0: all)")
	flags.Var(&command.kinds, "kind", "only this kind; repeatable")
	command.Flags = flags
	return command
}

// Parse reads flags that may come before or after the one entity argument, as the Python and Node
// commands allow ("newsline-timeline Makei --watch"). It returns ExitOK to go on, or the exit code.
func (c *Command) Parse(arguments []string) (int, bool) {
	var positionals []string
	for {
		if err := c.Flags.Parse(arguments); err != nil {
			if err == flag.ErrHelp {
				return ExitOK, false
			}
			return ExitBadRequest, false
		}
		if c.Flags.NArg() == 0 {
			break
		}
		positionals = append(positionals, c.Flags.Arg(0))
		arguments = c.Flags.Args()[1:]
	}
	if len(positionals) != 1 {
		fmt.Fprintf(c.stderr, "%s: expected exactly one entity id or name\n", c.Program)
		c.Flags.Usage()
		return ExitBadRequest, false
	}
	if c.Options.Timeout <= 0 {
		fmt.Fprintf(c.stderr, "%s: -timeout must be positive\n", c.Program)
		return ExitBadRequest, false
	}
	c.Options.Entity = positionals[0]
	c.Options.From, c.Options.To, c.Options.Kinds = c.from.date, c.to.date, c.kinds.chosen
	return ExitOK, true
}

// Report prints a failure as "<program>: <message>" and returns the exit code for it.
func (c *Command) Report(err error) int {
	if err == nil {
		return ExitOK
	}
	message, code := Explain(err, c.Options.Address)
	if message != "" {
		fmt.Fprintf(c.stderr, "%s: %s\n", c.Program, message)
	}
	return code
}
