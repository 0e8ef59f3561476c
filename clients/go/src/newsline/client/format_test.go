package client

import (
	"testing"

	newslinev1 "newsline/api/v1"
)

func TestFormatDatePrintsOnlyTheKnownParts(t *testing.T) {
	cases := map[string]*newslinev1.CalendarDate{
		"2015-11-18":            {Year: 2015, Month: 11, Day: 18},
		"2015-11":               {Year: 2015, Month: 11},
		"2015":                  {Year: 2015},
		"18 Nov (year unknown)": {Month: 11, Day: 18},
		"undated":               nil,
	}
	for want, date := range cases {
		if got := FormatDate(date); got != want {
			t.Errorf("FormatDate(%v) = %q, want %q", date, got, want)
		}
	}
}

func TestParseCalendarDateRejectsOutOfRangeParts(t *testing.T) {
	if date, err := ParseCalendarDate("2015-11"); err != nil || date.GetYear() != 2015 || date.GetMonth() != 11 || date.GetDay() != 0 {
		t.Errorf("ParseCalendarDate(2015-11) = %v, %v", date, err)
	}
	for _, bad := range []string{"2015-13", "2015-00", "2015-01-32", "15", "2015/01"} {
		if _, err := ParseCalendarDate(bad); err == nil {
			t.Errorf("ParseCalendarDate(%q) accepted", bad)
		}
	}
}

func TestShortenKeepsWholeWords(t *testing.T) {
	if got := Shorten("a  b\n c", 10); got != "a b c" {
		t.Errorf("got %q", got)
	}
	if got := Shorten("alpha beta gamma delta", 14); got != "alpha beta …" {
		t.Errorf("got %q", got)
	}
}
