#!/bin/bash
# build-deb.sh BIN_DIR OUT_DIR: builds supervisor_<VERSION>_<ARCH>.deb from our binaries
# (supervisord, supervisorctl, echo_supervisord_conf, pidproxy in BIN_DIR) and the files
# next to this script, in Debian's layout. Prints the path of the .deb.
# Environment: VERSION (default 4.2.5+lab1), ARCH (default: dpkg --print-architecture).
set -euo pipefail

usage() { echo "usage: $0 BIN_DIR OUT_DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
bin_dir=$1 out_dir=$2
here=$(cd "$(dirname "$0")" && pwd)
version=${VERSION:-4.2.5+lab1}
arch=${ARCH:-$(dpkg --print-architecture)}
commands=(supervisord supervisorctl echo_supervisord_conf pidproxy)

for c in "${commands[@]}"; do
  [ -x "$bin_dir/$c" ] || { echo "build-deb: $bin_dir/$c: missing or not executable" >&2; exit 1; }
done
mkdir -p "$out_dir"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root"

install -d -m 0755 "$root/DEBIAN" "$root/usr/bin" "$root/etc/init.d" "$root/etc/default" \
  "$root/etc/supervisor/conf.d" "$root/var/log/supervisor" "$root/usr/share/doc/supervisor"
for c in "${commands[@]}"; do
  install -m 0755 "$bin_dir/$c" "$root/usr/bin/$c"
done
install -m 0755 "$here/etc/init.d/supervisor" "$root/etc/init.d/supervisor"
install -m 0644 "$here/etc/default/supervisor" "$root/etc/default/supervisor"
install -m 0644 "$here/etc/supervisor/supervisord.conf" "$root/etc/supervisor/supervisord.conf"
install -m 0644 "$here/copyright" "$root/usr/share/doc/supervisor/copyright"
for s in postinst prerm postrm; do
  install -m 0755 "$here/DEBIAN/$s" "$root/DEBIAN/$s"
done
install -m 0644 "$here/DEBIAN/conffiles" "$root/DEBIAN/conffiles"

(cd "$root" && find usr etc var -type f ! -path 'etc/*' -print0 | sort -z | xargs -0 md5sum) \
  > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" \
  "$here/DEBIAN/control.in" > "$root/DEBIAN/control"
chmod 0644 "$root/DEBIAN/control"

deb="$out_dir/supervisor_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
