// Package machine owns the Supervisor lab's course machine: it packages our
// supervisor binaries as the Debian package `supervisor` (with
// labs/supervisor/packaging/build-deb.sh), turns that .deb into a local apt
// repository (apt-repo.sh) and returns the image.Recipe that carries the
// repository into the sandbox image and installs the package there with
// apt-get, so `dpkg -l supervisor` shows ours and `apt-cache show supervisor`
// works offline.
package machine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"

	"github.com/supervisorlab/supervisorlab/sandbox/image"
)

// Version is the package version our .deb carries (4.2.5's behaviour, our build).
const Version = "4.2.5+lab1"

// RepoPath is where the local apt repository lives inside the image.
const RepoPath = "/opt/supervisorlab/apt"

// Commands are the binaries the package ships; all must be in the bin dir.
var Commands = []string{"supervisord", "supervisorctl", "echo_supervisord_conf", "pidproxy"}

// PackagingEnv, when set, is the packaging directory (build-deb.sh, apt-repo.sh)
// to use instead of looking for labs/supervisor/packaging above the bin dir.
const PackagingEnv = "SUPERVISORLAB_PACKAGING"

// Recipe builds the .deb and local apt repository from binDir's binaries and
// returns image.DefaultRecipe() extended to install them. The staging
// directory is keyed by the content of the binaries and the packaging, so
// the same build yields the same recipe hash and the cached image is reused.
func Recipe(ctx context.Context, binDir string, progress io.Writer) (*image.Recipe, error) {
	if progress == nil {
		progress = io.Discard
	}
	binDir, err := filepath.Abs(binDir)
	if err != nil {
		return nil, err
	}
	pkg, err := FindPackaging(binDir)
	if err != nil {
		return nil, err
	}
	key, err := contentKey(binDir, pkg)
	if err != nil {
		return nil, err
	}
	stage := filepath.Join(stagingRoot(), key)
	overlay := filepath.Join(stage, "overlay")
	setup := filepath.Join(stage, "install-supervisor.sh")
	if _, err := os.Stat(setup); err != nil {
		if err := stageRepo(ctx, binDir, pkg, stage, progress); err != nil {
			return nil, err
		}
	}
	r := image.DefaultRecipe()
	r.OverlayDirs = append(r.OverlayDirs, overlay)
	r.SetupScripts = append(r.SetupScripts, setup)
	return &r, nil
}

// FromExecutable is Recipe for the bin dir holding the running program: the
// `lab` binary lives next to supervisord & co. in bin/ after `make build`.
func FromExecutable(ctx context.Context, progress io.Writer) (*image.Recipe, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	if exe, err = filepath.EvalSymlinks(exe); err != nil {
		return nil, err
	}
	return Recipe(ctx, filepath.Dir(exe), progress)
}

// FindPackaging returns $SUPERVISORLAB_PACKAGING or the first
// labs/supervisor/packaging found in binDir or one of its parents (the
// checkout that `make build` filled bin/ from).
func FindPackaging(binDir string) (string, error) {
	if p := os.Getenv(PackagingEnv); p != "" {
		return p, nil
	}
	for d := binDir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "labs", "supervisor", "packaging")
		if _, err := os.Stat(filepath.Join(p, "build-deb.sh")); err == nil {
			return p, nil
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return "", fmt.Errorf("labs/supervisor/packaging not found above %s: run from a checkout or set %s", binDir, PackagingEnv)
}

func stagingRoot() string {
	root := filepath.Join(image.DefaultCacheRoot, "machine")
	if os.MkdirAll(root, 0o755) == nil && unixAccessW(root) {
		return root
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("supervisorlab-machine-%d", os.Getuid()))
}

func unixAccessW(dir string) bool {
	f, err := os.CreateTemp(dir, ".w")
	if err != nil {
		return false
	}
	f.Close()
	os.Remove(f.Name())
	return true
}

// contentKey hashes the package's inputs: the binaries and every packaging file.
func contentKey(binDir, pkg string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "machine v1 %s\n", Version)
	for _, c := range Commands {
		if err := hashFile(h, filepath.Join(binDir, c), c); err != nil {
			return "", fmt.Errorf("bin dir %s: %w (run `make build`)", binDir, err)
		}
	}
	var files []string
	err := filepath.WalkDir(pkg, func(p string, e fs.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	for _, f := range files {
		rel, _ := filepath.Rel(pkg, f)
		if err := hashFile(h, f, rel); err != nil {
			return "", err
		}
	}
	fmt.Fprint(h, installScript)
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func hashFile(h io.Writer, path, name string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	fmt.Fprintf(h, "%s %o %d\n", name, st.Mode().Perm(), st.Size())
	_, err = io.Copy(h, f)
	return err
}

// stageRepo builds stage/overlay (the repository and its sources.list entry)
// and stage/install-supervisor.sh, publishing the directory atomically.
func stageRepo(ctx context.Context, binDir, pkg, stage string, progress io.Writer) error {
	tmp := stage + ".tmp"
	os.RemoveAll(tmp)
	defer os.RemoveAll(tmp)
	repo := filepath.Join(tmp, "overlay", filepath.FromSlash(RepoPath[1:]))
	lists := filepath.Join(tmp, "overlay", "etc", "apt", "sources.list.d")
	for _, d := range []string{repo, lists} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	fmt.Fprintf(progress, "machine: packaging supervisor %s from %s\n", Version, binDir)
	build := exec.CommandContext(ctx, "bash", filepath.Join(pkg, "build-deb.sh"), binDir, repo)
	build.Env = append(os.Environ(), "VERSION="+Version)
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build-deb.sh: %v\n%s", err, out)
	}
	mkrepo := exec.CommandContext(ctx, "bash", filepath.Join(pkg, "apt-repo.sh"), repo, filepath.Join(lists, "supervisorlab.list"))
	mkrepo.Env = append(os.Environ(), "REPO_PATH="+RepoPath)
	if out, err := mkrepo.CombinedOutput(); err != nil {
		return fmt.Errorf("apt-repo.sh: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(tmp, "install-supervisor.sh"), []byte(installScript), 0o755); err != nil {
		return err
	}
	os.RemoveAll(stage)
	if err := os.Rename(tmp, stage); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}

// installScript runs as root in the image's chroot after the overlay is copied in.
const installScript = `#!/bin/sh
# Installs our supervisor from the image's local apt repository, as the course
# machine has it: package installed, ssh program in conf.d.
set -eu
export DEBIAN_FRONTEND=noninteractive
list=/etc/apt/sources.list.d/supervisorlab.list
apt-get update -qq -o Dir::Etc::sourcelist="$list" -o Dir::Etc::sourceparts=- \
  -o APT::Get::List-Cleanup=0
# Nothing may start inside the image build: its PID namespace ends with this script.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod 0755 /usr/sbin/policy-rc.d
apt-get install -y -qq supervisor
rm -f /usr/sbin/policy-rc.d
mkdir -p /etc/supervisor/conf.d
if [ ! -f /etc/supervisor/conf.d/supervisor_service.conf ]; then
  cat > /etc/supervisor/conf.d/supervisor_service.conf <<'PROG'
[program:ssh]
command=/usr/sbin/sshd -D
stdout_events_enabled=true
stderr_events_enabled=true
autorestart=true
PROG
fi
# /run is an empty tmpfs in every sandbox and nothing boots there, so sshd -D
# (the ssh program above) would exit at once: the service makes its directory.
grep -qs /run/sshd /etc/default/supervisor || cat >> /etc/default/supervisor <<'SSHD'
# supervisorlab: sshd -D, run by [program:ssh], needs this; /run starts empty.
mkdir -p -m 0755 /run/sshd
SSHD
ssh-keygen -A >/dev/null 2>&1 || true
v=$(dpkg-query -W -f='${Version}' supervisor)
[ "$v" = "` + Version + `" ] || { echo "installed supervisor is $v, want ` + Version + `" >&2; exit 1; }
`
