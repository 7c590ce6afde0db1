package loadgen

import (
	"errors"
	"testing"
)

// FuzzDecode feeds the envelope decoder what a consumer may read from a
// shared key: truncated envelopes, other runs' events, other tools' data,
// garbage. It must never panic, DecodeString must agree with Decode, and
// whatever it accepts must be an event of the run that re-encodes to the
// same header. The seed corpus is in testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	valid := padded(64)
	(&Envelope{Run: 7, Producer: 1, Seq: 2, Intended: 3, Partition: 4}).Encode(valid)
	f.Add(valid, uint32(7))
	f.Add(valid[:HeaderSize-1], uint32(7))
	f.Add([]byte("not an event"), uint32(7))
	f.Fuzz(func(t *testing.T, b []byte, run uint32) {
		e, err := Decode(b, run)
		es, errs := DecodeString(string(b), run)
		if e != es || (err == nil) != (errs == nil) {
			t.Fatalf("Decode = %+v, %v; DecodeString = %+v, %v", e, err, es, errs)
		}
		if err != nil {
			if !errors.Is(err, ErrForeign) || e != (Envelope{}) {
				t.Fatalf("rejected with %+v, %v: want a zero envelope and ErrForeign", e, err)
			}
			return
		}
		if len(b) < HeaderSize || e.Run != run {
			t.Fatalf("accepted %d bytes as %+v for run %d", len(b), e, run)
		}
		buf := make([]byte, HeaderSize)
		e.Encode(buf)
		for i := range buf {
			if i == 3 { // the flags are not read
				continue
			}
			if buf[i] != b[i] {
				t.Fatalf("re-encoding %+v differs at byte %d: %x vs %x", e, i, buf, b[:HeaderSize])
			}
		}
		if back, err := Decode(buf, run); err != nil || back != e {
			t.Fatalf("round trip: %+v, %v; want %+v", back, err, e)
		}
	})
}
