package loadgen

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/internal/resp"
)

// TestLargePayloadsBoundedByInFlight: with 1 MiB events backed up in every
// stream, a consumer's read brings back at most readBudget (4 MiB), not
// batch × payload per stream (64 MiB each before), and still takes every
// event; a producer holds one payload beside its batch.
func TestLargePayloadsBoundedByInFlight(t *testing.T) {
	_, rdb := startRedis(t)
	const payload, keys, per = 1 << 20, 4, 12
	for _, pattern := range []string{"stream", "list"} {
		t.Run(pattern, func(t *testing.T) {
			cfg := Config{Pattern: pattern, Producers: 1, Consumers: 1, Keys: keys, Pipeline: 16, PayloadMin: payload, PayloadMax: payload,
				KeyPrefix: "big:", Duration: time.Hour, Run: 91}
			g, err := New(cfg, rdb)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := g.Setup(ctx); err != nil {
				t.Fatal(err)
			}
			g.epoch = time.Now()
			g.env.Epoch = g.epoch
			p := g.newProducer(0, &worker{})
			if len(p.buf) != payload {
				t.Errorf("the producer holds %d bytes of event buffer, want one payload", len(p.buf))
			}
			ev := padded(payload)
			out := resp.NewConn(rdb.(*redis.Client).Options())
			defer out.Close()
			var b Batch
			for seq := range uint64(keys * per) {
				b.Reset()
				e := Envelope{Run: cfg.Run, Seq: seq, Partition: uint32(seq % keys)}
				e.Encode(ev)
				g.pattern.Queue(&b, e, ev)
				res := make([]resp.Reply, b.Len())
				out.Exec(&b, res)
				if res[0].Err != nil {
					t.Fatal(res[0].Err)
				}
			}
			r, _ := g.newReader(0, "big")
			defer r.(io.Closer).Close()
			got, largest := 0, 0
			take := func(raw string, _ int64) bool {
				if len(raw) == payload {
					got++
				}
				return true
			}
			for tries := 0; got < keys*per && tries < 1000; tries++ {
				if err := r.Read(ctx, take); err != nil {
					t.Fatal(err)
				}
				largest = max(largest, replyBytes(r))
			}
			t.Logf("%d events of 1 MiB read, the largest read %.1f MiB", got, float64(largest)/(1<<20))
			if got != keys*per {
				t.Errorf("read %d of %d events", got, keys*per)
			}
			if largest > readBudget+64<<10 {
				t.Errorf("a read brought back %d bytes, want at most readBudget (%d)", largest, readBudget)
			}
		})
	}
}

// replyBytes is the size of a reader's last replies.
func replyBytes(r Reader) int {
	switch r := r.(type) {
	case *streamReader:
		return r.rep.Size()
	case *listReader:
		return r.pop.rep.Size()
	}
	return 0
}
