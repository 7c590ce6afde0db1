package compose

import (
	"context"
	"os"
	"path/filepath"
	"strings"
)

// Handle is what another squall process needs to tear down a target that
// was stood up with Spec.Detach (squall target up, then squall target down).
type Handle struct {
	Provider string `json:"provider"`
	RunID    string `json:"run_id"`
	Dir      string `json:"dir,omitempty"` // process: the run's temp dir
}

// Handle returns the target's handle; an external target's is empty.
func (t *Target) Handle() Handle {
	if t.launcher == nil {
		return Handle{Provider: t.Provider, RunID: t.Spec.RunID}
	}
	h := t.launcher.handle()
	h.RunID = t.Spec.RunID
	return h
}

// Down removes what a handle names: on docker every container and network
// labelled with its run id, on process the servers whose pid files are in
// its dir and the dir. It returns what it removed.
func Down(ctx context.Context, h Handle) ([]string, error) {
	switch h.Provider {
	case "docker":
		pool, err := dockerPool(ctx)
		if err != nil {
			return nil, err
		}
		return removeRun(ctx, pool.Client, h.RunID, "target down")
	case "process":
		// Only a squall run dir: never remove a directory a corrupted state
		// file points at elsewhere.
		if h.Dir == "" || filepath.Dir(h.Dir) != filepath.Clean(os.TempDir()) || !strings.HasPrefix(filepath.Base(h.Dir), "squall-") {
			return nil, unsupportedErr("%q is not a squall run directory", h.Dir)
		}
		if _, err := os.Stat(filepath.Join(h.Dir, ownerFile)); err != nil {
			return nil, nil // already gone
		}
		if err := removeProcessDir(h.Dir); err != nil {
			return nil, infraErr("removing %s: %v", h.Dir, err)
		}
		return []string{"processes and directory " + h.Dir}, nil
	case "external":
		return nil, nil
	}
	return nil, unsupportedErr("unknown provider %q", h.Provider)
}
