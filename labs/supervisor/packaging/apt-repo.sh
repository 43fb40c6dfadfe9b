#!/bin/bash
# apt-repo.sh DIR [LIST_FILE]: turns DIR (holding .deb files) into a flat local apt
# repository (Packages, Packages.gz, Release) and writes the sources.list line for it to
# LIST_FILE (default DIR/supervisorlab.list), e.g.
#   deb [trusted=yes] file:/opt/supervisorlab/apt ./
# Copy that line to /etc/apt/sources.list.d/ of the machine that sees DIR at that path;
# set REPO_PATH when DIR will be mounted elsewhere there.
set -euo pipefail
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 DIR [LIST_FILE]" >&2; exit 2; }
dir=$(cd "$1" && pwd)
list=${2:-$dir/supervisorlab.list}
repo_path=${REPO_PATH:-$dir}

cd "$dir"
ls ./*.deb >/dev/null 2>&1 || { echo "apt-repo: no .deb files in $dir" >&2; exit 1; }
dpkg-scanpackages --multiversion . /dev/null > Packages 2>/dev/null
gzip -9nc Packages > Packages.gz
# A Release file keeps apt from warning about a repository without one.
{
  echo "Origin: supervisorlab"
  echo "Label: supervisorlab"
  echo "Suite: lab"
  echo "Codename: lab"
  echo "Date: $(LC_ALL=C date -u -R)"
  echo "Description: supervisorlab's local packages for the lab machine"
  echo "SHA256:"
  for f in Packages Packages.gz; do
    printf ' %s %s %s\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$(stat -c %s "$f")" "$f"
  done
} > Release
echo "deb [trusted=yes] file:$repo_path ./" > "$list"
cat "$list"
