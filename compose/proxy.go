package compose

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
)

// ProxyProcesses counts the docker-proxy processes on this machine that
// forward the target's published ports while clients use them (the
// published data path). Each copies every command and reply between two
// sockets, on the same cores as squall and Redis. It is 0 on the direct
// path, on other providers, for a remote engine, and where the engine
// forwards published ports in the kernel (userland-proxy off).
func (t *Target) ProxyProcesses() int {
	path := t.DataPath
	if path == PathProxy {
		path = t.pathBehind // squall's fault proxy relays to the published ports
	}
	if t.Provider != "docker" || path != PathPublished {
		return 0
	}
	ports := map[string]bool{}
	for _, n := range t.Nodes {
		if _, p := splitHostPort(n.Published); p != "" {
			ports[p] = true
		}
	}
	return countProxies("/proc", ports)
}

// countProxies counts the processes under procDir whose command line is
// docker-proxy ... -host-port P ... with P one of ports.
func countProxies(procDir string, ports map[string]bool) int {
	entries, err := os.ReadDir(procDir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(procDir, e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := bytes.Split(bytes.TrimRight(b, "\x00"), []byte{0})
		if len(args) == 0 || filepath.Base(string(args[0])) != "docker-proxy" {
			continue
		}
		for i := 1; i+1 < len(args); i++ {
			if string(args[i]) == "-host-port" && ports[string(args[i+1])] {
				n++
				break
			}
		}
	}
	return n
}
