package client

import (
	"fmt"
	"strings"

	newslinev1 "newsline/api/v1"
)

var months = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// FormatDate prints only the known parts: 2015-11-18, 2015-11, 2015, or "18 Nov (year unknown)".
func FormatDate(date *newslinev1.CalendarDate) string {
	year, month, day := date.GetYear(), date.GetMonth(), date.GetDay()
	switch {
	case year == 0 && (month < 1 || month > 12):
		return "undated"
	case year == 0 && day == 0:
		return months[month-1] + " (year unknown)"
	case year == 0:
		return fmt.Sprintf("%d %s (year unknown)", day, months[month-1])
	case month == 0:
		return fmt.Sprintf("%04d", year)
	case day == 0:
		return fmt.Sprintf("%04d-%02d", year, month)
	default:
		return fmt.Sprintf("%04d-%02d-%02d", year, month, day)
	}
}

// FormatRange prints a date range, once when both ends are the same.
func FormatRange(when *newslinev1.DateRange) string {
	start := FormatDate(when.GetStart())
	if when.GetEnd() == nil {
		return start
	}
	if end := FormatDate(when.GetEnd()); end != start {
		return start + " – " + end
	}
	return start
}

func shortName(name, prefix string) string { return strings.ToLower(strings.TrimPrefix(name, prefix)) }

// KindName turns EVENT_KIND_MEETING into "meeting".
func KindName(kind newslinev1.EventKind) string { return shortName(kind.String(), "EVENT_KIND_") }

// EntityKindName turns ENTITY_KIND_PERSON into "person".
func EntityKindName(kind newslinev1.EntityKind) string {
	return shortName(kind.String(), "ENTITY_KIND_")
}

func roleName(role newslinev1.ParticipantRole) string {
	return shortName(role.String(), "PARTICIPANT_ROLE_")
}

// Count spells a number with its noun: "1 event", "2 events".
func Count(number int, singular, plural string) string {
	if number == 1 {
		return fmt.Sprintf("%d %s", number, singular)
	}
	return fmt.Sprintf("%d %s", number, plural)
}

// YearHeading is the line above each year of a timeline: "Vladimir Makei, 2016:".
func YearHeading(entityName string, date *newslinev1.CalendarDate) string {
	if date.GetYear() == 0 {
		return entityName + ", year unknown:"
	}
	return fmt.Sprintf("%s, %d:", entityName, date.GetYear())
}

// Shorten collapses whitespace and cuts at a word boundary so the result, with " …", fits in width.
func Shorten(text string, width int) string {
	words := strings.Fields(text)
	whole := strings.Join(words, " ")
	if len([]rune(whole)) <= width {
		return whole
	}
	const placeholder = " …"
	kept := ""
	for _, word := range words {
		next := word
		if kept != "" {
			next = kept + " " + word
		}
		if len([]rune(next))+len([]rune(placeholder)) > width {
			break
		}
		kept = next
	}
	if kept == "" {
		return strings.TrimSpace(placeholder)
	}
	return kept + placeholder
}

// FormatEvent prints two lines: the date, kind, other participants and place, then the sentence.
func FormatEvent(event *newslinev1.Event, focusEntityID string) string {
	var others []string
	for _, participant := range event.GetParticipants() {
		if participant.GetEntityId() == focusEntityID {
			continue
		}
		if participant.GetRole() == newslinev1.ParticipantRole_PARTICIPANT_ROLE_UNSPECIFIED {
			others = append(others, participant.GetName())
		} else {
			others = append(others, fmt.Sprintf("%s (%s)", participant.GetName(), roleName(participant.GetRole())))
		}
	}
	summary := []string{padRight(FormatRange(event.GetWhen()), 24), padRight(KindName(event.GetKind()), 10)}
	if len(others) > 0 {
		summary = append(summary, "with "+strings.Join(others, ", "))
	}
	if event.GetLocationName() != "" && event.GetLocationId() != focusEntityID {
		summary = append(summary, "in "+event.GetLocationName())
	}
	if event.GetPlanned() {
		summary = append(summary, "(planned)")
	}
	return fmt.Sprintf("  %s\n      “%s”", strings.TrimRight(strings.Join(summary, " "), " "), Shorten(event.GetSentence(), 140))
}

// padRight pads to a width in characters, not bytes, so dashes and accents line up like the others.
func padRight(text string, width int) string {
	if missing := width - len([]rune(text)); missing > 0 {
		return text + strings.Repeat(" ", missing)
	}
	return text
}

// PadLeft right-aligns text in a field of width characters.
func PadLeft(text string, width int) string {
	if missing := width - len([]rune(text)); missing > 0 {
		return strings.Repeat(" ", missing) + text
	}
	return text
}
