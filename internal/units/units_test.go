package units

import (
	"math"
	"testing"
)

func TestFormatMicros(t *testing.T) {
	for _, tc := range []struct {
		us   float64
		want string
	}{
		{0, "0s"},
		{1, "1µs"},
		{812, "812µs"},
		{999.4, "999µs"},
		{999.6, "1ms"},
		{1000, "1ms"},
		{1240, "1.24ms"},
		{1245.1, "1.25ms"},
		{12_400, "12.4ms"},
		{124_000, "124ms"},
		{999_700, "1s"},
		{2_500_000, "2.5s"},
		{15_000_000, "15s"},
		{59_990_000, "60s"},
		{99_940_000, "99.9s"},
		{99_960_000, "1m40s"},
		{300_000_000, "5m"},
		{3_599_000_000, "59m59s"},
		{3_600_000_000, "1h"},
		{3_725_000_000, "1h02m"},
		{-1500, "-1.5ms"},
		{math.NaN(), "-"},
	} {
		if got := FormatMicros(tc.us); got != tc.want {
			t.Errorf("FormatMicros(%v) = %q, want %q", tc.us, got, tc.want)
		}
	}
}

func TestFormatCountAndRate(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0", 7: "7", 999: "999", 1000: "1,000", 1234567: "1,234,567", -45000: "-45,000",
		math.MinInt64: "-9223372036854775808",
	} {
		if got := FormatCount(n); got != want {
			t.Errorf("FormatCount(%d) = %q, want %q", n, got, want)
		}
	}
	for v, want := range map[float64]string{
		0: "0/s", 2.5: "2.5/s", 2.04: "2/s", 99.94: "99.9/s", 99.96: "100/s", 4987.3: "4,987/s", 19998.7: "19,999/s",
	} {
		if got := FormatRate(v); got != want {
			t.Errorf("FormatRate(%v) = %q, want %q", v, got, want)
		}
	}
}
