package compose

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Resolve turns a provider name into the one to use: Choose for a target
// that needs nothing only docker does.
func Resolve(provider string) (string, error) {
	c, err := Choose(context.Background(), provider, Needs{})
	return c.Provider, err
}

// Needs is what a run asks of its provider, for Choose.
type Needs struct {
	// Docker lists what only the docker provider can do for the run
	// ("chaos partition", "target.image valkey/valkey:8"); empty when
	// local processes would serve as well.
	Docker []string
	// Server is the process provider's executable (Spec.Server); "" is
	// redis-server.
	Server string
}

// Choice is the provider to use and why.
type Choice struct {
	Provider string
	Why      string
}

// Choose resolves provider; auto picks what measures the server best and
// surprises least:
//
//   - docker when the run needs something only docker does (a container
//     network to partition or shape, an image);
//   - else process when the server executable is installed here: squall
//     then talks to Redis over loopback with nothing in between, and
//     standing up processes takes milliseconds;
//   - else docker when an engine answers (squall builds its image from
//     the host's redis-server, or pulls or finds one).
//
// An explicit provider comes back as is with Why empty.
func Choose(ctx context.Context, provider string, n Needs) (Choice, error) {
	switch provider {
	case "docker", "process", "external":
		return Choice{Provider: provider}, nil
	case "", "auto":
	default:
		return Choice{}, unsupportedErr("unknown provider %q (auto, docker, process or external)", provider)
	}
	if len(n.Docker) > 0 {
		need := strings.Join(n.Docker, ", ")
		if n.Server != "" {
			return Choice{}, unsupportedErr("target.server %s runs on the process provider, but the scenario needs docker for %s", n.Server, need)
		}
		if err := dockerUp(ctx); err != nil {
			return Choice{}, infraErr("the scenario needs docker for %s, and %s", need, bare(err))
		}
		return Choice{"docker", "auto: the scenario needs docker for " + need}, nil
	}
	bin, binErr := ServerBinary(n.Server)
	if binErr == nil {
		what := bin
		if v, err := binaryVersion(bin); err == nil {
			what = fmt.Sprintf("%s %s", bin, v)
		}
		return Choice{"process", "auto: " + what + " is installed: local processes, nothing between squall and the server"}, nil
	}
	if n.Server != "" {
		return Choice{}, infraErr("%v", binErr)
	}
	if err := dockerUp(ctx); err != nil {
		return Choice{}, infraErr("provider auto: redis-server is not installed, and %s", bare(err))
	}
	return Choice{"docker", "auto: redis-server is not installed here, and a Docker engine answers"}, nil
}

// bare is an error's text without the infrastructure prefix.
func bare(err error) string {
	return strings.TrimPrefix(err.Error(), ErrInfra.Error()+": ")
}

// dockerUp checks within 2 s that an engine answers.
func dockerUp(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return DockerAvailable(ctx)
}

// DockerAvailable returns nil when a Docker engine answers a ping within 2 s
// (DOCKER_HOST or the default socket), else why not.
func DockerAvailable(ctx context.Context) error {
	_, err := dockerPool(ctx)
	return err
}
