package loadgen

import "testing"

// TestLastSeenCountsReorders: the dense table (few pairs) and the sparse
// one (many) count the same events as out of order, per producer and
// partition.
func TestLastSeenCountsReorders(t *testing.T) {
	type ev struct {
		producer, partition uint32
		seq                 uint64
	}
	events := []ev{{0, 0, 0}, {0, 1, 1}, {1, 0, 0}, {0, 0, 2}, {0, 0, 1}, {0, 1, 3}, {1, 0, 1}, {0, 1, 1}, {0, 0, 4}}
	want := []bool{false, false, false, false, true, false, false, true, false}
	for _, tc := range []struct {
		name            string
		producers, keys int
		sparse          bool
	}{{"dense", 2, 2, false}, {"sparse", 10_000, 100_000, true}} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLastSeen(tc.producers, tc.keys)
			if (l.sparse != nil) != tc.sparse {
				t.Fatalf("sparse = %v, want %v", l.sparse != nil, tc.sparse)
			}
			for i, e := range events {
				if got := l.see(e.producer, e.partition, e.seq); got != want[i] {
					t.Errorf("event %d %+v: reordered = %v, want %v", i, e, got, want[i])
				}
			}
		})
	}
}
