package loadgen

import (
	"testing"
	"time"
)

func TestZZProfFanOut(t *testing.T) {
	_, rdb := startRedis(t)
	cfg := Config{Pattern: "pubsub", Producers: 4, Consumers: 100, Keys: 4, Pipeline: 1, Rate: 1000,
		PayloadMin: 64, PayloadMax: 64, KeyPrefix: "prof:", Duration: 4 * time.Second, Drain: 2 * time.Second, Run: 9}
	g, err := New(cfg, rdb)
	if err != nil {
		t.Fatal(err)
	}
	out := runInternal(t, g, nil)
	t.Logf("%+v", out.Events)
}
