package compose

import (
	"context"
	"time"
)

// Resolve turns a provider name into the one to use: auto is docker when an
// engine answers within 2 s, else process (the default where Docker is
// absent). Other names come back as they are, once checked.
func Resolve(provider string) (string, error) {
	switch provider {
	case "", "auto":
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if DockerAvailable(ctx) == nil {
			return "docker", nil
		}
		return "process", nil
	case "docker", "process", "external":
		return provider, nil
	}
	return "", unsupportedErr("unknown provider %q (auto, docker, process or external)", provider)
}

// DockerAvailable returns nil when a Docker engine answers a ping within 2 s
// (DOCKER_HOST or the default socket), else why not.
func DockerAvailable(ctx context.Context) error {
	_, err := dockerPool(ctx)
	return err
}
