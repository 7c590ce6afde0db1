package record

// Second is one row of the timeline: what happened during one second of the
// run, counted by when it happened (not by the events' intended send times).
type Second struct {
	T float64 // seconds since the start of the measured phase (end of the interval)
	// Dt is the interval's length in seconds: 1 for whole seconds; the
	// last row of the measured phase and of the drain may be shorter.
	Dt       float64
	Sent     int64
	Acked    int64
	Received int64
	Errors   int64
	Publish  Brief // publish latency of the operations completed in this second
	EndToEnd Brief // end-to-end latency of the events received in this second
	Service  Brief // service time (actual send → reply) of the writes acknowledged in this second
	// Faults are the fault events (fired, healed, promoted, …) recorded
	// while this row was being measured, each with its own time.
	Faults []Marker
}

// Marker is one fault event on the timeline: its time in seconds since the
// start of the measured phase, rounded to the millisecond as result.json's
// at_s, healed_at_s and promoted_at_s are, so the same event reads the same
// everywhere, and what happened.
type Marker struct {
	AtS   float64
	Label string
}

// Brief is the per-second latency triple, in microseconds.
type Brief struct {
	P50, P99, Max int64
}
