package compose

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	dc "github.com/ory/dockertest/v3/docker"
)

// HostImageRepo is the repository of the image squall builds from the host's
// redis-server when the wanted image is neither present nor pullable.
const HostImageRepo = "squall/redis-host"

// imageMu serializes image resolution in one process: parallel targets
// build the host image once, and a failed pull is not retried per target.
var (
	imageMu    sync.Mutex
	pullFailed = map[string]error{}
)

// resolveImage picks the image the nodes run: want if the engine has it,
// else want pulled, else an image built from the host's redis-server (once;
// later runs reuse it). note says which and why; img is the image's
// metadata, which tells its server executable and version.
func resolveImage(ctx context.Context, c *dc.Client, want string) (image, note string, img *dc.Image, err error) {
	imageMu.Lock()
	defer imageMu.Unlock()
	if img, err := c.InspectImage(want); err == nil {
		return want, want + " (present locally)", img, nil
	}
	pullErr, tried := pullFailed[want]
	if !tried {
		pullErr = pull(ctx, c, want)
		if pullErr == nil {
			if img, err := c.InspectImage(want); err == nil {
				return want, want + " (pulled)", img, nil
			}
		}
		pullFailed[want] = pullErr
	}
	tag, how, err := hostImage(ctx, c)
	if err != nil {
		return "", "", nil, infraErr("image %s is not present locally and could not be pulled (%v), and building one from the host's redis-server failed: %v", want, pullErr, err)
	}
	img, err = c.InspectImage(tag)
	if err != nil {
		return "", "", nil, infraErr("inspecting %s: %v", tag, err)
	}
	return tag, fmt.Sprintf("%s, %s: %s is not present locally and could not be pulled (%v)", tag, how, want, firstLine(pullErr)), img, nil
}

func pull(ctx context.Context, c *dc.Client, image string) error {
	repo, tag := splitImage(image)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	return c.PullImage(dc.PullImageOptions{Repository: repo, Tag: tag, Context: ctx,
		InactivityTimeout: 30 * time.Second, OutputStream: io.Discard}, dc.AuthConfiguration{})
}

// splitImage splits repo[:tag]; a colon before the last slash is a
// registry port, not a tag.
func splitImage(image string) (repo, tag string) {
	i := strings.LastIndex(image, ":")
	if i < 0 || i < strings.LastIndex(image, "/") {
		return image, "latest"
	}
	return image[:i], image[i+1:]
}

// imageMajor reads the server's major version from an image: the official
// images' REDIS_VERSION (VALKEY_VERSION, KEYDB_VERSION for those servers),
// squall's own label, else the tag; 7 if none says. It decides which
// directives squall writes, so a Valkey 8 image counts as 8.
func imageMajor(img *dc.Image, name string) int {
	var v string
	if img != nil && img.Config != nil {
		for _, e := range img.Config.Env {
			for _, k := range []string{"REDIS_VERSION=", "VALKEY_VERSION=", "KEYDB_VERSION="} {
				if s, ok := strings.CutPrefix(e, k); ok && v == "" {
					v = s
				}
			}
		}
		if v == "" {
			v = img.Config.Labels["squall.redis_version"]
		}
	}
	if v == "" {
		_, v = splitImage(name)
	}
	major, _, _ := strings.Cut(v, ".")
	if m, err := strconv.Atoi(major); err == nil && m > 0 {
		return m
	}
	return 7
}

// imageServer names the server executable an image runs: the first word of
// its command (or entrypoint) that ends in -server, such as valkey-server or
// keydb-server, else redis-server. squall starts it directly with its own
// config, skipping the image's entrypoint script.
func imageServer(img *dc.Image) string {
	if img != nil && img.Config != nil {
		for _, w := range append(append([]string(nil), img.Config.Cmd...), img.Config.Entrypoint...) {
			if base := path.Base(w); strings.HasSuffix(base, "-server") {
				return w
			}
		}
	}
	return "redis-server"
}

func firstLine(err error) string {
	if err == nil {
		return ""
	}
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// hostImage returns squall/redis-host:<version>, built FROM scratch out of
// the host's redis-server and the shared libraries it loads (ldd), unless an
// image built from the same binary is already there. redis-cli and /bin/sh
// go in too when the host has them, so the compose files run on it.
func hostImage(ctx context.Context, c *dc.Client) (tag, how string, err error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", "", fmt.Errorf("redis-server not found in PATH")
	}
	real, err := filepath.EvalSymlinks(bin)
	if err != nil {
		return "", "", err
	}
	version, err := binaryVersion(bin)
	if err != nil {
		return "", "", err
	}
	sum, err := fileSum(real)
	if err != nil {
		return "", "", err
	}
	tag = HostImageRepo + ":" + version
	if img, err := c.InspectImage(tag); err == nil && img.Config != nil && img.Config.Labels["squall.binary"] == sum {
		return tag, fmt.Sprintf("reused (built earlier from %s, Redis %s)", bin, version), nil
	}
	if err := buildHostImage(ctx, c, tag, real, version, sum); err != nil {
		return "", "", err
	}
	return tag, fmt.Sprintf("built from %s (Redis %s)", bin, version), nil
}

// buildHostImage builds tag from the host binary redisServer.
func buildHostImage(ctx context.Context, c *dc.Client, tag, redisServer, version, sum string) error {
	tarball, err := hostImageContext(redisServer, version, sum)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	bctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	err = c.BuildImage(dc.BuildImageOptions{
		Name:                tag,
		Dockerfile:          "Dockerfile",
		InputStream:         bytes.NewReader(tarball),
		OutputStream:        &out,
		RmTmpContainer:      true,
		ForceRmTmpContainer: true,
		Context:             bctx,
	})
	if err != nil {
		return fmt.Errorf("docker build %s: %v\n%s", tag, err, lastLines(out.String(), 10))
	}
	return nil
}

// hostImageContext renders the build context: a Dockerfile and rootfs/
// holding the binaries and their libraries at the paths ldd names.
func hostImageContext(redisServer, version, sum string) ([]byte, error) {
	files := map[string]string{"usr/local/bin/redis-server": redisServer} // path in image -> host file
	bins := []string{redisServer}
	if cli, err := exec.LookPath("redis-cli"); err == nil {
		if real, err := filepath.EvalSymlinks(cli); err == nil {
			files["usr/local/bin/redis-cli"] = real
			bins = append(bins, real)
		}
	}
	if sh, err := filepath.EvalSymlinks("/bin/sh"); err == nil {
		files["bin/sh"] = sh
		bins = append(bins, sh)
	}
	libDirs := map[string]bool{}
	for _, b := range bins {
		libs, err := sharedLibs(b)
		if err != nil {
			return nil, err
		}
		for _, l := range libs {
			files[strings.TrimPrefix(l, "/")] = l
			libDirs[filepath.Dir(l)] = true
		}
	}
	var dirs []string
	for d := range libDirs {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	dockerfile := strings.Join([]string{
		"FROM scratch",
		"COPY rootfs/ /",
		"ENV PATH=/usr/local/bin:/usr/bin:/bin LD_LIBRARY_PATH=" + strings.Join(dirs, ":"),
		"WORKDIR /data",
		"VOLUME /data",
		"EXPOSE 6379",
		fmt.Sprintf("LABEL squall.binary=%s squall.redis_version=%s squall.source=%q", sum, version, "built by squall from the host's redis-server"),
		`CMD ["redis-server"]`,
	}, "\n") + "\n"

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	now := time.Now()
	add := func(h *tar.Header, body []byte) error {
		h.ModTime = now
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err := tw.Write(body)
		return err
	}
	if err := add(&tar.Header{Name: "Dockerfile", Mode: 0o644, Size: int64(len(dockerfile))}, []byte(dockerfile)); err != nil {
		return nil, err
	}
	for _, d := range []string{"rootfs/data", "rootfs/tmp", "rootfs/etc"} {
		if err := add(&tar.Header{Name: d + "/", Typeflag: tar.TypeDir, Mode: 0o1777}, nil); err != nil {
			return nil, err
		}
	}
	passwd := "root:x:0:0:root:/data:/bin/sh\n"
	if err := add(&tar.Header{Name: "rootfs/etc/passwd", Mode: 0o644, Size: int64(len(passwd))}, []byte(passwd)); err != nil {
		return nil, err
	}
	if err := add(&tar.Header{Name: "rootfs/usr/local/bin/redis-sentinel", Typeflag: tar.TypeSymlink, Linkname: "redis-server", Mode: 0o777}, nil); err != nil {
		return nil, err
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		body, err := os.ReadFile(files[p])
		if err != nil {
			return nil, err
		}
		if err := add(&tar.Header{Name: "rootfs/" + p, Mode: 0o755, Size: int64(len(body))}, body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// sharedLibs lists the libraries bin loads, and its loader, as ldd resolves
// them on this host. A static binary has none.
func sharedLibs(bin string) ([]string, error) {
	out, err := exec.Command("ldd", bin).CombinedOutput()
	if err != nil {
		if s := string(out); strings.Contains(s, "not a dynamic executable") || strings.Contains(s, "statically linked") {
			return nil, nil
		}
		return nil, fmt.Errorf("ldd %s: %v: %s", bin, err, strings.TrimSpace(string(out)))
	}
	var libs []string
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if strings.Contains(line, "not found") {
			return nil, fmt.Errorf("ldd %s: %s", bin, line)
		}
		f := strings.Fields(line)
		switch {
		case len(f) >= 3 && f[1] == "=>" && strings.HasPrefix(f[2], "/"):
			libs = append(libs, f[2])
		case len(f) >= 1 && strings.HasPrefix(f[0], "/"):
			libs = append(libs, f[0])
		}
	}
	return libs, nil
}

func fileSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
