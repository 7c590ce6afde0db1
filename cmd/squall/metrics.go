package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/squall-bench/squall/live"
)

// maxLinger bounds --metrics-linger: long enough for any scrape interval,
// short enough that a forgotten flag does not keep a CI job alive.
const maxLinger = 10 * time.Minute

// checkMetricsFlags refuses a --metrics-addr that is not HOST:PORT with
// both named (":9100" would silently listen on every interface: say
// 0.0.0.0:9100 for that) and a linger without an address or out of range.
func checkMetricsFlags(addr string, linger time.Duration) error {
	if addr == "" {
		if linger != 0 {
			return usagef("--metrics-linger needs --metrics-addr")
		}
		return nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" || port == "" {
		return usagef("--metrics-addr %q: expected HOST:PORT, e.g. 127.0.0.1:9464 (0.0.0.0:9464 to be scraped from other machines)", addr)
	}
	if linger < 0 || linger > maxLinger {
		return usagef("--metrics-linger %s: expected 0 to %s", linger, maxLinger)
	}
	return nil
}

// serveMetrics binds --metrics-addr, if given, before anything is stood
// up: a port already taken is refused (exit 2) rather than found out
// mid-run.
func serveMetrics(addr string, stderr io.Writer) (*live.Server, error) {
	if addr == "" {
		return nil, nil
	}
	s, err := live.Listen(addr)
	if err != nil {
		return nil, usagef("%v", err)
	}
	fmt.Fprintf(stderr, "metrics: http://%s/metrics\n", s.Addr())
	return s, nil
}

// stopMetrics keeps serving for linger (cut short by ctx: Ctrl-C), then
// stops the server; in-flight scrapes get a second.
func stopMetrics(ctx context.Context, s *live.Server, linger time.Duration, stderr io.Writer) {
	if s == nil {
		return
	}
	if linger > 0 {
		fmt.Fprintf(stderr, "metrics: serving the final figures for %s more\n", linger)
		t := time.NewTimer(linger)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	_ = s.Close(cctx)
}
