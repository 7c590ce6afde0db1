package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/squall-bench/squall/runner"
	"go.yaml.in/yaml/v3"
)

// k8sObject is what the test reads of a manifest: a Job, a ConfigMap or
// a PersistentVolumeClaim (fields the others lack stay empty).
type k8sObject struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec struct {
		CompletionMode string   `yaml:"completionMode"`
		Completions    *int     `yaml:"completions"`
		Parallelism    *int     `yaml:"parallelism"`
		BackoffLimit   *int     `yaml:"backoffLimit"`
		AccessModes    []string `yaml:"accessModes"`
		Template       struct {
			Spec struct {
				RestartPolicy string         `yaml:"restartPolicy"`
				Containers    []k8sContainer `yaml:"containers"`
				Volumes       []struct {
					Name      string `yaml:"name"`
					ConfigMap *struct {
						Name string `yaml:"name"`
					} `yaml:"configMap"`
					PersistentVolumeClaim *struct {
						ClaimName string `yaml:"claimName"`
					} `yaml:"persistentVolumeClaim"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type k8sContainer struct {
	Image   string   `yaml:"image"`
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
	Env     []struct {
		Name  string `yaml:"name"`
		Value string `yaml:"value"`
	} `yaml:"env"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

func readManifest(t *testing.T, name string) *k8sObject {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "kubernetes", name))
	if err != nil {
		t.Fatal(err)
	}
	var o k8sObject
	if err := yaml.Unmarshal(b, &o); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &o
}

// TestKubernetesManifests checks what makes deploy/kubernetes one sharded
// run: an Indexed Job of N pods that never retries a shard, SQUALL_SHARDS
// = N, a scenario in the ConfigMap that squall accepts as N shards
// without --allow-destructive, a merge of exactly shards 0..N-1, one
// results claim, and the image the docs, the Dockerfile and the container
// simulation build.
func TestKubernetesManifests(t *testing.T) {
	job, merge := readManifest(t, "job.yaml"), readManifest(t, "merge.yaml")
	cm, pvc := readManifest(t, "scenario.yaml"), readManifest(t, "results-pvc.yaml")
	if job.Kind != "Job" || merge.Kind != "Job" || cm.Kind != "ConfigMap" || pvc.Kind != "PersistentVolumeClaim" {
		t.Fatalf("kinds: job %q, merge %q, scenario %q, results %q", job.Kind, merge.Kind, cm.Kind, pvc.Kind)
	}
	js := job.Spec
	if js.CompletionMode != "Indexed" {
		t.Errorf("job.yaml: completionMode %q, want Indexed (JOB_COMPLETION_INDEX names each pod's shard)", js.CompletionMode)
	}
	if js.Completions == nil || js.Parallelism == nil || *js.Parallelism != *js.Completions {
		t.Fatalf("job.yaml: parallelism and completions must both be set and equal (every shard runs at once)")
	}
	n := *js.Completions
	for name, o := range map[string]*k8sObject{"job.yaml": job, "merge.yaml": merge} {
		if o.Spec.BackoffLimit == nil || *o.Spec.BackoffLimit != 0 || o.Spec.Template.Spec.RestartPolicy != "Never" {
			t.Errorf("%s: backoffLimit 0 and restartPolicy Never, so that no pod runs twice", name)
		}
		if len(o.Spec.Template.Spec.Containers) != 1 {
			t.Fatalf("%s: want one container", name)
		}
	}
	jc, mc := job.Spec.Template.Spec.Containers[0], merge.Spec.Template.Spec.Containers[0]
	env := map[string]string{}
	for _, e := range jc.Env {
		env[e.Name] = e.Value
	}
	if env["SQUALL_SHARDS"] != strconv.Itoa(n) {
		t.Errorf("job.yaml: SQUALL_SHARDS %q, completions %d", env["SQUALL_SHARDS"], n)
	}
	if env["SQUALL_START_AT"] == "" {
		t.Errorf("job.yaml: SQUALL_START_AT unset")
	}
	if len(jc.Args) < 2 || jc.Args[0] != "run" || slices.Contains(jc.Args, "--shard") {
		t.Errorf("job.yaml: args %q: want run SCENARIO, the shard from the pod's index", jc.Args)
	}

	// The scenario file the shards read is the ConfigMap's key, mounted.
	mounts := func(c k8sContainer, o *k8sObject) (configMaps, claims map[string]string) {
		configMaps, claims = map[string]string{}, map[string]string{}
		for _, m := range c.VolumeMounts {
			for _, v := range o.Spec.Template.Spec.Volumes {
				switch {
				case v.Name != m.Name:
				case v.ConfigMap != nil:
					configMaps[m.MountPath] = v.ConfigMap.Name
				case v.PersistentVolumeClaim != nil:
					claims[m.MountPath] = v.PersistentVolumeClaim.ClaimName
				}
			}
		}
		return configMaps, claims
	}
	jcm, jclaims := mounts(jc, job)
	_, mclaims := mounts(mc, merge)
	dir, key := filepath.Dir(jc.Args[1]), filepath.Base(jc.Args[1])
	if jcm[dir] != cm.Metadata.Name || cm.Data[key] == "" {
		t.Fatalf("job.yaml reads %s: %s must mount ConfigMap %q holding key %q", jc.Args[1], dir, cm.Metadata.Name, key)
	}
	if jclaims["/results"] != pvc.Metadata.Name || mclaims["/results"] != pvc.Metadata.Name {
		t.Errorf("job.yaml and merge.yaml must mount claim %q at /results: %v, %v", pvc.Metadata.Name, jclaims, mclaims)
	}
	if !slices.Contains(pvc.Spec.AccessModes, "ReadWriteMany") {
		t.Errorf("results-pvc.yaml: every shard's pod mounts it: want ReadWriteMany, got %v", pvc.Spec.AccessModes)
	}

	// squall itself accepts the scenario as N shards, as the pods run it.
	sc := filepath.Join(t.TempDir(), key)
	if err := os.WriteFile(sc, []byte(cm.Data[key]), 0o644); err != nil {
		t.Fatal(err)
	}
	_, cells, err := load(sc, nil, "")
	if err != nil {
		t.Fatalf("the ConfigMap's scenario: %v", err)
	}
	if bad := runner.Destructive(cells, ""); len(bad) > 0 {
		t.Errorf("the ConfigMap's scenario needs --allow-destructive, which job.yaml does not pass")
	}
	for i := range n {
		if err := runner.CheckShard(cells, "", runner.Shard{Index: i, Count: n, StartAt: time.Now()}); err != nil {
			t.Errorf("the ConfigMap's scenario as shard %d of %d: %v", i, n, err)
		}
	}

	// The merge names exactly the shards the Job writes.
	outArg := jc.Args[slices.Index(jc.Args, "--out")+1]
	var shards []string
	for _, a := range mc.Command[1:] {
		if strings.HasPrefix(a, "/results/") && a != "/results/${RUN}/merged" {
			shards = append(shards, a)
		}
	}
	var want []string
	for i := range n {
		want = append(want, strings.ReplaceAll(outArg, "$(JOB_COMPLETION_INDEX)", strconv.Itoa(i)))
	}
	if len(mc.Command) < 2 || mc.Command[1] != "merge" || !slices.Equal(shards, want) {
		t.Errorf("merge.yaml: command %q: want merge of %q", mc.Command, want)
	}

	// One image: the one the docs and the Dockerfile build, whose
	// entrypoint the merge's command names.
	dockerfile, err := os.ReadFile(filepath.Join("..", "..", "deploy", "docker", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	built := regexp.MustCompile(`docker build -t (\S+) deploy/docker`).FindStringSubmatch(string(dockerfile))
	if built == nil || jc.Image != built[1] || mc.Image != built[1] {
		t.Errorf("images: job %q, merge %q, Dockerfile builds %v", jc.Image, mc.Image, built)
	}
	if !strings.Contains(string(dockerfile), `ENTRYPOINT ["/squall"]`) || mc.Command[0] != "/squall" {
		t.Errorf("merge.yaml runs %q: the image's entrypoint is /squall", mc.Command[0])
	}
	script, err := os.ReadFile(filepath.Join("..", "..", "scripts", "shards-docker.sh"))
	if err != nil {
		t.Fatal(err)
	}
	tag := regexp.MustCompile(`(?m)^tag=(\S+)$`).FindSubmatch(script)
	repo, _, _ := strings.Cut(jc.Image, ":")
	if tag == nil || !strings.HasPrefix(string(tag[1]), repo+":") || !strings.Contains(string(script), "docker build -q -t \"$tag\" deploy/docker") {
		t.Errorf("scripts/shards-docker.sh should build image %s:* from deploy/docker, tag line %q", repo, tag)
	}
}
