package record

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"io"
	"math/rand"
	"runtime"
	"slices"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// payload returns an encoded histogram's uncompressed V2 payload.
func payload(t *testing.T, enc []byte) []byte {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(string(enc))
	if err != nil {
		t.Fatal(err)
	}
	z, err := zlib.NewReader(bytes.NewReader(raw[8:]))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHlogEncoderMatchesLibrary checks the reusing encoder against
// hdrhistogram-go's Encode: the same uncompressed payload byte for byte,
// and a log line the library decodes to the same histogram. One encoder
// serves every case in turn, as a collector's does second after second.
func TestHlogEncoderMatchesLibrary(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	cases := []struct {
		name   string
		values map[int64]int64 // value → count
	}{
		{"empty", nil},
		{"one value", map[int64]int64{97: 1}},
		{"zero", map[int64]int64{0: 3}},
		{"range edges", map[int64]int64{histLowest: 2, histHighest: 1}},
		{"big counts", map[int64]int64{100: 1 << 40, 101: 1, 5_000_000: 1 << 33}},
		{"a second of a run", func() map[int64]int64 {
			m := map[int64]int64{}
			for range 5000 {
				m[int64(50+r.ExpFloat64()*60)]++
			}
			for range 40 {
				m[int64(500+r.Intn(3000))]++
			}
			return m
		}()},
		{"one value again", map[int64]int64{3: 1}},
	}
	var enc hlogEncoder
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHistogram()
			for v, n := range tc.values {
				if err := h.RecordValues(v, n); err != nil {
					t.Fatal(err)
				}
			}
			want, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
			if err != nil {
				t.Fatal(err)
			}
			got, err := enc.encode(h.Export().Counts)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(payload(t, got), payload(t, want)) {
				t.Fatalf("payload differs from hdrhistogram-go's:\n got %x\nwant %x", payload(t, got)[:64], payload(t, want)[:64])
			}
			d, err := hdrhistogram.Decode(got)
			if err != nil {
				t.Fatal(err)
			}
			if d.TotalCount() != h.TotalCount() || d.Max() != h.Max() || !slices.Equal(d.Export().Counts, h.Export().Counts) {
				t.Fatalf("decoded: count %d max %d, want %d %d", d.TotalCount(), d.Max(), h.TotalCount(), h.Max())
			}
		})
	}
}

// TestTickLogAllocatesLittle pins why hlogEncoder exists: a collector
// writing all four logs allocates a few KB a tick, not the ~3 MB four
// library encodes did (each a fresh best-compression zlib writer).
func TestTickLogAllocatesLittle(t *testing.T) {
	epoch := time.Unix(1_700_000_000, 0)
	c := NewCollector(epoch)
	var ws [NumKinds]io.Writer
	for k := range ws {
		ws[k] = io.Discard
	}
	if err := c.LogTo(ws, "test"); err != nil {
		t.Fatal(err)
	}
	r := c.NewRecorder(Publish, EndToEnd, SendDelay, Service)
	now := epoch
	tick := func() {
		for k := range NumKinds {
			for v := range int64(2000) {
				r.Record(k, 40+v%700)
			}
		}
		now = now.Add(1e9)
		if _, err := c.Tick(now); err != nil {
			t.Fatal(err)
		}
	}
	tick() // buffers and zlib writers made once
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const ticks = 5
	for range ticks {
		tick()
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / ticks; per > 64<<10 {
		t.Errorf("a tick allocates %d bytes, want < 64 KB", per)
	}
}
