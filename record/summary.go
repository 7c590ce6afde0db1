package record

// Summary is a latency histogram's headline figures.
type Summary struct {
	Count int64   `json:"count"`
	Min   int64   `json:"min"`
	Mean  float64 `json:"mean"`
	P50   int64   `json:"p50"`
	P90   int64   `json:"p90"`
	P99   int64   `json:"p99"`
	P999  int64   `json:"p999"`
	Max   int64   `json:"max"`
}

// Events is the delivery accounting of the events intended in the
// measured phase.
type Events struct {
	Sent int64 `json:"sent"`
	// Dropped are events that fell due in the measured phase but were never
	// sent: the phase ended while the generator was behind its schedule.
	// They are counted, never sent late (sent + dropped = offered).
	Dropped       int64 `json:"dropped"`
	Acked         int64 `json:"acked"`
	Failed        int64 `json:"failed"`
	Indeterminate int64 `json:"indeterminate"`
	Received      int64 `json:"received"`
	// Lost are events acknowledged, never received and no longer in Redis
	// (all those never received when what Redis held could not be read at
	// the end; the cell's notes then say so).
	Lost int64 `json:"lost"`
	// Stranded are events acknowledged, never received, and still in the
	// pipeline's keys when the run ended (consumer lag, not loss).
	Stranded  int64 `json:"stranded"`
	Recovered int64 `json:"recovered"`
	// Duplicated counts events received more than once;
	// DuplicateDeliveries the deliveries beyond each event's first (an
	// event that arrived three times is one duplicated event and two
	// duplicate deliveries).
	Duplicated          int64 `json:"duplicated"`
	DuplicateDeliveries int64 `json:"duplicate_deliveries"`
	Reordered           int64 `json:"reordered"`
}
