package report

import "github.com/squall-bench/squall/result"

// serverRunText is the server and how it ran: "valkey 8.0.1 on docker
// (direct)", for the comparison tables of a matrix across servers.
func serverRunText(t result.TargetInfo) string {
	s := result.ServerText(t)
	if s == "" {
		s = "-"
	}
	if t.Provider != "" {
		s += " on " + t.Provider
		if t.Provider == "docker" && t.DataPath != "" {
			s += " (" + t.DataPath + ")"
		}
	}
	return s
}

// serversDiffer reports whether the cells ran different servers, or the
// same one differently, so comparison tables name each cell's.
func serversDiffer(cells []result.Cell) bool {
	for i := 1; i < len(cells); i++ {
		if serverRunText(cells[i].Target) != serverRunText(cells[0].Target) {
			return true
		}
	}
	return false
}

// proxyWarning says when a cell's figures went through Docker's port
// forwarding rather than to the server itself.
func proxyWarning(c *result.Cell) string {
	if c.Target.DataPath != "published" {
		return ""
	}
	return "THROUGH A PROXY: clients reached the containers through ports published on 127.0.0.1, so every command and reply went through Docker's port forwarding (docker-proxy on most engines): latency and throughput include it"
}
