package testenv

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Snapshot is what a user's Redis holds that squall must leave alone:
// every key's DUMP bytes (and whether it expires) in the DBs taken, and
// the whole configuration (CONFIG GET *).
type Snapshot struct {
	Keys   map[string]string // "DB/key" -> DUMP bytes, "+ttl" when the key expires
	Config map[string]string
}

// TakeSnapshot reads every key of each db and the configuration of the
// server at addr.
func TakeSnapshot(tb testing.TB, addr string, dbs ...int) Snapshot {
	tb.Helper()
	ctx := context.Background()
	s := Snapshot{Keys: map[string]string{}}
	for _, db := range dbs {
		c := redis.NewClient(&redis.Options{Addr: addr, DB: db})
		keys, err := c.Keys(ctx, "*").Result()
		if err != nil {
			tb.Fatal(err)
		}
		for _, k := range keys {
			d, err := c.Dump(ctx, k).Result()
			if err != nil {
				tb.Fatalf("DUMP %s in DB %d: %v", k, db, err)
			}
			if ttl, _ := c.PTTL(ctx, k).Result(); ttl > 0 {
				d += "+ttl"
			}
			s.Keys[fmt.Sprintf("%d/%s", db, k)] = d
		}
		if s.Config == nil {
			if s.Config, err = c.ConfigGet(ctx, "*").Result(); err != nil {
				tb.Fatal(err)
			}
		}
		c.Close()
	}
	return s
}

// Diff lists what differs from before to s, one line each, sorted.
func (s Snapshot) Diff(before Snapshot) []string {
	var d []string
	for k, v := range before.Keys {
		switch now, ok := s.Keys[k]; {
		case !ok:
			d = append(d, "key "+k+" is gone")
		case now != v:
			d = append(d, "key "+k+" changed (DUMP bytes or TTL)")
		}
	}
	for k := range s.Keys {
		if _, ok := before.Keys[k]; !ok {
			d = append(d, "key "+k+" is new")
		}
	}
	for k, v := range before.Config {
		if now := s.Config[k]; now != v {
			d = append(d, fmt.Sprintf("config %s: %q, was %q", k, now, v))
		}
	}
	for k := range s.Config {
		if _, ok := before.Config[k]; !ok {
			d = append(d, "config "+k+" is new")
		}
	}
	sort.Strings(d)
	return d
}

// SeedUnrelated writes keys of every common type into DB 0 and DB 1 of the
// server at addr, some expiring in an hour, some named near squall's own
// (squall:other, squall:{listx:0}) without matching its key pattern, and
// in DB 1 some with squall's very names: the data of a user whose Redis
// squall is pointed at.
func SeedUnrelated(tb testing.TB, addr string) {
	tb.Helper()
	ctx := context.Background()
	for _, db := range []int{0, 1} {
		c := redis.NewClient(&redis.Options{Addr: addr, DB: db})
		p := fmt.Sprintf("user%d:", db)
		_, err := c.TxPipelined(ctx, func(p2 redis.Pipeliner) error {
			p2.Set(ctx, p+"string", "value", 0)
			p2.Set(ctx, p+"expiring", "soon", time.Hour)
			p2.HSet(ctx, p+"hash", "a", 1, "b", "two")
			p2.RPush(ctx, p+"list", "x", "y", "z")
			p2.SAdd(ctx, p+"set", "m1", "m2")
			p2.ZAdd(ctx, p+"zset", redis.Z{Score: 1, Member: "one"}, redis.Z{Score: 2, Member: "two"})
			p2.XAdd(ctx, &redis.XAddArgs{Stream: p + "stream", ID: "1-1", Values: []any{"f", "v"}})
			p2.Expire(ctx, p+"hash", time.Hour)
			p2.Set(ctx, "squall:other", db, 0)
			p2.RPush(ctx, "squall:{listx:0}", "not squall's")
			p2.Set(ctx, "squall", "bare", 0)
			if db == 1 { // squall's own names, in a DB squall never uses
				p2.RPush(ctx, "squall:{list:0}", "DB 1 is not squall's")
				p2.Set(ctx, "squall:{string:0}:event:0-1", "DB 1 is not squall's", 0)
			}
			return nil
		})
		c.Close()
		if err != nil {
			tb.Fatal(err)
		}
	}
}
