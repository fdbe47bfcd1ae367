#!/bin/sh
# install-deps.sh - installs the Debian 12 (bookworm) packages that building libbundle and
# running its tests and sanitizer jobs need (golang-go for the Go binding's tests), and
# nothing when they are all present.
#
# Each package is checked with dpkg-query first; apt-get update and apt-get install run
# only when something is missing, through sudo unless we are root. Then the Python
# packages the cross-checking tests compare against (numpy, scipy, mlxtend, and pandas,
# which mlxtend's fpgrowth needs for its one-hot DataFrame) are
# pip-installed into the python3 on PATH when it lacks them (the pandas benchmarks use
# the same pandas). Set BNDL_SKIP_DEPS=1 to skip this step (other distributions,
# offline images).
set -eu

PACKAGES="build-essential cmake pkg-config zlib1g-dev libopenblas-dev liblapacke-dev libdnnl-dev
libcmocka-dev python3-numpy python3-torch clang libclang-rt-14-dev valgrind binutils golang-go"

if [ "${BNDL_SKIP_DEPS:-0}" = 1 ]; then
  echo "install-deps: BNDL_SKIP_DEPS=1, not checking packages"
  exit 0
fi
if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-deps: dpkg-query not found; this script knows Debian 12 only." >&2
  # shellcheck disable=SC2086 # one word per package
  echo "install-deps: install the equivalents of:" $PACKAGES >&2
  echo "install-deps: or set BNDL_SKIP_DEPS=1 if they are already there." >&2
  exit 1
fi

missing=""
count=0
for pkg in $PACKAGES; do
  count=$((count + 1))
  state=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  case $state in
    *"install ok installed"*) ;;
    *) missing="$missing $pkg" ;;
  esac
done

PY_PACKAGES="numpy scipy pandas mlxtend"

# pip_missing: the Python packages python3 cannot import.
pip_missing() {
  out=""
  for mod in $PY_PACKAGES; do
    python3 -c "import $mod" >/dev/null 2>&1 || out="$out $mod"
  done
  echo "$out"
}

install_python() {
  if ! command -v python3 >/dev/null 2>&1; then
    echo "install-deps: no python3 on PATH; the Python cross-checks will be skipped" >&2
    return 0
  fi
  want=$(pip_missing)
  if [ -n "$want" ]; then
    echo "install-deps: pip installing:$want"
    # shellcheck disable=SC2086 # one word per package
    python3 -m pip install --quiet $want
  fi
}

if [ -z "$missing" ]; then
  echo "install-deps: all $count packages are installed"
  install_python
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1; then
  as_root="sudo"
else
  echo "install-deps: missing:$missing" >&2
  echo "install-deps: not root and no sudo; install them and run again." >&2
  exit 1
fi

echo "install-deps: installing:$missing"
$as_root apt-get update
# shellcheck disable=SC2086 # one word per package
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
install_python
