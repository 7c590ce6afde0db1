// Package compare is `squall compare`: two results (a baseline and a new
// run) are matched cell by cell, each metric of the registry is judged
// against a tolerance, and the outcome is plain data (Comparison) that the
// renderers write as text, Markdown or JUnit XML.
package compare

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/squall-bench/squall/internal/units"
	"github.com/squall-bench/squall/result"
)

// A regression gate has to be boring: the semantics below are the contract
// users tune their CI with, and docs/ci.md documents them.

// DefaultToleranceSpec is what --tolerance starts from; a user's spec
// overrides only the metrics it names. p999 and unacked are shown but not
// gated by default: the far tail and the count of timeouts jitter too much
// between CI runs.
const DefaultToleranceSpec = "throughput=5%,p50=10%,p99=10%,lost=0,duplicated=0,unavailable=20%,recovered=20%,max_rate=10%"

// Noise floors: with a percentage tolerance a change smaller than these
// never regresses (nor counts as better), since a 10% change of a 100µs p50
// is scheduler noise. An absolute tolerance is used exactly as given.
// The latency floor stands in for a test that can tell a change from the
// machine's drift: sides judged pair by pair (interleaved runs) have
// none, or a 25% rise of a 200µs service p99 could never regress. Sides
// made apart keep it: their test sees drift as change.
const (
	LatencyFloorUS = 50  // microseconds
	SecondsFloor   = 1.0 // fault windows: detection and election jitter by about a second
)

// CapacityCell names the comparison of two capacity searches as a whole.
const CapacityCell = "capacity search"

// compareCapacity compares two searches' highest passing rate and knee.
func compareCapacity(b, c *result.Capacity, tol Tolerances) CellComparison {
	cc := CellComparison{Name: CapacityCell, Status: CellCompared}
	if b.Objective != c.Objective {
		cc.Setup = append(cc.Setup, fmt.Sprintf("objective %s → %s", orDash(b.Objective), orDash(c.Objective)))
	}
	for _, m := range result.CapacityMetrics {
		bv, hasB := result.CapacityValue(m.Name, b)
		nv, hasN := result.CapacityValue(m.Name, c)
		cc.Metrics = append(cc.Metrics, judge(m, bv, nv, hasB, hasN, tol.For(m.Name)))
	}
	return cc
}

// metricGroups are --tolerance keys that stand for several metrics.
var metricGroups = map[string][]string{
	"p50":     {"publish_p50", "e2e_p50", "service_p50"},
	"p99":     {"publish_p99", "e2e_p99", "service_p99"},
	"p999":    {"publish_p999", "e2e_p999", "service_p999"},
	"p99.9":   {"publish_p999", "e2e_p999", "service_p999"},
	"publish": {"publish_p50", "publish_p99", "publish_p999"},
	"e2e":     {"e2e_p50", "e2e_p99", "e2e_p999"},
	"service": {"service_p50", "service_p99", "service_p999"},
	"latency": {"publish_p50", "publish_p99", "publish_p999", "e2e_p50", "e2e_p99", "e2e_p999", "service_p50", "service_p99", "service_p999"},
}

// Tolerance is how much worse than the baseline a metric may get before it
// counts as a regression.
type Tolerance struct {
	Off      bool    // not gated: shown, never a regression
	Relative bool    // Value is a fraction of the baseline (0.1 for 10%)
	Value    float64 // the fraction, or an amount in the metric's unit (events/s, µs, events, s)
}

// Tolerances are the tolerance of every metric, parsed from a --tolerance
// spec over DefaultToleranceSpec.
type Tolerances struct {
	Spec string // the user's spec as given; "" means the defaults alone
	// Alpha is the significance level a change between sampled runs must
	// reach (0: DefaultAlpha).
	Alpha float64
	// PerMetric tests each metric at Alpha alone; otherwise a cell's
	// gated metrics are held to Alpha together (Holm's correction).
	PerMetric bool
	// Paired says sample i of each side was made right after the other
	// (runs interleaved A, B, A, B…): with at least MinPairs pairs each
	// metric is judged pair by pair (Wilcoxon signed-rank on the ratios),
	// which takes out the drift both sides share.
	Paired   bool
	byMetric map[string]Tolerance
}

// alpha is t.Alpha or the default.
func (t Tolerances) alpha() float64 {
	if t.Alpha > 0 {
		return t.Alpha
	}
	return DefaultAlpha
}

// For is the tolerance of the named metric; a metric nobody named is not gated.
func (t Tolerances) For(metric string) Tolerance {
	if tol, ok := t.byMetric[metric]; ok {
		return tol
	}
	return Tolerance{Off: true}
}

// DefaultTolerances are the tolerances when --tolerance is not given.
func DefaultTolerances() Tolerances {
	t, err := ParseTolerances("")
	if err != nil {
		panic("DefaultToleranceSpec: " + err.Error())
	}
	return t
}

// ParseTolerances reads a spec like "p99=10%,throughput=5%,lost=0" over the
// defaults. Keys are metric names or groups (p99 is publish_p99 and
// e2e_p99); an exact name beats a group whatever the order, otherwise the
// later item wins. Values are a percentage of the baseline ("10%"), an
// absolute amount in the metric's unit ("2ms" for latency, "2s" for fault
// windows, a count for events, events/s for throughput), or "off".
func ParseTolerances(spec string) (Tolerances, error) {
	t := Tolerances{Spec: spec, byMetric: map[string]Tolerance{}}
	for _, s := range []string{DefaultToleranceSpec, spec} {
		rank := map[string]int{} // per metric: 2 set by exact name, 1 by a group
		for _, item := range strings.Split(s, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			key, val, ok := strings.Cut(item, "=")
			key, val = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(val)
			if !ok || key == "" {
				return Tolerances{}, fmt.Errorf("%q: expected METRIC=LIMIT, e.g. p99=10%%", item)
			}
			names, r := metricGroups[key], 1
			if _, exact := result.MetricByName(key); exact {
				names, r = []string{key}, 2
			}
			if names == nil {
				return Tolerances{}, fmt.Errorf("%q: unknown metric %q (known: %s)", item, key, strings.Join(toleranceKeys(), ", "))
			}
			m, _ := result.MetricByName(names[0]) // a group's metrics share one unit
			tol, err := parseTolerance(val, m.Unit)
			if err != nil {
				return Tolerances{}, fmt.Errorf("%q: %v", item, err)
			}
			for _, n := range names {
				if r >= rank[n] {
					t.byMetric[n], rank[n] = tol, r
				}
			}
		}
	}
	return t, nil
}

// toleranceKeys are every accepted --tolerance key, for error messages.
func toleranceKeys() []string {
	var keys []string
	for _, m := range append(append([]result.Metric(nil), result.Metrics...), result.CapacityMetrics...) {
		keys = append(keys, m.Name)
	}
	var groups []string
	for g := range metricGroups {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	return append(keys, groups...)
}

func parseTolerance(val string, u units.Unit) (Tolerance, error) {
	if strings.EqualFold(val, "off") {
		return Tolerance{Off: true}, nil
	}
	if num, ok := strings.CutSuffix(val, "%"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return Tolerance{}, toleranceSyntax(u)
		}
		if f < 0 {
			return Tolerance{}, fmt.Errorf("a tolerance cannot be negative, got %s", val)
		}
		return Tolerance{Relative: true, Value: f / 100}, nil
	}
	var v float64
	var err error
	switch u {
	case units.Micros, units.Seconds:
		var d time.Duration
		if d, err = time.ParseDuration(val); err == nil {
			v = float64(d) / float64(time.Microsecond)
			if u == units.Seconds {
				v = d.Seconds()
			}
		} else if val == "0" {
			v, err = 0, nil
		}
	case units.Rate:
		v, err = strconv.ParseFloat(strings.TrimSuffix(val, "/s"), 64)
	case units.Count:
		var n int64
		n, err = strconv.ParseInt(val, 10, 64)
		v = float64(n)
	}
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return Tolerance{}, toleranceSyntax(u)
	}
	if v < 0 {
		return Tolerance{}, fmt.Errorf("a tolerance cannot be negative, got %s", val)
	}
	return Tolerance{Value: v}, nil
}

// toleranceSyntax says what a value for a metric of unit u looks like.
func toleranceSyntax(u units.Unit) error {
	other := map[units.Unit]string{
		units.Rate:    "events/s like 500",
		units.Micros:  "a duration like 2ms",
		units.Count:   "a count like 0",
		units.Seconds: "a duration like 2s",
	}[u]
	return fmt.Errorf("expected a percentage like 10%%, %s, or off", other)
}

// format writes t back in --tolerance syntax for a metric of unit u.
func (t Tolerance) format(u units.Unit) string {
	switch {
	case t.Off:
		return "off"
	case t.Relative:
		return units.TrimZeros(strconv.FormatFloat(t.Value*100, 'f', 2, 64)) + "%"
	case u == units.Micros:
		return units.FormatMicros(t.Value)
	case u == units.Seconds:
		return units.FormatSeconds(t.Value)
	case u == units.Count:
		return units.FormatCount(int64(t.Value))
	}
	return units.FormatRate(t.Value)
}

// MetricVerdict is one metric's outcome.
type MetricVerdict string

// The verdicts; only VerdictRegressed fails a gate.
const (
	VerdictOK        MetricVerdict = "ok"        // within tolerance
	VerdictBetter    MetricVerdict = "better"    // better by more than the tolerance
	VerdictRegressed MetricVerdict = "regressed" // worse beyond tolerance, or gone from the new run
	VerdictUngated   MetricVerdict = "not gated" // shown for information
	// VerdictNoChange: both runs have samples and the test cannot tell
	// them apart (p ≥ α), whatever the medians say.
	VerdictNoChange MetricVerdict = "no significant change"
)

// MetricDelta is one metric of one cell in both runs.
type MetricDelta struct {
	Name   string
	Base   float64 // baseline value in the metric's unit; +Inf: never (recovered)
	New    float64
	Change float64 // (New-Base)/Base; 0 when Base is 0 or either side is missing or infinite
	// Limit is the worst New that still passes (a floor for throughput, a
	// ceiling for the rest), the noise floor included; meaningless when
	// the metric is not gated.
	Limit     float64
	Tolerance Tolerance
	Verdict   MetricVerdict
	// HasBase and HasNew say whether each run has the figure at all (no
	// consumers: no end-to-end latency; no faults: no unavailability).
	HasBase, HasNew bool
	// Stats is set when both runs have samples of the metric (run
	// --repeat): Base and New are then the medians, and Stats holds their
	// intervals and the test. Nil: one figure per side, a verdict with no
	// statistical footing.
	Stats  *SampleStats
	unit   units.Unit
	higher bool
}

// Regressed reports whether this metric fails the gate.
func (m MetricDelta) Regressed() bool { return m.Verdict == VerdictRegressed }

// CellStatus says whether a cell is in both runs.
type CellStatus string

// The cell statuses; a removed cell is shown but is not a regression (a
// changed matrix); a new run that stopped early is caught by its error.
const (
	CellCompared CellStatus = "compared"
	CellAdded    CellStatus = "added"   // only in the new run
	CellRemoved  CellStatus = "removed" // only in the baseline
)

// CellComparison is one cell in both runs.
type CellComparison struct {
	Name     string
	BaseName string // the baseline cell's name when it differs (two single-cell runs)
	Status   CellStatus
	// Error is why the new cell stopped early: a regression, whatever its
	// figures. BaseError is the baseline's: its figures are partial.
	Error, BaseError string
	// Setup lists what differs between the two cells' target and workload
	// ("redis 7.0.15 → 7.2.4"): a changed setup explains a changed figure.
	Setup []string
	// Findings are what the new cell says of itself that a reader of the
	// comparison should know: it failed its own objectives, or its
	// generator fell behind, so its latency is partly squall's.
	Findings []string
	Metrics  []MetricDelta
}

// Regressed reports whether the cell fails the gate.
func (c *CellComparison) Regressed() bool {
	if c.Error != "" {
		return true
	}
	for _, m := range c.Metrics {
		if m.Regressed() {
			return true
		}
	}
	return false
}

// RunInfo identifies one side of a comparison.
type RunInfo struct {
	Label       string // how the user named it (a path)
	Scenario    string
	StartedAt   string
	Version     string
	Error       string
	Interrupted bool
}

func runInfo(r *result.Result) RunInfo {
	return RunInfo{Scenario: r.Scenario, StartedAt: r.StartedAt, Version: r.Version, Error: r.Error, Interrupted: r.Interrupted}
}

// Comparison is the outcome of comparing a new run with a baseline.
type Comparison struct {
	Baseline, New RunInfo
	Tolerances    Tolerances
	Cells         []CellComparison
}

// Regressed reports whether the gate fails: a metric beyond tolerance, a
// new cell that stopped early, or a new run that did not complete.
func (c *Comparison) Regressed() bool {
	if c.New.Error != "" || c.New.Interrupted {
		return true
	}
	for i := range c.Cells {
		if c.Cells[i].Regressed() {
			return true
		}
	}
	return false
}

// Matched is the number of cells present in both runs.
func (c *Comparison) Matched() int {
	n := 0
	for _, cc := range c.Cells {
		if cc.Status == CellCompared {
			n++
		}
	}
	return n
}

// Compare matches the cells of cur with those of base by name and judges
// every metric under tol. Two single-cell runs are compared even when
// their cell names differ (a renamed scenario).
func Compare(base, cur *result.Result, tol Tolerances) *Comparison {
	cmp := &Comparison{Baseline: runInfo(base), New: runInfo(cur), Tolerances: tol}
	if base.Capacity != nil && cur.Capacity != nil {
		cmp.Cells = append(cmp.Cells, compareCapacity(base.Capacity, cur.Capacity, tol))
	}
	pair := map[int]int{} // base index → cur index
	if len(base.Cells) == 1 && len(cur.Cells) == 1 {
		pair[0] = 0
	} else {
		byName := map[string]int{}
		for i := len(cur.Cells) - 1; i >= 0; i-- {
			byName[cur.Cells[i].Name] = i
		}
		for i := range base.Cells {
			if j, ok := byName[base.Cells[i].Name]; ok {
				pair[i] = j
				delete(byName, base.Cells[i].Name)
			}
		}
	}
	used := map[int]bool{}
	for i := range base.Cells {
		b := &base.Cells[i]
		j, ok := pair[i]
		if !ok {
			cmp.Cells = append(cmp.Cells, CellComparison{Name: b.Name, Status: CellRemoved, BaseError: b.Error})
			continue
		}
		used[j] = true
		cmp.Cells = append(cmp.Cells, compareCell(b, &cur.Cells[j], tol))
	}
	for j := range cur.Cells {
		if !used[j] {
			c := &cur.Cells[j]
			cmp.Cells = append(cmp.Cells, CellComparison{Name: c.Name, Status: CellAdded, Error: c.Error})
		}
	}
	return cmp
}

func compareCell(b, c *result.Cell, tol Tolerances) CellComparison {
	cc := CellComparison{Name: c.Name, Status: CellCompared, Error: c.Error, BaseError: b.Error}
	if b.Name != c.Name {
		cc.BaseName = b.Name
	}
	cc.Setup = setupChanges(b, c)
	cc.Findings = findings(c)
	for _, m := range result.Metrics {
		bv, hasB := m.Value(b)
		nv, hasN := m.Value(c)
		if !hasB && !hasN {
			continue
		}
		bs, ns := m.Samples(b), m.Samples(c)
		if hasB && hasN && samplesUsable(bs, ns) {
			d := judge(m, median(bs), median(ns), true, true, tol.For(m.Name))
			testSamples(&d, bs, ns, tol.alpha(), tol.Paired)
			cc.Metrics = append(cc.Metrics, d)
			continue
		}
		cc.Metrics = append(cc.Metrics, judge(m, bv, nv, hasB, hasN, tol.For(m.Name)))
	}
	if !tol.PerMetric {
		holm(cc.Metrics, tol.alpha())
	}
	for i := range cc.Metrics {
		d := &cc.Metrics[i]
		if d.Stats != nil {
			m, _ := result.MetricByName(d.Name)
			if st := d.Stats; st.Paired && !st.TooFew { // the test tells drift from change: no latency floor
				*d = judgeFloor(m, d.Base, d.New, true, true, d.Tolerance, m.Unit != units.Micros)
				d.Stats = st
			}
			blindTo(d, m.Samples(b), m.Samples(c))
			settle(d)
		}
	}
	return cc
}

// findings are the new cell's own verdicts the gate does not judge: the
// objectives it failed, and a generator that fell behind its schedule
// (events dropped, squall's cores the saturation limit, or send delay the
// larger part of publish p99).
func findings(c *result.Cell) []string {
	var out []string
	var failed []string
	for _, o := range c.SLO {
		if !o.Pass {
			failed = append(failed, fmt.Sprintf("%s %s (limit %s)", o.Name, o.Observed, o.Limit))
		}
	}
	if len(failed) > 0 {
		out = append(out, "the new run failed its own objectives: "+strings.Join(failed, ", "))
	}
	lat := c.Latency
	switch {
	case c.Events.Dropped > 0:
		out = append(out, fmt.Sprintf("the new run's generator fell behind: %s events due were never sent", units.FormatCount(c.Events.Dropped)))
	case c.Saturation != nil && c.Saturation.Limit == "generator":
		out = append(out, "the new run's generator fell behind: squall's own cores were the limit")
	case lat.Service.Count > 0 && lat.SendDelay.P99 > lat.Service.P99 && lat.Publish.P99 > 0:
		out = append(out, fmt.Sprintf("the new run's generator fell behind: send delay p99 %s of publish p99 %s, so its latency is partly squall's own queueing",
			units.FormatMicros(float64(lat.SendDelay.P99)), units.FormatMicros(float64(lat.Publish.P99))))
	}
	return out
}

// setupChanges lists the target and workload settings that differ.
func setupChanges(b, c *result.Cell) []string {
	var out []string
	diff := func(what, x, y string) {
		if x != y {
			out = append(out, fmt.Sprintf("%s %s → %s", what, orDash(x), orDash(y)))
		}
	}
	bt, ct := b.Target, c.Target
	diff("provider", bt.Provider, ct.Provider)
	diff("topology", bt.Topology, ct.Topology)
	diff("persistence", bt.Persistence, ct.Persistence)
	if bn, cn := result.ServerName(bt), result.ServerName(ct); bn == cn {
		diff(bn, result.ServerVersion(bt), result.ServerVersion(ct))
	} else {
		diff("server", result.ServerText(bt), result.ServerText(ct))
	}
	if bt.DataPath != "" && ct.DataPath != "" {
		diff("data path", bt.DataPath, ct.DataPath)
	}
	bw, cw := b.Workload, c.Workload
	diff("pattern", bw.Pattern, cw.Pattern)
	diff("producers×consumers", fmt.Sprintf("%d×%d", bw.Producers, bw.Consumers), fmt.Sprintf("%d×%d", cw.Producers, cw.Consumers))
	diff("rate", units.FormatNumber(bw.Rate), units.FormatNumber(cw.Rate))
	diff("payload", bw.Payload, cw.Payload)
	diff("keys", strconv.Itoa(bw.Keys), strconv.Itoa(cw.Keys))
	diff("pipeline", strconv.Itoa(bw.Pipeline), strconv.Itoa(cw.Pipeline))
	diff("duration", units.FormatSeconds(b.DurationS), units.FormatSeconds(c.DurationS))
	diff("repetitions", strconv.Itoa(max(b.Repeat, 1)), strconv.Itoa(max(c.Repeat, 1)))
	if b.Client.CPUs > 0 && c.Client.CPUs > 0 {
		diff("generator cores", strconv.Itoa(b.Client.CPUs), strconv.Itoa(c.Client.CPUs))
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// judge compares one metric. A gated figure that the baseline has and the
// new run lacks regresses: a gate must not pass because a measurement
// vanished. One only the new run has is shown, not gated.
func judge(m result.Metric, base, cur float64, hasB, hasN bool, t Tolerance) MetricDelta {
	return judgeFloor(m, base, cur, hasB, hasN, t, true)
}

// judgeFloor is judge, with the noise floors or (floor false) without.
func judgeFloor(m result.Metric, base, cur float64, hasB, hasN bool, t Tolerance, floor bool) MetricDelta {
	d := MetricDelta{Name: m.Name, Base: base, New: cur, HasBase: hasB, HasNew: hasN,
		Tolerance: t, unit: m.Unit, higher: m.Better == result.Higher}
	if hasB && hasN && base != 0 && !math.IsInf(base, 0) && !math.IsInf(cur, 0) {
		d.Change = (cur - base) / base
	}
	switch {
	case t.Off || !hasB:
		d.Verdict = VerdictUngated
		return d
	case !hasN:
		d.Verdict = VerdictRegressed
		return d
	}
	allowed := t.Value
	if t.Relative {
		allowed = math.Abs(base) * t.Value
		if floor && !math.IsInf(base, 0) {
			switch m.Unit {
			case units.Micros:
				allowed = math.Max(allowed, LatencyFloorUS)
			case units.Seconds:
				allowed = math.Max(allowed, SecondsFloor)
			}
		}
	}
	slack := 1e-9 * math.Abs(base) // keeps 10% of 110 from failing on rounding
	if d.higher {
		d.Limit = math.Max(0, base-allowed)
		switch {
		case cur < d.Limit-slack:
			d.Verdict = VerdictRegressed
		case cur > base+allowed+slack:
			d.Verdict = VerdictBetter
		default:
			d.Verdict = VerdictOK
		}
		return d
	}
	d.Limit = base + allowed
	if m.Unit == units.Count {
		d.Limit = math.Floor(d.Limit + slack) // counts are whole: 1,243.0 not 1,243.3
	}
	switch {
	case cur > d.Limit+slack:
		d.Verdict = VerdictRegressed
	case cur < base-allowed-slack || (math.IsInf(base, 1) && !math.IsInf(cur, 1)):
		d.Verdict = VerdictBetter
	default:
		d.Verdict = VerdictOK
	}
	return d
}

// fmtValue writes a metric's value in its unit.
func (m MetricDelta) fmtValue(v float64, has bool) string {
	switch {
	case !has:
		return "-"
	case math.IsInf(v, 1):
		return "never"
	}
	switch m.unit {
	case units.Rate:
		return units.FormatRate(v)
	case units.Micros:
		return units.FormatMicros(v)
	case units.Count:
		return units.FormatCount(int64(math.Round(v)))
	}
	return units.FormatSeconds(v)
}

// BaseText is the baseline's value as the renderers write it.
func (m MetricDelta) BaseText() string { return m.fmtValue(m.Base, m.HasBase) }

// NewText is the new run's value as the renderers write it.
func (m MetricDelta) NewText() string { return m.fmtValue(m.New, m.HasNew) }

// ChangeText is the change: a signed percentage, or for counts (and from a
// zero baseline) the signed difference, which is what "lost" readers want.
func (m MetricDelta) ChangeText() string {
	if m.Verdict == VerdictNoChange {
		return "~" // benchstat's mark: the test cannot tell the runs apart
	}
	return m.change()
}

// change is the change as ChangeText writes it, significant or not.
func (m MetricDelta) change() string {
	if !m.HasBase || !m.HasNew || math.IsInf(m.Base, 0) || math.IsInf(m.New, 0) {
		return "-"
	}
	diff := m.New - m.Base
	switch {
	case diff == 0:
		return "0"
	case m.unit == units.Count || m.Base == 0:
		s := m.fmtValue(math.Abs(diff), true)
		if diff < 0 {
			return "-" + s
		}
		return "+" + s
	}
	return fmt.Sprintf("%+.1f%%", m.Change*100)
}

// LimitText is the worst value that passes: "≥ 4,750/s", "≤ 893µs", or
// "-" when not gated.
func (m MetricDelta) LimitText() string {
	switch {
	case m.Tolerance.Off || !m.HasBase:
		return "-"
	case math.IsInf(m.Limit, 1):
		return "any"
	case m.higher:
		return "≥ " + m.fmtValue(m.Limit, true)
	}
	return "≤ " + m.fmtValue(m.Limit, true)
}

// Describe says in one phrase what happened to the metric, for failure
// messages: "throughput fell 20.0%: 5,000/s → 4,000/s (limit ≥ 4,750/s, tolerance 5%)".
func (m MetricDelta) Describe() string {
	if m.HasBase && !m.HasNew {
		return fmt.Sprintf("%s: no figure in the new run (baseline %s)", m.Name, m.BaseText())
	}
	if !m.HasBase {
		return fmt.Sprintf("%s: %s (not in the baseline)", m.Name, m.NewText())
	}
	if math.IsInf(m.New, 1) && !math.IsInf(m.Base, 1) {
		return fmt.Sprintf("%s: never recovered in the new run (baseline %s)", m.Name, m.BaseText())
	}
	verb := "unchanged"
	switch change := strings.TrimPrefix(strings.TrimPrefix(m.change(), "+"), "-"); {
	case m.New > m.Base && m.unit == units.Count:
		verb = "rose by " + change
	case m.New > m.Base:
		verb = "rose " + change
	case m.New < m.Base && m.unit == units.Count:
		verb = "fell by " + change
	case m.New < m.Base:
		verb = "fell " + change
	}
	s := fmt.Sprintf("%s %s: %s → %s", m.Name, verb, m.BaseText(), m.NewText())
	if m.Verdict != VerdictUngated {
		s += fmt.Sprintf(" (limit %s, tolerance %s)", m.LimitText(), m.Tolerance.format(m.unit))
	}
	if st := m.Stats; st != nil {
		s += fmt.Sprintf(", medians, %s", st.PText())
		if st.TooFew {
			s += " (too few samples for the test)"
		}
	}
	return s
}

// Regressions are one line per reason the gate fails, naming the cell.
func (c *Comparison) Regressions() []string {
	var out []string
	if c.New.Interrupted {
		out = append(out, "the new run was interrupted: "+result.Interruption(c.New.Error))
	} else if c.New.Error != "" {
		out = append(out, "the new run did not complete: "+c.New.Error)
	}
	for i := range c.Cells {
		cc := &c.Cells[i]
		if cc.Error != "" && cc.Error != c.New.Error {
			out = append(out, cellLabel(c, cc)+": stopped early: "+cc.Error)
		}
		for _, m := range cc.Metrics {
			if m.Regressed() {
				out = append(out, cellLabel(c, cc)+": "+m.Describe())
			}
		}
	}
	return out
}

// cellLabel names a cell; an unnamed one takes the scenario's name.
func cellLabel(c *Comparison, cc *CellComparison) string {
	if cc.Name != "" {
		return cc.Name
	}
	if c.New.Scenario != "" {
		return c.New.Scenario
	}
	return "(unnamed cell)"
}

// tally counts the gated metrics, the regressed ones, the better ones and
// those with no significant change.
func (c *Comparison) tally() (gated, regressed, better, same int) {
	for _, cc := range c.Cells {
		for _, m := range cc.Metrics {
			switch m.Verdict {
			case VerdictUngated:
				continue
			case VerdictRegressed:
				regressed++
			case VerdictBetter:
				better++
			case VerdictNoChange:
				same++
			}
			gated++
		}
	}
	return gated, regressed, better, same
}

// Headline is the comparison's one-line verdict.
func (c *Comparison) Headline() string {
	gated, regressed, better, same := c.tally()
	if c.Regressed() {
		if regressed == 0 {
			return "REGRESSED: the new run did not complete"
		}
		return fmt.Sprintf("REGRESSED: %d of %d gated %s beyond tolerance", regressed, gated, units.Plural(int64(gated), "metric", "metrics"))
	}
	s := fmt.Sprintf("OK: all %d gated %s within tolerance", gated, units.Plural(int64(gated), "metric", "metrics"))
	if gated == 1 {
		s = "OK: the gated metric is within tolerance"
	}
	var parts []string
	if better > 0 {
		parts = append(parts, fmt.Sprintf("%d better", better))
	}
	if same > 0 {
		parts = append(parts, fmt.Sprintf("%d no significant change", same))
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}

// warnings are what a reader should know that is not a regression.
func (c *Comparison) warnings() []string {
	var out []string
	if c.Baseline.Scenario != c.New.Scenario {
		out = append(out, fmt.Sprintf("the runs are of different scenarios, %s and %s: the figures compare different workloads (see the setup differences below)", c.Baseline.Scenario, c.New.Scenario))
	}
	if c.Baseline.Error != "" {
		out = append(out, "the baseline did not complete, so its figures are partial: "+c.Baseline.Error)
	}
	for i := range c.Cells {
		cc := &c.Cells[i]
		switch {
		case cc.Status == CellRemoved:
			out = append(out, cellLabel(c, cc)+": in the baseline only, not compared")
		case cc.Status == CellAdded:
			out = append(out, cellLabel(c, cc)+": in the new run only, nothing to compare with")
		case cc.BaseName != "":
			out = append(out, fmt.Sprintf("%s: compared with the baseline's only cell, %s", cellLabel(c, cc), cc.BaseName))
		}
		if len(cc.Setup) > 0 {
			out = append(out, cellLabel(c, cc)+": the setup differs: "+strings.Join(cc.Setup, ", "))
		}
		for _, f := range cc.Findings {
			out = append(out, cellLabel(c, cc)+": "+f)
		}
		if b := blindText(cc); b != "" {
			out = append(out, cellLabel(c, cc)+": "+b)
		}
		if cc.BaseError != "" && cc.BaseError != c.Baseline.Error && cc.Status == CellCompared {
			out = append(out, cellLabel(c, cc)+": the baseline cell stopped early, so its figures are partial")
		}
	}
	return append(out, c.footing()...)
}

// footing says what the verdicts rest on where it is not a test over
// enough samples: one figure per side, or too few samples.
func (c *Comparison) footing() []string {
	var single, tooFew []string
	compared, family := 0, 1
	for i := range c.Cells {
		cc := &c.Cells[i]
		if cc.Status != CellCompared {
			continue
		}
		compared++
		one, few := false, ""
		for _, m := range cc.Metrics {
			switch {
			case m.Verdict == VerdictUngated || m.unit == units.Count:
			case m.Stats == nil:
				one = true
			case m.Stats.TooFew:
				few = fmt.Sprintf("%s (%s samples)", cellLabel(c, cc), sizes(m.Stats))
				family = max(family, m.Stats.Family)
			}
		}
		if one {
			single = append(single, cellLabel(c, cc))
		}
		if few != "" {
			tooFew = append(tooFew, few)
		}
	}
	var out []string
	if len(single) > 0 {
		which := "one figure per metric on each side"
		if len(single) < compared {
			which = strings.Join(single, ", ") + ": " + which
		}
		out = append(out, fmt.Sprintf("%s, so the verdicts compare two single measurements and have no statistical footing: on a busy machine a tail percentile moves by tens of percent between runs of identical code. Run each side %d times, the two sides taking turns, for a significance test",
			which, RecommendedRepeat))
	}
	if len(tooFew) > 0 {
		level := fmt.Sprintf("α = %g", c.Tolerances.alpha())
		if family > 1 {
			level += fmt.Sprintf(" shared by %d metrics", family)
		}
		out = append(out, fmt.Sprintf("%s: too few for the test to reach %s (it needs %d per side), so the verdicts are by tolerance alone, with no statistical footing",
			strings.Join(tooFew, "; "), level, MinSamples(c.Tolerances.alpha()/float64(family))))
	}
	return out
}

// toleranceText says which tolerances apply.
func (c *Comparison) toleranceText() []string {
	defaults := strings.Split(DefaultToleranceSpec, ",")
	if c.Tolerances.Spec == "" {
		return append([]string{"defaults:"}, defaults...)
	}
	return append(append(strings.Fields(strings.ReplaceAll(c.Tolerances.Spec, ",", " ")), "over the defaults:"), defaults...)
}
