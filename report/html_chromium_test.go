package report

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/squall-bench/squall/result"
	"github.com/squall-bench/squall/result/resulttest"
)

// TestHTMLRendersInChromium renders fixture reports with headless Chromium
// through scripts/screenshot-report.sh (no network) and checks the PNGs
// hold a drawn page and that the page asked for nothing over the network.
// Skipped without chromium unless SQUALL_REQUIRE_CHROMIUM=1;
// SQUALL_SCREENSHOT_DIR keeps the pages and PNGs.
func TestHTMLRendersInChromium(t *testing.T) {
	script := chromiumScript(t)
	out := t.TempDir()
	if d := os.Getenv("SQUALL_SCREENSHOT_DIR"); d != "" {
		out = d
	}
	capacity := resulttest.MatrixResult()
	capacity.Capacity = &result.Capacity{Objective: "e2e_p99 <= 50ms", MaxRate: 40000, KneeRate: 30000, Points: []result.CapacityPoint{
		{Cell: "rate=10000", Rate: 10000, AckedPerS: 10000, P50us: 300, P99us: 900, Pass: true},
		{Cell: "rate=20000", Rate: 20000, AckedPerS: 20000, P50us: 350, P99us: 1200, Pass: true},
		{Cell: "rate=30000", Rate: 30000, AckedPerS: 29990, P50us: 420, P99us: 3_900, Pass: true},
		{Cell: "rate=40000", Rate: 40000, AckedPerS: 39800, P50us: 900, P99us: 31_000, Pass: true},
		{Cell: "rate=50000", Rate: 50000, AckedPerS: 41000, P50us: 80_000, P99us: 2_400_000, Pass: false},
	}}
	for _, tc := range []struct {
		name string
		r    *result.Result
		d    *RunData
	}{
		{"failover", resulttest.FailoverResult(), &RunData{Cells: []CellData{failoverCellData()}, Scenario: "name: stream-failover\n"}},
		{"matrix-capacity", capacity, &RunData{Cells: []CellData{failoverCellData(), {}, failoverCellData()}}},
		{"interrupted", resulttest.FullResult(), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			html := filepath.Join(out, tc.name+".html")
			var b bytes.Buffer
			if err := HTML(&b, tc.r, tc.d); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(html, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			pngPath := filepath.Join(out, tc.name+".png")
			for _, u := range screenshot(t, script, html, pngPath) {
				if !chromiumOwnHost(u) {
					t.Errorf("the page requested %s", u)
				}
			}
			checkPNG(t, pngPath)
		})
	}
}

// TestChromiumNetlogCatchesRequests makes sure the request check above can
// fail: a page that loads an image is caught.
func TestChromiumNetlogCatchesRequests(t *testing.T) {
	script := chromiumScript(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "canary.html")
	if err := os.WriteFile(page, []byte(`<!DOCTYPE html><html><body><p>canary</p><img src="http://squall-canary.invalid/x.png"/></body></html>`), 0o644); err != nil {
		t.Fatal(err)
	}
	reqs := screenshot(t, script, page, filepath.Join(dir, "canary.png"))
	for _, u := range reqs {
		if strings.Contains(u, "squall-canary.invalid") {
			return
		}
	}
	t.Errorf("the canary image request was not seen in Chromium's net log: %v", reqs)
}

func chromiumScript(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("chromium"); err != nil {
		if os.Getenv("SQUALL_REQUIRE_CHROMIUM") == "1" {
			t.Fatal("chromium not on PATH and SQUALL_REQUIRE_CHROMIUM=1 (apt-get install -y chromium)")
		}
		t.Skip("chromium not on PATH (apt-get install -y chromium; SQUALL_REQUIRE_CHROMIUM=1 makes this a failure)")
	}
	script, err := filepath.Abs(filepath.Join("..", "scripts", "screenshot-report.sh"))
	if err != nil {
		t.Fatal(err)
	}
	return script
}

// screenshot runs the script on page and returns the URLs Chromium's net
// log shows requests for (file: URLs left out).
func screenshot(t *testing.T, script, page, pngPath string) []string {
	t.Helper()
	netlog := filepath.Join(t.TempDir(), "netlog.json")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", script, page, pngPath)
	cmd.Env = append(os.Environ(), "SCREENSHOT_NETLOG="+netlog)
	cmd.WaitDelay = 5 * time.Second
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("screenshot: %v\n%s", err, msg)
	}
	b, err := os.ReadFile(netlog)
	if err != nil {
		t.Fatalf("no net log: %v", err)
	}
	var log struct {
		Constants struct {
			LogEventTypes map[string]int `json:"logEventTypes"`
		} `json:"constants"`
		Events []struct {
			Type   int            `json:"type"`
			Params map[string]any `json:"params"`
		} `json:"events"`
	}
	// Chromium may be killed before it closes the JSON; the events seen so
	// far are what counts.
	if err := json.Unmarshal(b, &log); err != nil {
		fixed := strings.TrimRight(strings.TrimSpace(string(b)), ",") + "]}"
		if err2 := json.Unmarshal([]byte(fixed), &log); err2 != nil {
			t.Fatalf("net log: %v", err)
		}
	}
	start, ok := log.Constants.LogEventTypes["URL_REQUEST_START_JOB"]
	if !ok {
		t.Fatalf("net log has no URL_REQUEST_START_JOB event type")
	}
	var urls []string
	for _, e := range log.Events {
		if u, _ := e.Params["url"].(string); e.Type == start && u != "" && !strings.HasPrefix(u, "file:") {
			urls = append(urls, u)
		}
	}
	return urls
}

// chromiumOwnHost reports whether u is one of the browser's own background
// services (component updates, network time), which the script leaves
// without a network anyway; anything else would come from the page.
func chromiumOwnHost(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	switch p.Hostname() {
	case "clients2.google.com", "update.googleapis.com", "redirector.gvt1.com", "edgedl.me.gvt1.com",
		"clients2.googleusercontent.com", "safebrowsing.googleapis.com", "optimizationguide-pa.googleapis.com":
		return true
	}
	return false
}

// checkPNG fails unless path is a sizeable PNG with a drawn page in it:
// many colours, not one flat fill.
func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	bnd := img.Bounds()
	if bnd.Dx() < 1000 || bnd.Dy() < 1000 {
		t.Fatalf("%s: %v, want at least 1000×1000", path, bnd.Size())
	}
	colours := map[[3]uint32]int{}
	for y := bnd.Min.Y; y < bnd.Max.Y; y += 3 {
		for x := bnd.Min.X; x < bnd.Max.X; x += 3 {
			r, g, b, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, b >> 8}]++
		}
	}
	if len(colours) < 64 {
		t.Errorf("%s: %d distinct colours: the page did not render", path, len(colours))
	}
	var top int
	for _, n := range colours {
		top = max(top, n)
	}
	if total := (bnd.Dx() / 3) * (bnd.Dy() / 3); top > total*97/100 {
		t.Errorf("%s: one colour covers %d of %d samples: a blank page", path, top, total)
	}
}
