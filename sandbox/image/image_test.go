package image

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHash(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.deb"), []byte("one"), 0o644)
	script := filepath.Join(t.TempDir(), "setup.sh")
	os.WriteFile(script, []byte("echo hi\n"), 0o644)
	base := DefaultRecipe()
	base.OverlayDirs = []string{dir}
	base.SetupScripts = []string{script}
	hash := func(r Recipe) string {
		t.Helper()
		h, err := r.Hash()
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	h0 := hash(base)
	if h0 != hash(base) {
		t.Fatal("hash not stable")
	}
	reordered := base
	reordered.Packages = append([]string{"vim"}, base.Packages...) // order and duplicates do not matter
	if hash(reordered) != h0 {
		t.Error("package order changed the hash")
	}
	changes := map[string]func(){
		"overlay content": func() { os.WriteFile(filepath.Join(dir, "a.deb"), []byte("two"), 0o644) },
		"overlay file":    func() { os.WriteFile(filepath.Join(dir, "b"), nil, 0o644) },
		"script":          func() { os.WriteFile(script, []byte("echo bye\n"), 0o644) },
	}
	prev := h0
	for name, change := range changes {
		change()
		if h := hash(base); h == prev {
			t.Errorf("%s: hash unchanged", name)
		} else {
			prev = h
		}
	}
	more := base
	more.Packages = append(more.Packages, "tmux")
	if hash(more) == prev {
		t.Error("a new package did not change the hash")
	}
	bad := base
	bad.OverlayDirs = []string{filepath.Join(dir, "missing")}
	if _, err := bad.Hash(); err == nil || !strings.Contains(err.Error(), "overlay dir") {
		t.Errorf("missing overlay dir: %v", err)
	}
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("image builds need root (CI=true)")
		}
		t.Skip("image builds need root")
	}
}

func TestEnsureErrors(t *testing.T) {
	needRoot(t)
	t.Run("no debootstrap", func(t *testing.T) {
		_, err := Ensure(context.Background(), DefaultRecipe(), Options{CacheRoot: t.TempDir(), Debootstrap: "/nonexistent/debootstrap"})
		if err == nil || !strings.Contains(err.Error(), "debootstrap not found: install it with `sudo apt-get install debootstrap`") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("no network", func(t *testing.T) {
		if _, err := os.Stat("/usr/sbin/debootstrap"); err != nil {
			t.Skip("debootstrap not installed")
		}
		r := DefaultRecipe()
		r.Mirror = "http://127.0.0.1:9/debian"
		cache := t.TempDir()
		var progress strings.Builder
		_, err := Ensure(context.Background(), r, Options{CacheRoot: cache, Progress: &progress})
		if err == nil || !strings.Contains(err.Error(), "no network? check that http://127.0.0.1:9/debian is reachable") {
			t.Errorf("err = %v", err)
		}
		if !strings.Contains(progress.String(), "building the sandbox image") {
			t.Errorf("no progress shown: %q", progress.String())
		}
		entries, _ := os.ReadDir(filepath.Join(cache, "images"))
		for _, e := range entries {
			if e.Name() != ".lock" {
				t.Errorf("failed build left %s behind", e.Name())
			}
		}
	})
}
