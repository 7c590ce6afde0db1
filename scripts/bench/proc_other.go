//go:build !linux

package main

import (
	"os/exec"
	"runtime"
	"syscall"
)

// dieWithParent is best effort here: children are killed on a normal exit
// or Ctrl-C, not when bench itself is killed.
func dieWithParent(*exec.Cmd) {}

// maxRSSBytes reads ru_maxrss: bytes on macOS, KiB on the BSDs.
func maxRSSBytes(ru *syscall.Rusage) int64 {
	if runtime.GOOS == "darwin" {
		return int64(ru.Maxrss)
	}
	return int64(ru.Maxrss) * 1024
}
