package report

import "github.com/squall-bench/squall/record"

// timelineFixture is a few seconds of a failover timeline, ending with a
// partial second.
func timelineFixture() []record.Second {
	return []record.Second{
		{T: 1, Dt: 1, Sent: 20000, Acked: 20000, Received: 19994, Publish: record.Brief{P50: 410, P99: 1210, Max: 3020}, EndToEnd: record.Brief{P50: 650, P99: 2390, Max: 5100},
			Service: record.Brief{P50: 395, P99: 1150, Max: 2990}},
		{T: 2.0004, Dt: 1.0004, Sent: 20001, Acked: 12003, Received: 11870, Errors: 620, Publish: record.Brief{P50: 455, P99: 990_000, Max: 1_002_000},
			EndToEnd: record.Brief{P50: 700, P99: 995_000, Max: 1_010_000}, Service: record.Brief{P50: 430, P99: 985_000, Max: 1_001_000},
			Faults: []record.Marker{{AtS: 1.412, Label: "kill redis-1 (primary)"}}},
		{T: 3, Dt: 0.9996, Sent: 19999, Acked: 0, Received: 0, Errors: 19999,
			Faults: []record.Marker{{AtS: 2.761, Label: "failover: redis-2 promoted"}, {AtS: 2.9, Label: "note, with comma"}}},
		{T: 4, Dt: 1, Sent: 20000, Acked: 26110, Received: 26201, Publish: record.Brief{P50: 480, P99: 6_210_000, Max: 6_400_000},
			EndToEnd: record.Brief{P50: 720, P99: 6_350_000, Max: 6_500_000}},
		{T: 4.3, Dt: 0.3, Sent: 6000, Acked: 6000, Received: 6010, Publish: record.Brief{P50: 470, P99: 1300, Max: 2900},
			EndToEnd: record.Brief{P50: 690, P99: 2400, Max: 4800}},
	}
}
