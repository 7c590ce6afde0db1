package compose

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestComposeFiles checks the hand-use compose files: valid YAML, every
// service on ${REDIS_IMAGE:-redis:7.2}, every port published on 127.0.0.1
// only, and (where docker-compose is installed) accepted by `config`.
func TestComposeFiles(t *testing.T) {
	for _, name := range []string{"standalone", "sentinel", "cluster"} {
		path := filepath.Join("docker", name+".yml")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			Services map[string]struct {
				Image string   `yaml:"image"`
				Ports []string `yaml:"ports"`
			} `yaml:"services"`
		}
		if err := yaml.Unmarshal(b, &f); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(f.Services) == 0 {
			t.Fatalf("%s: no services", path)
		}
		for svc, s := range f.Services {
			if s.Image != "${REDIS_IMAGE:-redis:7.2}" {
				t.Errorf("%s: %s runs %q", path, svc, s.Image)
			}
			for _, p := range s.Ports {
				if !strings.HasPrefix(p, "127.0.0.1:") {
					t.Errorf("%s: %s publishes %q beyond 127.0.0.1", path, svc, p)
				}
			}
		}
		if bin, err := exec.LookPath("docker-compose"); err == nil {
			if out, err := exec.Command(bin, "-f", path, "config", "-q").CombinedOutput(); err != nil {
				t.Errorf("docker-compose -f %s config: %v\n%s", path, err, out)
			}
		}
	}
}
