package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/result/resulttest"
)

// TestComparisonNamesServers checks that a matrix across servers names
// each cell's server, as the server named itself, in every rendering, and
// that a matrix on one server does not.
func TestComparisonNamesServers(t *testing.T) {
	r := resulttest.MatrixResult()
	if serversDiffer(r.Cells) {
		t.Fatal("one server: no server column expected")
	}
	r.Cells[0].Target.ServerName, r.Cells[0].Target.ServerVersion = "redis", "7.2.4"
	r.Cells[1].Target.ServerName, r.Cells[1].Target.ServerVersion = "valkey", "8.0.1"
	r.Cells[2].Target.Provider, r.Cells[2].Target.DataPath = "docker", "direct"
	for _, tc := range []struct {
		format string
		render func(*bytes.Buffer) error
	}{
		{"text", func(b *bytes.Buffer) error { return Text(b, r) }},
		{"md", func(b *bytes.Buffer) error { return Markdown(b, r) }},
		{"html", func(b *bytes.Buffer) error { return HTML(b, r, nil) }},
	} {
		var b bytes.Buffer
		if err := tc.render(&b); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"redis 7.2.4 on process", "valkey 8.0.1 on process", "redis 7.2.4 on docker (direct)"} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("%s: no %q in the comparison", tc.format, want)
			}
		}
	}
}

func TestServerText(t *testing.T) {
	for _, tc := range []struct {
		t    result.TargetInfo
		want string
	}{
		{result.TargetInfo{RedisVersion: "7.0.15"}, "redis 7.0.15"},
		{result.TargetInfo{RedisVersion: "7.2.4", ServerName: "valkey", ServerVersion: "8.0.1"}, "valkey 8.0.1"},
		{result.TargetInfo{}, ""},
	} {
		if got := result.ServerText(tc.t); got != tc.want {
			t.Errorf("ServerText(%+v) = %q, want %q", tc.t, got, tc.want)
		}
	}
}
