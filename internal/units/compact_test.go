package units

import "testing"

func TestCompact(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 812: "812", 9999: "9999", 20000: "20.0k", 182340: "182.3k", 999_949: "999.9k", 1_250_000: "1.25M"} {
		if got := CompactCount(n); got != want {
			t.Errorf("CompactCount(%d) = %q, want %q", n, got, want)
		}
	}
	for v, want := range map[int64]string{0: "-", 812: "812µs", 999: "999µs", 1000: "1ms", 1210: "1.21ms", 110_079: "110ms", 99_960: "100ms", 999_600: "1s", 6_213_000: "6.21s"} {
		if got := Latency(v); got != want {
			t.Errorf("Latency(%d) = %q, want %q", v, got, want)
		}
	}
	for v, want := range map[int64]string{0: "-", 812: "812µs", 1210: "1.2ms", 9949: "9.9ms", 9950: "10ms", 35_000: "35ms", 999_499: "999ms", 6_200_000: "6.2s", 12_000_000: "12s"} {
		if got := CompactMicros(v); got != want {
			t.Errorf("CompactMicros(%d) = %q, want %q", v, got, want)
		}
	}
}
