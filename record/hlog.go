package record

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// HlogWriter writes an interval log outside a Collector (squall merge
// writes the sum of several processes' logs with it), in the same format.
type HlogWriter struct{ l hlogWriter }

// NewHlogWriter writes the log's header: its intervals count from begin.
func NewHlogWriter(w io.Writer, begin time.Time, comment string) (*HlogWriter, error) {
	hw := &HlogWriter{hlogWriter{w: w}}
	return hw, hw.l.header(begin, comment)
}

// Interval appends one interval, start since begin. h must have squall's
// range and precision (NewHistogram).
func (hw *HlogWriter) Interval(start, length time.Duration, h *hdrhistogram.Histogram) error {
	return hw.l.interval(start, length, h.Export().Counts, h.Max())
}

// hlogWriter writes the standard HdrHistogram interval log format (v1.3):
// a header, then "start,length,max,base64-histogram" per interval with times
// in seconds and the max in milliseconds, as HdrHistogram's tools expect.
type hlogWriter struct {
	w   io.Writer
	enc hlogEncoder
}

func (l *hlogWriter) header(start time.Time, comment string) error {
	ms := start.UnixMilli()
	_, err := fmt.Fprintf(l.w, "#[%s]\n#[Histogram log format version %s]\n#[StartTime: %.3f (seconds since epoch), %s]\n%s\n",
		comment, hdrhistogram.HISTOGRAM_LOG_FORMAT_VERSION, float64(ms)/1000, start.UTC().Format(time.RFC3339),
		`"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"`)
	return err
}

// interval appends one interval: counts are a histogram of squall's
// geometry bucket by bucket, maxUS its highest value.
func (l *hlogWriter) interval(start, length time.Duration, counts []int64, maxUS int64) error {
	enc, err := l.enc.encode(counts)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(l.w, "%.3f,%.3f,%.3f,%s\n", start.Seconds(), length.Seconds(), float64(maxUS)/1000, enc)
	return err
}

// The cookies of HdrHistogram's V2 encoding (uncompressed payload and the
// compressed envelope), as every implementation writes them.
const (
	v2EncodingCookie           = 0x1c849303 | 0x10
	v2CompressedEncodingCookie = 0x1c849304 | 0x10
)

// hlogEncoder writes a histogram in HdrHistogram's V2 compressed encoding
// (base64 of cookie, length, zlib of header and ZigZag LEB128 counts with
// runs of zeros as negative counts), byte for byte the payload
// hdrhistogram-go's Encode compresses. It exists because Encode makes a
// new best-compression zlib writer per call, ~800 KB: the four a run's
// clock encoded every second were most of the generator's garbage and a
// GC cycle about every second (12 in a 10 s quickstart, 3 without),
// each one a stall on the cores the producers send from. This one keeps
// its buffers and zlib writer, and compresses at BestSpeed (any zlib
// level decodes the same).
type hlogEncoder struct {
	raw, z bytes.Buffer
	zw     *zlib.Writer
	out    []byte
}

// encode returns counts encoded; the slice is valid until the next call.
func (e *hlogEncoder) encode(counts []int64) ([]byte, error) {
	limit := len(counts)
	for limit > 1 && counts[limit-1] == 0 {
		limit--
	}
	limit = max(limit, 1) // an empty histogram still encodes one zero count
	e.raw.Reset()
	var hdr [40]byte
	be := binary.BigEndian
	be.PutUint32(hdr[0:], v2EncodingCookie)
	// hdr[4:8] is the counts' length, filled in below; hdr[8:12] the
	// normalizing index offset, 0 (counts are written unrotated).
	be.PutUint32(hdr[12:], histSigFigs)
	be.PutUint64(hdr[16:], histLowest)
	be.PutUint64(hdr[24:], uint64(histHighest))
	be.PutUint64(hdr[32:], math.Float64bits(1)) // integer-to-double ratio
	e.raw.Write(hdr[:])
	var v [binary.MaxVarintLen64]byte
	for i := 0; i < limit; {
		n := counts[i]
		i++
		if n == 0 {
			zeros := int64(1)
			for i < limit && counts[i] == 0 {
				zeros++
				i++
			}
			if zeros > 1 {
				n = -zeros
			}
		}
		if n >= 1<<55 {
			return nil, fmt.Errorf("hlog: count %d beyond what the encoder writes", n)
		}
		// ZigZag, then LEB128: below 2^56 (counts below 2^55, zero runs
		// no longer than a histogram), the 9-byte LEB128-64b9B format
		// is the standard varint.
		e.raw.Write(v[:binary.PutUvarint(v[:], uint64(n<<1^n>>63))])
	}
	b := e.raw.Bytes()
	be.PutUint32(b[4:], uint32(len(b)-len(hdr)))

	e.z.Reset()
	var env [8]byte
	be.PutUint32(env[0:], v2CompressedEncodingCookie)
	e.z.Write(env[:]) // env[4:8], the compressed length, is filled in below
	if e.zw == nil {
		e.zw, _ = zlib.NewWriterLevel(&e.z, zlib.BestSpeed) // a valid level: no error
	} else {
		e.zw.Reset(&e.z)
	}
	if _, err := e.zw.Write(b); err != nil {
		return nil, err
	}
	if err := e.zw.Close(); err != nil {
		return nil, err
	}
	zb := e.z.Bytes()
	be.PutUint32(zb[4:], uint32(len(zb)-len(env)))
	e.out = base64.StdEncoding.AppendEncode(e.out[:0], zb)
	return e.out, nil
}
