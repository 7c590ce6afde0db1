package compare

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// JUnit XML, the dialect Jenkins, GitLab and GitHub test reporters read.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Failure   *junitMessage `xml:"failure"`
	Skipped   *junitMessage `xml:"skipped"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// CompareJUnit writes the comparison as JUnit XML: one testsuite for the
// run, one testcase per cell (classname) and metric (name), a failure for
// each regression and skipped for metrics that are not gated.
func CompareJUnit(w io.Writer, c *Comparison) error {
	s := junitSuite{Name: "squall compare " + c.New.Scenario, Timestamp: c.New.StartedAt,
		Properties: []junitProperty{
			{"baseline", c.Baseline.Label}, {"baseline_started_at", c.Baseline.StartedAt},
			{"new", c.New.Label}, {"tolerance", strings.Join(c.toleranceText(), " ")},
		}}
	fail := func(class, name, msg, text string) {
		s.Cases = append(s.Cases, junitCase{Classname: class, Name: name,
			Failure: &junitMessage{Message: msg, Type: "regression", Text: text}})
	}
	skip := func(class, name, msg string) {
		s.Cases = append(s.Cases, junitCase{Classname: class, Name: name, Skipped: &junitMessage{Message: msg}})
	}
	if c.New.Error != "" || c.New.Interrupted {
		fail(c.New.Scenario, "run completed", c.Regressions()[0], c.New.Error)
	}
	for i := range c.Cells {
		cc := &c.Cells[i]
		class := cellLabel(c, cc)
		switch cc.Status {
		case CellRemoved:
			skip(class, "present in new run", "in the baseline only, not compared")
			continue
		case CellAdded:
			skip(class, "present in baseline", "in the new run only, nothing to compare with")
			continue
		}
		if cc.Error != "" && cc.Error != c.New.Error { // the run's own error has its testcase
			fail(class, "cell completed", "the new cell stopped early: "+cc.Error, cc.Error)
		}
		for _, m := range cc.Metrics {
			detail := fmt.Sprintf("baseline %s, new %s, change %s, limit %s", m.BaseText(), m.NewText(), m.ChangeText(), m.LimitText())
			if st := m.Stats; st != nil {
				detail = fmt.Sprintf("baseline median %s %s, new median %s %s (%g%% confidence), change %s, %s (%s), limit %s",
					m.BaseText(), m.IntervalText(true), m.NewText(), m.IntervalText(false), Confidence*100, m.ChangeText(), st.PText(), st.AlphaText(), m.LimitText())
			}
			switch m.Verdict {
			case VerdictRegressed:
				fail(class, m.Name, m.Describe(), detail)
			case VerdictUngated:
				skip(class, m.Name, "not gated: "+detail)
			default:
				s.Cases = append(s.Cases, junitCase{Classname: class, Name: m.Name, SystemOut: detail + ", " + string(m.Verdict)})
			}
		}
	}
	for _, tc := range s.Cases {
		s.Tests++
		switch {
		case tc.Failure != nil:
			s.Failures++
		case tc.Skipped != nil:
			s.Skipped++
		}
	}
	doc := junitSuites{Name: "squall compare", Tests: s.Tests, Failures: s.Failures, Suites: []junitSuite{s}}
	b, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding JUnit XML: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s%s\n", xml.Header, b)
	return err
}
