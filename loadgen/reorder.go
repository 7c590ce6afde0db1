package loadgen

// lastSeen is, for one consumer, the sequence number (+1) it last received
// per producer and partition, to count events received out of order. A
// dense table of producers × keys would cost a consumer gigabytes with
// thousands of producers and keys, so past a few thousand pairs it keeps
// only the pairs the consumer has seen: memory grows with what it received
// (and never beyond its pairs), not with the pipeline's shape.
type lastSeen struct {
	keys   int
	dense  []uint64          // producers × keys, when small
	sparse map[uint64]uint64 // producer<<32 | partition → seq+1, otherwise
}

// denseLastSeen is the most pairs kept in a dense table (32 KB).
const denseLastSeen = 4096

func newLastSeen(producers, keys int) *lastSeen {
	l := &lastSeen{keys: keys}
	if producers*keys <= denseLastSeen {
		l.dense = make([]uint64, producers*keys)
	} else {
		l.sparse = map[uint64]uint64{}
	}
	return l
}

// see records event (producer, partition, seq) and reports whether a later
// event of the same producer and partition arrived before it.
func (l *lastSeen) see(producer, partition uint32, seq uint64) (reordered bool) {
	if l.dense != nil {
		slot := &l.dense[int(producer)*l.keys+int(partition)]
		if seq+1 < *slot {
			return true
		}
		*slot = seq + 1
		return false
	}
	k := uint64(producer)<<32 | uint64(partition)
	if seq+1 < l.sparse[k] {
		return true
	}
	l.sparse[k] = seq + 1
	return false
}
