package compose

import (
	"archive/tar"
	"bytes"
	"context"
	"github.com/squall-bench/squall/internal/testenv"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dc "github.com/ory/dockertest/v3/docker"
)

func TestSplitImage(t *testing.T) {
	for in, want := range map[string][2]string{
		"redis:7.2":                   {"redis", "7.2"},
		"redis":                       {"redis", "latest"},
		"localhost:5000/redis":        {"localhost:5000/redis", "latest"},
		"localhost:5000/redis:7.2.4":  {"localhost:5000/redis", "7.2.4"},
		"squall/redis-host:7.0.15":    {"squall/redis-host", "7.0.15"},
		"ghcr.io/acme/redis:8-alpine": {"ghcr.io/acme/redis", "8-alpine"},
	} {
		if r, tag := splitImage(in); r != want[0] || tag != want[1] {
			t.Errorf("splitImage(%q) = %q, %q; want %q", in, r, tag, want)
		}
	}
}

// TestHostImageContext checks the build context holds the binary, every
// library ldd names at the same path, and a FROM scratch Dockerfile.
func TestHostImageContext(t *testing.T) {
	testenv.RequireRedis(t)
	bin, _ := exec.LookPath("redis-server")
	real, _ := filepath.EvalSymlinks(bin)
	libs, err := sharedLibs(real)
	if err != nil {
		t.Fatal(err)
	}
	b, err := hostImageContext(real, "7.0.0", "abc")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		files[h.Name] = string(body)
	}
	if !strings.HasPrefix(files["Dockerfile"], "FROM scratch\n") || !strings.Contains(files["Dockerfile"], "squall.binary=abc") {
		t.Errorf("Dockerfile:\n%s", files["Dockerfile"])
	}
	if _, ok := files["rootfs/usr/local/bin/redis-server"]; !ok {
		t.Error("no redis-server in the context")
	}
	for _, l := range libs {
		if _, ok := files["rootfs"+l]; !ok {
			t.Errorf("library %s missing from the context", l)
		}
	}
}

// TestBuildHostImage builds the host image under a throwaway tag (the real
// one is reused by every docker target) and runs a server from it.
func TestBuildHostImage(t *testing.T) {
	testenv.RequireRedis(t)
	testenv.RequireDocker(t, DockerAvailable)
	t.Parallel()
	ctx := context.Background()
	pool, err := dockerPool(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bin, _ := exec.LookPath("redis-server")
	real, _ := filepath.EvalSymlinks(bin)
	version, _ := binaryVersion(bin)
	tag := "squall/redis-host-test:" + newRunID()
	start := time.Now()
	if err := buildHostImage(ctx, pool.Client, tag, real, version, "test"); err != nil {
		t.Fatal(err)
	}
	t.Logf("built %s in %s", tag, time.Since(start).Round(time.Millisecond))
	defer pool.Client.RemoveImageExtended(tag, dc.RemoveImageOptions{Force: true})
	img, err := pool.Client.InspectImage(tag)
	if err != nil {
		t.Fatal(err)
	}
	if imageMajor(img, tag) != mustMajor(t, bin) {
		t.Errorf("image major %d, host %d", imageMajor(img, tag), mustMajor(t, bin))
	}
	// redis-server --version runs inside it: the libraries are all there.
	c, err := pool.Client.CreateContainer(dc.CreateContainerOptions{Config: &dc.Config{Image: tag,
		Cmd: []string{"redis-server", "--version"}, Labels: map[string]string{labelSquall: "1", labelRun: "imagetest", labelOwner: ownerToken()}}})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Client.RemoveContainer(dc.RemoveContainerOptions{ID: c.ID, Force: true, RemoveVolumes: true})
	if err := pool.Client.StartContainer(c.ID, nil); err != nil {
		t.Fatal(err)
	}
	code, err := pool.Client.WaitContainer(c.ID)
	var out bytes.Buffer
	_ = pool.Client.Logs(dc.LogsOptions{Container: c.ID, OutputStream: &out, ErrorStream: &out, Stdout: true, Stderr: true})
	if err != nil || code != 0 || !strings.Contains(out.String(), "v="+version) {
		t.Errorf("redis-server --version in the image: code %d, %v: %s", code, err, out.String())
	}

	// The real tag is built once and then reused.
	if _, how, err := hostImage(ctx, pool.Client); err != nil {
		t.Fatal(err)
	} else if _, how2, _ := hostImage(ctx, pool.Client); !strings.HasPrefix(how2, "reused") {
		t.Errorf("second hostImage: %q (first: %q)", how2, how)
	}
}

func mustMajor(t *testing.T, bin string) int {
	m, err := binaryMajor(bin)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
