package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/squall-bench/squall/internal/testenv"
)

// fenced returns the first fenced block (its lines between the fences)
// after the heading in the markdown text, opening with fence (```yaml).
func fenced(t *testing.T, text, heading, fence string) string {
	t.Helper()
	_, after, ok := strings.Cut(text, "\n"+heading+"\n")
	if !ok {
		t.Fatalf("no heading %q", heading)
	}
	_, block, ok := strings.Cut(after, "\n"+fence+"\n")
	if !ok {
		t.Fatalf("no %s block under %q", fence, heading)
	}
	block, _, _ = strings.Cut(block, "\n```\n")
	return block + "\n"
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestREADMEQuickstartIsShipped: the README's quickstart YAML is the
// shipped file, byte for byte.
func TestREADMEQuickstartIsShipped(t *testing.T) {
	readme := readFile(t, "../../README.md")
	got := fenced(t, readme, "## Your scenario", "```yaml")
	if want := readFile(t, "../../scenarios/library/quickstart.yaml"); got != want {
		t.Errorf("README's quickstart differs from scenarios/library/quickstart.yaml:\n--- README\n%s--- shipped\n%s", got, want)
	}
}

// shape is a line of output with its figures and their units masked and
// runs of spaces collapsed: what stays the same from run to run.
var figure = regexp.MustCompile(`\d[\d,.:]*(µs|ms|s|m|h|B|Z)?`)

func shape(line string) string {
	return strings.Join(strings.Fields(figure.ReplaceAllString(line, "#")), " ")
}

// TestREADMESampleOutput runs the quickstart as the README shows it and
// checks that every line of the README's sample is, figures aside, a line
// squall printed, in the same order ("…" stands for lines left out).
func TestREADMESampleOutput(t *testing.T) {
	testenv.RequireRedis(t)
	readme := readFile(t, "../../README.md")
	sample := strings.Split(strings.TrimSuffix(fenced(t, readme, "## What a run prints", "```"), "\n"), "\n")
	if cmd := sample[0]; cmd != "$ bin/squall run quickstart" {
		t.Fatalf("README's sample starts %q", cmd)
	}
	t.Setenv("TMPDIR", t.TempDir())
	t.Chdir(t.TempDir()) // the default runs/<time>-quickstart, as in the README
	// Shorter, and with objectives a busy machine meets: the lines are the
	// same, the figures are masked.
	code, stdout, stderr := squall(context.Background(), "run", "quickstart", "--duration", "2s", "--set", "warmup=500ms", "--set", "drain=1s",
		"--set", "slo.e2e_p99=1m", "--set", "slo.publish_p99=1m", "--set", "slo.throughput_min=1")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	printed := strings.Split(stderr+stdout, "\n")
	i := 0
	for _, want := range sample[1:] {
		if want == "…" {
			continue
		}
		if i > 0 && shape(printed[i-1]) == shape(want) {
			continue // the 2-s run prints one status line where the README's 15-s run shows three
		}
		for i < len(printed) && shape(printed[i]) != shape(want) {
			i++
		}
		if i == len(printed) {
			t.Errorf("README's sample line\n  %s\nis not in what squall printed (in order):\n%s%s", want, stderr, stdout)
			return
		}
		i++
	}
}

var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestDocsLinks: every relative link in README.md and docs/*.md names a
// file that exists and, with a #fragment, a heading in it.
func TestDocsLinks(t *testing.T) {
	files, _ := filepath.Glob("../../docs/*.md")
	files = append(files, "../../README.md")
	for _, f := range files {
		text := readFile(t, f)
		for _, m := range mdLink.FindAllStringSubmatch(text, -1) {
			link := m[1]
			if strings.Contains(link, "://") || strings.HasPrefix(link, "mailto:") {
				continue
			}
			path, frag, _ := strings.Cut(link, "#")
			target := f
			if path != "" {
				target = filepath.Join(filepath.Dir(f), path)
			}
			if _, err := os.Stat(target); err != nil {
				t.Errorf("%s: link %s: %v", filepath.Base(f), link, err)
				continue
			}
			if frag != "" && !hasAnchor(readFile(t, target), frag) {
				t.Errorf("%s: link %s: %s has no heading #%s", filepath.Base(f), link, filepath.Base(target), frag)
			}
		}
	}
}

// hasAnchor reports whether markdown has a heading whose GitHub anchor is
// frag: lower case, punctuation dropped, spaces as hyphens.
func hasAnchor(markdown, frag string) bool {
	for _, line := range strings.Split(markdown, "\n") {
		h := strings.TrimLeft(line, "#")
		if len(h) == len(line) || !strings.HasPrefix(h, " ") {
			continue
		}
		var b strings.Builder
		for _, r := range strings.ToLower(strings.TrimSpace(h)) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127:
				b.WriteRune(r)
			}
		}
		if b.String() == frag {
			return true
		}
	}
	return false
}
