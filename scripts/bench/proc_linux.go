package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the child get SIGKILL when bench dies, even by SIGKILL.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// maxRSSBytes reads ru_maxrss, which Linux gives in KiB.
func maxRSSBytes(ru *syscall.Rusage) int64 { return ru.Maxrss * 1024 }
