package report

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
	Faults   []string
}

// Brief is the per-second latency triple, in microseconds.
type Brief struct {
	P50, P99, Max int64
}
