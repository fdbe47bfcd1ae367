#!/bin/sh
# bootstrap.sh - from a fresh clone to a result in one command.
#
#   cmake/bootstrap.sh sample   install deps, build build/ (RelWithDebInfo), run the
#                               quickstart example on tests/data
#   cmake/bootstrap.sh test     install deps, build build/ with the real datasets of
#                               ../shared/data required, run the whole ctest suite
#
# Any failing step stops the script with a nonzero status. BNDL_JOBS sets the build and
# test parallelism (default 2, the size of the CI machine).
set -eu

usage() {
  echo "usage: $0 sample|test" >&2
  exit 2
}
[ $# -eq 1 ] || usage
mode=$1
case $mode in
  sample | test) ;;
  *) usage ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
jobs=${BNDL_JOBS:-2}
cd "$root"

sh "$here/install-deps.sh"

if [ "$mode" = sample ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
  cmake --build build -j "$jobs"
  build/examples/c/quickstart tests/data
else
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBNDL_REQUIRE_SHARED_DATA=ON
  cmake --build build -j "$jobs"
  (cd build && ctest --output-on-failure -j "$jobs")
fi
