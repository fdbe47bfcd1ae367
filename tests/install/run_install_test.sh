#!/bin/sh
# run_install_test.sh - install a build tree into a scratch prefix and build a consumer
# against it twice: through find_package(Bundle) and through pkg-config with plain cc.
#
#   run_install_test.sh <build dir> <consumer source dir> <scratch dir> <cmake> <cc>
#
# Nothing here touches the network or the system prefix. Exit 77 (ctest SKIP) when
# pkg-config is not installed.
set -eu

build=$1
consumer=$2
work=$3
cmake=$4
cc=$5

if ! command -v pkg-config >/dev/null 2>&1; then
  echo "SKIP: pkg-config not found"
  exit 77
fi

step() { printf '\n== %s\n' "$*"; }

rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix

step "install $build -> $prefix"
"$cmake" --install "$build" --prefix "$prefix"
lib=$(find "$prefix" -name 'libbundle.so.0' | head -n 1)
[ -n "$lib" ] || { echo "FAIL: libbundle.so.0 was not installed"; exit 1; }
libdir=$(dirname "$lib")
for f in include/bundle/bundle.h include/bundle/bundle_types.h include/bundle/bundle_export.h \
         include/bundle/bundle_version.h; do
  [ -f "$prefix/$f" ] || { echo "FAIL: $f was not installed"; exit 1; }
done
[ -f "$libdir/libbundle.a" ] || { echo "FAIL: libbundle.a was not installed"; exit 1; }
[ -f "$libdir/pkgconfig/libbundle.pc" ] || { echo "FAIL: libbundle.pc was not installed"; exit 1; }

# Runs a consumer binary against the installed library only, and checks it was.
run_consumer() {
  out=$(LD_LIBRARY_PATH="$libdir" "$1")
  echo "$out"
  case $out in
    "libbundle "*) ;;
    *) echo "FAIL: unexpected output from $1"; exit 1 ;;
  esac
  if command -v ldd >/dev/null 2>&1 && ldd "$1" | grep -q 'libbundle\.so'; then
    used=$(LD_LIBRARY_PATH="$libdir" ldd "$1" | sed -n 's/.*libbundle\.so\.0 => \([^ ]*\).*/\1/p')
    case $used in
      "$libdir"/*) ;;
      *) echo "FAIL: $1 loads $used, not the installed $libdir/libbundle.so.0"; exit 1 ;;
    esac
  fi
}

step "consumer through find_package(Bundle CONFIG REQUIRED)"
"$cmake" -S "$consumer" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
"$cmake" --build "$work/cmake-build"
run_consumer "$work/cmake-build/consumer"
run_consumer "$work/cmake-build/consumer_static"

step "consumer through pkg-config"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
flags=$(pkg-config --cflags --libs libbundle)
echo "pkg-config --cflags --libs libbundle: $flags"
version=$(pkg-config --modversion libbundle)
echo "pkg-config --modversion libbundle: $version"
# The flags must point into the scratch prefix, wherever the build was configured for.
case $flags in
  *"-L"*) ;;
  *) echo "FAIL: no -L in the pkg-config flags"; exit 1 ;;
esac
inc=$(pkg-config --variable=includedir libbundle)
[ -f "$inc/bundle/bundle.h" ] || { echo "FAIL: pkg-config includedir '$inc' has no bundle/bundle.h"; exit 1; }
pcl=$(pkg-config --variable=libdir libbundle)
[ -f "$pcl/libbundle.so.0" ] || { echo "FAIL: pkg-config libdir '$pcl' has no libbundle.so.0"; exit 1; }
# shellcheck disable=SC2086 # the flags are meant to split
"$cc" -std=c11 -Wall -Wextra -Werror "$consumer/consumer.c" $flags -o "$work/consumer_pc"
run_consumer "$work/consumer_pc"

step "PASS: installed tree usable through CMake and pkg-config"
