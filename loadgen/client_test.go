package loadgen

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/squall-bench/squall/internal/resp"
	"github.com/squall-bench/squall/record"
)

// TestWireErrorsClassify: what a resp.Conn reports classifies like go-redis
// errors: a refused connection failed (nothing written), an error reply
// by its class, a reply that never came indeterminate.
func TestWireErrorsClassify(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens: connection refused
	c := resp.NewConn(redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second}).Options())
	var b Batch
	b.Cmd(3, "lpush").Str("k").Bytes([]byte("v"))
	res := make([]resp.Reply, 1)
	c.Exec(&b, res)
	if class, fate := Classify(res[0].Err); class != ClassConnection || fate != Failed {
		t.Errorf("refused: %v classified %v/%v, want connection/failed", res[0].Err, class, fate)
	}

	// A server that answers READONLY, then swallows a command and stalls.
	l, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		nc, err := l.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		buf := make([]byte, 4096)
		nc.Read(buf)
		nc.Write([]byte("-READONLY You can't write against a read only replica.\r\n:7\r\n"))
		io.Copy(io.Discard, nc) // never answers again
	}()
	c = resp.NewConn(redis.NewClient(&redis.Options{Addr: l.Addr().String(), ReadTimeout: 200 * time.Millisecond}).Options())
	b.Reset()
	b.Cmd(3, "lpush").Str("k").Bytes([]byte("v"))
	b.Cmd(3, "wait").Int(1).Int(5)
	res = make([]resp.Reply, 2)
	c.Exec(&b, res)
	if class, fate := Classify(res[0].Err); class != ClassReadOnly || fate != Failed {
		t.Errorf("READONLY reply: %v classified %v/%v", res[0].Err, class, fate)
	}
	if res[1].Err != nil || res[1].N != 7 {
		t.Errorf("integer reply: %+v", res[1])
	}
	b.Reset()
	b.Cmd(3, "lpush").Str("k").Bytes([]byte("v"))
	c.Exec(&b, res[:1])
	if !errors.Is(res[0].Err, os.ErrDeadlineExceeded) {
		t.Errorf("no reply: %v, want a timeout", res[0].Err)
	}
	if class, fate := Classify(res[0].Err); class != ClassTimeout || fate != Indeterminate {
		t.Errorf("no reply: classified %v/%v, want timeout/indeterminate", class, fate)
	}
	if c.Connected() {
		t.Error("the connection stays open after a timeout (its replies would be out of step)")
	}
}

// TestClientSenderPath runs producers and stream consumers through
// go-redis (the cluster and Sentinel path, forced here with a connect
// hook) and checks the accounting against the server's own counts.
func TestClientSenderPath(t *testing.T) {
	tg, _ := startRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: tg.Primary().Addr, MaxRetries: -1, ReadTimeout: 3 * time.Second,
		OnConnect: func(context.Context, *redis.Conn) error { return nil }})
	defer rdb.Close()
	for _, pattern := range []string{"stream", "string"} {
		cfg := Config{Pattern: pattern, Producers: 2, Consumers: 2, Keys: 3, Pipeline: 4, Rate: 2000,
			PayloadMin: 40, PayloadMax: 200, KeyPrefix: "fallback:", Duration: time.Second, Drain: 3 * time.Second, Run: 5,
			Options: map[string]any{"maxlen": 100000}}
		if pattern == "string" {
			cfg.Options = map[string]any{"ttl": "1m"}
		}
		g, err := New(cfg, rdb)
		if err != nil {
			t.Fatal(err)
		}
		if resp.DirectOK(rdb.Options()) {
			t.Fatal("want the go-redis path")
		}
		if err := g.Setup(context.Background()); err != nil {
			t.Fatal(err)
		}
		epoch := time.Now()
		out, err := g.Run(context.Background(), record.NewCollector(epoch), epoch)
		if err != nil {
			t.Fatal(err)
		}
		ev := out.Events
		if ev.Sent < 1900 || ev.Acked != ev.Sent || ev.Received != ev.Sent || ev.Lost != 0 || len(out.Errors) != 0 {
			t.Errorf("%s: events %+v errors %v", pattern, ev, out.Errors)
		}
	}
}
