// Package image builds and caches the sandbox's root file system: Debian
// bookworm (minbase) made with debootstrap, plus the course's packages, the
// student account shiyanlou (uid 1000, passwordless sudo, an `ll` alias),
// and whatever extra directories and setup scripts a lab adds (for example
// our own supervisor .deb and a local apt repository).
//
// An image lives in <cache>/images/<hash>/rootfs, where hash covers the
// recipe and the content of its extra files: change either and the next
// Ensure builds a new image. Builds go to a temporary directory renamed into
// place, so an interrupted build never leaves a half image behind.
package image

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// buildVersion changes whenever the build steps below change meaning, so
// old cached images are not reused for a new recipe semantics.
const buildVersion = "1"

// DefaultCacheRoot is where images are cached.
const DefaultCacheRoot = "/var/cache/supervisorlab"

// Recipe says what goes into an image.
type Recipe struct {
	Suite    string   `json:"suite"`
	Mirror   string   `json:"mirror"`
	Variant  string   `json:"variant"`
	Packages []string `json:"packages"`
	Hostname string   `json:"hostname"`
	// OverlayDirs are copied over the image root, in order, after the
	// packages are installed (e.g. a dir with etc/apt/sources.list.d/... and
	// srv/repo/*.deb).
	OverlayDirs []string `json:"overlay_dirs,omitempty"`
	// SetupScripts run in order inside the image (chroot, as root, with its
	// own /proc) after the overlays, e.g. to apt-get install from the local
	// repository.
	SetupScripts []string `json:"setup_scripts,omitempty"`
}

// DefaultRecipe is the course machine: Debian bookworm with the tools the
// Supervisor lab uses.
func DefaultRecipe() Recipe {
	return Recipe{
		Suite:   "bookworm",
		Mirror:  "http://deb.debian.org/debian",
		Variant: "minbase",
		Packages: []string{
			"ca-certificates", "curl", "iproute2", "iputils-ping", "less", "nginx",
			"openssh-server", "procps", "psmisc", "python3", "sudo", "vim",
		},
		Hostname: "shiyanlou",
	}
}

// Hash identifies the image a recipe builds: the recipe itself, the build
// steps' version and the content of every overlay file and setup script.
func (r Recipe) Hash() (string, error) {
	h := sha256.New()
	norm := r
	norm.Packages = slices.Sorted(slices.Values(r.Packages))
	norm.Packages = slices.Compact(norm.Packages)
	norm.OverlayDirs, norm.SetupScripts = nil, nil
	b, _ := json.Marshal(norm)
	fmt.Fprintf(h, "v%s\n%s\n", buildVersion, b)
	for i, d := range r.OverlayDirs {
		fmt.Fprintf(h, "overlay %d\n", i)
		err := filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(d, p)
			info, err := e.Info()
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "%s %o\n", rel, info.Mode())
			switch {
			case info.Mode().IsRegular():
				f, err := os.Open(p)
				if err != nil {
					return err
				}
				defer f.Close()
				_, err = io.Copy(h, f)
				return err
			case info.Mode()&fs.ModeSymlink != 0:
				to, err := os.Readlink(p)
				fmt.Fprintln(h, to)
				return err
			}
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("overlay dir: %w", err)
		}
	}
	for i, s := range r.SetupScripts {
		b, err := os.ReadFile(s)
		if err != nil {
			return "", fmt.Errorf("setup script: %w", err)
		}
		fmt.Fprintf(h, "script %d %d\n", i, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// Options tune Ensure.
type Options struct {
	// CacheRoot defaults to DefaultCacheRoot.
	CacheRoot string
	// Progress receives the build's output, line by line (nil: discarded).
	Progress io.Writer
	// Debootstrap is the debootstrap binary (default: found in PATH).
	Debootstrap string
}

// Ensure returns the root file system directory of the recipe's image,
// building it first when it is not cached.
func Ensure(ctx context.Context, r Recipe, o Options) (string, error) {
	if o.CacheRoot == "" {
		o.CacheRoot = DefaultCacheRoot
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	hash, err := r.Hash()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(o.CacheRoot, "images", hash)
	rootfs := filepath.Join(dir, "rootfs")
	if _, err := os.Stat(filepath.Join(dir, "recipe.json")); err == nil {
		return rootfs, nil
	}
	if os.Geteuid() != 0 {
		return "", errors.New("building the sandbox image needs root (debootstrap): run `sudo lab start` once, or use --rootfs host")
	}
	if o.Debootstrap == "" {
		o.Debootstrap = "debootstrap"
	}
	if o.Debootstrap, err = exec.LookPath(o.Debootstrap); err != nil {
		return "", errors.New("debootstrap not found: install it with `sudo apt-get install debootstrap`, or use --rootfs host")
	}
	if err := os.MkdirAll(filepath.Join(o.CacheRoot, "images"), 0o755); err != nil {
		return "", err
	}
	// One build at a time per cache: a second `lab start` waits, then
	// finds the image built.
	lock, err := os.OpenFile(filepath.Join(o.CacheRoot, "images", ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, "recipe.json")); err == nil {
		return rootfs, nil
	}
	tmp := dir + ".building"
	os.RemoveAll(tmp)
	defer os.RemoveAll(tmp)
	start := time.Now()
	fmt.Fprintf(o.Progress, "building the sandbox image %s (Debian %s, about a minute the first time)\n", hash, r.Suite)
	if err := build(ctx, r, o, filepath.Join(tmp, "rootfs")); err != nil {
		return "", err
	}
	b, _ := json.MarshalIndent(r, "", "  ")
	if err := os.WriteFile(filepath.Join(tmp, "recipe.json"), b, 0o644); err != nil {
		return "", err
	}
	os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		return "", err
	}
	fmt.Fprintf(o.Progress, "image %s ready in %s\n", hash, time.Since(start).Round(time.Second))
	return rootfs, nil
}

func build(ctx context.Context, r Recipe, o Options, rootfs string) error {
	args := []string{"--variant=" + r.Variant}
	if len(r.Packages) > 0 {
		args = append(args, "--include="+strings.Join(r.Packages, ","))
	}
	args = append(args, r.Suite, rootfs, r.Mirror)
	if err := runLogged(ctx, o.Progress, "debootstrap", exec.CommandContext(ctx, o.Debootstrap, args...)); err != nil {
		return fmt.Errorf("%w\n(no network? check that %s is reachable, or use --rootfs host)", err, r.Mirror)
	}
	if err := configure(ctx, r, o, rootfs); err != nil {
		return err
	}
	for _, d := range r.OverlayDirs {
		fmt.Fprintf(o.Progress, "image: adding %s\n", d)
		if err := runLogged(ctx, o.Progress, "cp", exec.CommandContext(ctx, "cp", "-a", "--", d+"/.", rootfs+"/")); err != nil {
			return err
		}
	}
	for i, s := range r.SetupScripts {
		b, err := os.ReadFile(s)
		if err != nil {
			return err
		}
		name := fmt.Sprintf("/tmp/.lab-setup-%d", i)
		if err := os.WriteFile(filepath.Join(rootfs, name), b, 0o700); err != nil {
			return err
		}
		fmt.Fprintf(o.Progress, "image: running %s\n", s)
		err = inChroot(ctx, o.Progress, rootfs, "setup script "+s, "/bin/sh", name)
		os.Remove(filepath.Join(rootfs, name))
		if err != nil {
			return err
		}
	}
	return inChroot(ctx, o.Progress, rootfs, "apt-get clean", "apt-get", "clean")
}

// configure makes the image the course's machine.
func configure(ctx context.Context, r Recipe, o Options, rootfs string) error {
	fmt.Fprintln(o.Progress, "image: adding the student shiyanlou")
	alias := "\n# as on the course machines\nalias ll='ls -alF'\n"
	for _, rc := range []string{"etc/skel/.bashrc", "root/.bashrc"} {
		if err := appendFile(filepath.Join(rootfs, rc), alias); err != nil {
			return err
		}
	}
	if err := inChroot(ctx, o.Progress, rootfs, "useradd",
		"useradd", "--create-home", "--uid", "1000", "--user-group", "--groups", "sudo", "--shell", "/bin/bash", "shiyanlou"); err != nil {
		return err
	}
	files := map[string]string{
		"etc/sudoers.d/shiyanlou": "shiyanlou ALL=(ALL:ALL) NOPASSWD:ALL\n",
		"etc/hostname":            r.Hostname + "\n",
		"etc/hosts":               "127.0.0.1\tlocalhost\n127.0.1.1\t" + r.Hostname + "\n::1\tlocalhost ip6-localhost ip6-loopback\n",
	}
	for name, content := range files {
		mode := os.FileMode(0o644)
		if strings.HasPrefix(name, "etc/sudoers.d/") {
			mode = 0o440
		}
		if err := os.WriteFile(filepath.Join(rootfs, name), []byte(content), mode); err != nil {
			return err
		}
	}
	return nil
}

func appendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(s)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// inChroot runs a command inside the image with a private /proc that goes
// away with it (nothing stays mounted on the host).
func inChroot(ctx context.Context, progress io.Writer, rootfs, what string, argv ...string) error {
	args := append([]string{"--mount", "--pid", "--fork", "--mount-proc=" + filepath.Join(rootfs, "proc"), "chroot", rootfs}, argv...)
	cmd := exec.CommandContext(ctx, "unshare", args...)
	cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND=noninteractive", "LANG=C.UTF-8", "HOME=/root"}
	return runLogged(ctx, progress, what, cmd)
}

// runLogged streams a command's output to progress as "image: ..." lines
// and, on failure, returns an error quoting its last lines.
func runLogged(ctx context.Context, progress io.Writer, what string, cmd *exec.Cmd) error {
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	var tail []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintf(progress, "image: %s\n", line)
			tail = append(tail, line)
			if len(tail) > 8 {
				tail = tail[1:]
			}
		}
		io.Copy(io.Discard, pr)
	}()
	err := cmd.Run()
	pw.Close()
	<-done
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("image build: %s: %w", what, ctx.Err())
		}
		return fmt.Errorf("image build: %s failed (%v); last output:\n  %s", what, err, strings.Join(tail, "\n  "))
	}
	return nil
}
