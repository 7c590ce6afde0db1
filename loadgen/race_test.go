//go:build race

package loadgen

// raceEnabled: the race detector multiplies memory (shadow words per
// word), so memory figures are not measured under it.
const raceEnabled = true
