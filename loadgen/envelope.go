package loadgen

import (
	"encoding/binary"
	"errors"
)

// HeaderSize is the envelope's fixed header; payloads are padded up to the
// configured size behind it.
const HeaderSize = 32

// MaxKeys is the most partitions (keys) a load may spread over. The
// envelope has room for 2^32; a consumer's per-event cost is flat in the
// keys up to this many (tested by scripts/bench --scale), and every key is
// a name each producer and consumer keeps.
const MaxKeys = 100_000

const (
	magic0, magic1 = 'S', 'Q'
	envVersion     = 1
	padByte        = 'x'
)

// ErrForeign means bytes read from a key are not an event of this run: a
// truncated or garbled entry, another tool's data, or a previous run's event.
var ErrForeign = errors.New("foreign entry")

// Envelope is the header every event carries. Intended is nanoseconds since
// the run's epoch: the time the event was meant to be sent (or, for delayed
// patterns, when it falls due), so latency is measured from it.
//
// Layout (little endian): "SQ", version, flags, run tag u32, producer u32,
// seq u64, intended i64, partition u32. (The partition's top two bytes
// were reserved, always 0, when it was a u16: events of up to 65,536 keys
// read the same either way.)
type Envelope struct {
	Run       uint32
	Producer  uint32
	Seq       uint64
	Intended  int64
	Partition uint32
}

// Encode writes the envelope into the first HeaderSize bytes of buf, which
// must be at least that long; the rest of buf (padding) is left untouched.
func (e *Envelope) Encode(buf []byte) {
	_ = buf[HeaderSize-1]
	buf[0], buf[1], buf[2], buf[3] = magic0, magic1, envVersion, 0
	binary.LittleEndian.PutUint32(buf[4:], e.Run)
	binary.LittleEndian.PutUint32(buf[8:], e.Producer)
	binary.LittleEndian.PutUint64(buf[12:], e.Seq)
	binary.LittleEndian.PutUint64(buf[20:], uint64(e.Intended))
	binary.LittleEndian.PutUint32(buf[28:], e.Partition)
}

// Decode reads an envelope; any input that is not a well-formed event of run
// is reported as ErrForeign, never a panic.
func Decode(b []byte, run uint32) (Envelope, error) { return decode(b, run) }

// DecodeString is Decode for replies that go-redis hands back as strings.
func DecodeString(s string, run uint32) (Envelope, error) { return decode(s, run) }

func decode[T string | []byte](b T, run uint32) (Envelope, error) {
	if len(b) < HeaderSize || b[0] != magic0 || b[1] != magic1 || b[2] != envVersion {
		return Envelope{}, ErrForeign
	}
	e := Envelope{
		Run:       le32(b[4:8]),
		Producer:  le32(b[8:12]),
		Seq:       uint64(le32(b[12:16])) | uint64(le32(b[16:20]))<<32,
		Intended:  int64(uint64(le32(b[20:24])) | uint64(le32(b[24:28]))<<32),
		Partition: le32(b[28:32]),
	}
	if e.Run != run {
		return Envelope{}, ErrForeign
	}
	return e, nil
}

// le32 reads 4 little-endian bytes.
func le32[T string | []byte](b T) uint32 {
	_ = b[3]
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// padded returns a buffer of n bytes whose tail is padding, for reuse.
func padded(n int) []byte {
	b := make([]byte, n)
	for i := HeaderSize; i < n; i++ {
		b[i] = padByte
	}
	return b
}
