package compose

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"time"
)

// Data paths: how clients on the host reach a docker target's nodes.
const (
	// PathDirect dials each container's address on the run's pub network:
	// a veth pair and a bridge, the cost of any container network.
	PathDirect = "direct"
	// PathPublished dials ports published on 127.0.0.1, which Docker
	// forwards (docker-proxy: a process copying every byte both ways).
	PathPublished = "published"
)

// DataPaths are the values Spec.DataPath takes ("" means auto).
var DataPaths = []string{"auto", PathDirect, PathPublished}

// dataPath decides, once per run, whether clients dial the containers'
// pub addresses or their published ports, and reports whether n's clients
// dial it directly. The first node that answers decides by trying: the
// host reaches a bridge network's container addresses on a local Linux
// engine, but not on Docker Desktop, a rootless or a remote engine.
func (l *dockerLauncher) dataPath(ctx context.Context, b *box) (bool, error) {
	l.pathMu.Lock()
	defer l.pathMu.Unlock()
	if l.path != "" {
		return l.path == PathDirect, nil
	}
	if l.wantPath == PathPublished {
		l.path = PathPublished
		l.pathNote = "target.data_path published: clients reach the containers through ports published on 127.0.0.1"
		return false, nil
	}
	err := probeRESP(ctx, b.direct(), time.Second)
	if err != nil {
		err = probeRESP(ctx, b.direct(), time.Second) // once more: a dropped SYN costs a second
	}
	switch {
	case err == nil:
		l.path = PathDirect
		l.pathNote = fmt.Sprintf("clients dial the containers' own addresses on the run's network %s (%s answered from the host)", l.pubNet, b.direct())
	case l.wantPath == PathDirect:
		return false, infraErr("target.data_path direct: the host cannot reach container address %s (%v); set target.data_path to auto or published", b.direct(), err)
	default:
		l.path = PathPublished
		l.pathNote = fmt.Sprintf("the host cannot reach container address %s (%v), as with Docker Desktop, rootless or remote engines: clients go through ports published on 127.0.0.1", b.direct(), err)
	}
	return l.path == PathDirect, nil
}

// probeRESP checks that a RESP server answers at addr within timeout: an
// inline PING gets +PONG, or an error reply such as NOAUTH; either proves
// the address reaches the server.
func probeRESP(ctx context.Context, addr string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	deadline, _ := ctx.Deadline()
	_ = c.SetDeadline(deadline)
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line == "" || (line[0] != '+' && line[0] != '-') {
		return fmt.Errorf("not a RESP reply: %q", line)
	}
	return nil
}
