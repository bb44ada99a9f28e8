#!/usr/bin/env bash
# An interpreter of the Lambda runtime's Python version, for the one thing the build needs it for: compiling the
# bundle's bytecode (functions/Makefile). Lambda's /var/task is read-only, so a bundle without bytecode compiles our
# code and its libraries on every cold start; bytecode is specific to a minor version, so only a python3.13 can
# write what python3.13 loads. Bytecode does not depend on the machine: an x86_64 interpreter writes what arm64 reads.
#
#   infrastructure/deploy/lambda_python.sh 3.13 .toolchain           prints the interpreter's path (builds if needed)
#   infrastructure/deploy/lambda_python.sh --find 3.13 .toolchain    only looks; prints nothing when there is none
#
# Uses the first that runs with ssl, zlib and ctypes: python3.13 on PATH; one of pyenv's versions (pyenv's shim alone
# answers "command not found" unless that version is selected); one built here before
# (<dir>/python3.13/bin/python3.13). Else it builds CPython from Debian 13's source package (Debian 12, which these
# machines run, has no python3.13). apt verifies the source against Debian's signed archive
# (debian-archive-keyring); the package lists go to a directory of our own, so the machine's apt configuration is not
# changed. The build takes a few minutes on 2 cores, once per machine.
# Where Docker runs, `sam build --use-container` is the other way: the Lambda build image has python3.13.
set -euo pipefail

find_only=
if [ "${1:-}" = "--find" ]; then
    find_only=1
    shift
fi
version=${1:?usage: lambda_python.sh [--find] VERSION DIR}
toolchain=${2:?usage: lambda_python.sh [--find] VERSION DIR}
prefix="$(mkdir -p "$toolchain" && cd "$toolchain" && pwd)/python$version"
interpreter="$prefix/bin/python$version"

works() { [ -x "$1" ] && "$1" -c 'import ssl, zlib, ctypes' >/dev/null 2>&1; }

candidates=("$(command -v "python$version" || true)")
for pyenv_root in "${PYENV_ROOT:-}" "${HOME:-}/.pyenv"; do
    [ -n "$pyenv_root" ] && candidates+=("$pyenv_root"/versions/"$version"*/bin/python"$version")
done
candidates+=("$interpreter")
for candidate in "${candidates[@]}"; do
    if [ -n "$candidate" ] && works "$candidate"; then
        echo "$candidate"
        exit 0
    fi
done
[ -z "$find_only" ] || exit 0

command -v apt-get >/dev/null || {
    echo "No python$version here and no apt to build one: install python$version, or build with" \
        "'sam build --use-container'. The bundle would ship without bytecode." >&2
    exit 1
}

# Debian 13 (trixie) carries python3.13; later Debian releases carry later versions.
case "$version" in
    3.13) suite=trixie ;;
    *) echo "no Debian suite known for python$version" >&2; exit 1 ;;
esac

echo "building python$version from Debian $suite's source package into $prefix (a few minutes, once)" >&2
build_packages=(gcc make libssl-dev libffi-dev zlib1g-dev xz-utils)
if ! dpkg -s "${build_packages[@]}" >/dev/null 2>&1; then
    apt-get install -y --no-install-recommends "${build_packages[@]}" >&2 \
        || { apt-get update >&2 && apt-get install -y --no-install-recommends "${build_packages[@]}" >&2; }
fi

work="$(dirname "$prefix")/.source-$version"
rm -rf "$work" && mkdir -p "$work/lists/partial"
cat > "$work/debian.sources" <<EOF
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
apt_options=(-o "Dir::Etc::sourcelist=$work/debian.sources" -o Dir::Etc::sourceparts=/dev/null
    -o "Dir::State::Lists=$work/lists" -o APT::Sandbox::User=root)
apt-get "${apt_options[@]}" update >&2
(cd "$work" && apt-get "${apt_options[@]}" source --download-only "python$version" >&2)
tarball=$(find "$work" -maxdepth 1 -name "python${version}_*.orig.tar.xz" | head -n 1)
[ -n "$tarball" ] || { echo "Debian's source package for python$version has no orig tarball" >&2; exit 1; }
tar -xJf "$tarball" -C "$work"
source_dir=$(find "$work" -maxdepth 1 -type d -name 'Python-*' | head -n 1)
mkdir -p "$work/build"
(
    cd "$work/build"
    "$source_dir/configure" --prefix="$prefix" --without-ensurepip --disable-test-modules >&2
    make -j"$(nproc)" >&2
    make altinstall >&2
)
rm -rf "$work"
works "$interpreter" || { echo "python$version was built without ssl, zlib or ctypes" >&2; exit 1; }
echo "$interpreter"
