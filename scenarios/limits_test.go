package scenarios

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLimitsDocumented keeps docs/safety.md's table of scenario limits in step with
// the constants validation enforces: each limit, rendered from its
// constant, must appear in the table's row for it.
func TestLimitsDocumented(t *testing.T) {
	b, err := os.ReadFile("../docs/safety.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start := strings.Index(readme, "## Hostile scenarios and limits")
	if start < 0 {
		t.Fatal(`docs/safety.md has no "## Hostile scenarios and limits" section`)
	}
	section := readme[start:]
	if end := strings.Index(section[1:], "\n## "); end >= 0 {
		section = section[:end+1]
	}
	row := func(key string) string {
		for _, line := range strings.Split(section, "\n") {
			if strings.HasPrefix(line, "| "+key) {
				return line
			}
		}
		t.Errorf("docs/safety.md's limits table has no row starting %q", "| "+key)
		return ""
	}
	for _, tc := range []struct{ row, want string }{
		{"scenario file", mib(MaxFileSize)},
		{"YAML", commas(maxNodes) + " values"},
		{"matrix", commas(maxCells) + " cells"},
		{"matrix", commas(maxCellNodes) + " values"},
		{"`name`", strconv.Itoa(MaxName) + " / " + strconv.Itoa(MaxCellName) + " bytes"},
		{"`duration`", days(MaxPhase)},
		{"a fault's `every`", "≥ " + MinEvery.D().String() + ", and ≤ " + commas(MaxShots) + " firings per cell"},
		{"`workload.keys`", commas(MaxKeys)},
		{"`producers`, `consumers`", commas(MaxClients) + " each"},
		{"`rate`", strconv.FormatFloat(MinRate, 'f', -1, 64) + " to " + commas(int(MaxRate)) + " events/s"},
		{"`payload`", strconv.Itoa(MinPayload) + " B to " + mib(MaxPayload)},
		{"producers × pipeline × payload", gib(MaxEventBuffers)},
		{"producers × consumers", commas(MaxFanOut)},
		{"`pipeline`", commas(maxPipeline)},
		{"servers squall starts", "| " + strconv.Itoa(MaxServers) + " |"},
		{"client timeouts", short(MaxTimeout.D())},
		{"`client.max_retries`", strconv.Itoa(MaxRetries) + " / " + commas(MaxCPUs)},
		{"capacity search `steps`", "| " + strconv.Itoa(maxSearchSteps) + " |"},
	} {
		if r := row(tc.row); r != "" && !strings.Contains(r, tc.want) {
			t.Errorf("docs/safety.md row %q does not say %q:\n%s", tc.row, tc.want, r)
		}
	}
}

// commas writes n with thousands separators, as the docs do.
func commas(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func mib(n int) string { return strconv.Itoa(n>>20) + " MiB" }
func gib(n int) string { return strconv.Itoa(n>>30) + " GiB" }

func days(d Duration) string { return strconv.Itoa(int(d.D()/(24*time.Hour))) + " days" }

// short renders a whole number of hours as "1h".
func short(d time.Duration) string { return strconv.Itoa(int(d/time.Hour)) + "h" }

// TestPasswordEnv: password_env must name a variable that is set and whose
// value redis.conf can carry; messages name the variable, never the value.
func TestPasswordEnv(t *testing.T) {
	t.Setenv("SQUALL_TEST_PW_OK", "s3cret pass")
	t.Setenv("SQUALL_TEST_PW_BAD", "line\nbreak-secret")
	for src, want := range map[string]string{
		"target: {password_env: SQUALL_TEST_PW_OK}":                                    "",
		"target: {password_env: SQUALL_TEST_PW_UNSET}":                                 "environment variable SQUALL_TEST_PW_UNSET is not set",
		"target: {password_env: SQUALL_TEST_PW_BAD}":                                   "the password in SQUALL_TEST_PW_BAD cannot be given to the servers squall starts: it holds the unprintable character U+000A (line feed)",
		"target: {password_env: \"A B\"}":                                              `"A B" is not an environment variable name`,
		"target: {provider: external, addrs: [a:1], password_env: SQUALL_TEST_PW_BAD}": "",
	} {
		_, _, err := Parse("test.yaml", []byte(src), nil)
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", src, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: %v, want %q", src, err, want)
		case err != nil && strings.Contains(err.Error(), "secret"):
			t.Errorf("%s: the message shows the password: %v", src, err)
		}
	}
}
