package sandbox

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestKubernetesManifests keeps deploy/kubernetes in step with the code:
// every file parses, the pod runs the agent in pod mode, and the pod's
// capabilities are no wider than what the local agent leaves.
func TestKubernetesManifests(t *testing.T) {
	dir := filepath.Join("..", "deploy", "kubernetes")
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in %s: %v", dir, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		for {
			var doc map[string]any
			if err := dec.Decode(&doc); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				t.Fatalf("%s: %v", f, err)
			}
		}
	}
	var pod struct {
		Spec struct {
			Containers []struct {
				Command         []string
				Env             []struct{ Name, Value string }
				SecurityContext struct {
					Capabilities struct{ Drop, Add []string }
				} `yaml:"securityContext"`
			}
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "student-pod.yaml"))
	if err := yaml.Unmarshal(b, &pod); err != nil {
		t.Fatal(err)
	}
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[0]
	found := false
	for _, e := range c.Env {
		found = found || (e.Name == PodInitEnv && e.Value == "1")
	}
	if !found {
		t.Errorf("pod does not set %s=1", PodInitEnv)
	}
	if len(c.Command) == 0 || c.Command[0] != "/usr/local/bin/lab" {
		t.Errorf("pod command %v", c.Command)
	}
	if len(c.SecurityContext.Capabilities.Drop) != 1 || c.SecurityContext.Capabilities.Drop[0] != "ALL" {
		t.Errorf("pod must drop ALL capabilities, drops %v", c.SecurityContext.Capabilities.Drop)
	}
	dropped := map[string]bool{"SYS_ADMIN": true, "SYS_MODULE": true, "SYS_RAWIO": true, "SYS_TIME": true, "SYS_BOOT": true, "BPF": true}
	for _, a := range c.SecurityContext.Capabilities.Add {
		if dropped[a] {
			t.Errorf("pod adds %s, which the local agent drops", a)
		}
	}
}
