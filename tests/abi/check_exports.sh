#!/bin/sh
# check_exports.sh - the ELF export gate of API.md section 8.
#
#   check_exports.sh <libbundle.so> <expected SONAME> <unimplemented.txt> <header>...
#
# Fails when libbundle.so defines a dynamic symbol outside the bndl_ namespace (the
# linker's own _init/_fini/_edata/_end/__bss_start aside) or when its SONAME is not the
# expected one. Functions declared BNDL_API in the headers but not exported are only
# reported: those still being written belong in unimplemented.txt, and one missing
# without being listed prints a warning (BNDL_ABI_STRICT=1 turns that into a failure).
# Exit 77 (ctest SKIP) when binutils are not installed.
set -u

if [ $# -lt 4 ]; then
  echo "usage: $0 <libbundle.so> <expected SONAME> <unimplemented.txt> <header>..." >&2
  exit 2
fi
lib=$1
want_soname=$2
listed_file=$3
shift 3

for tool in nm readelf; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool not found (install binutils)"
    exit 77
  fi
done
[ -f "$lib" ] || { echo "FAIL: $lib does not exist"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
status=0

# ---- 1. every defined dynamic symbol is bndl_* (a version suffix "@..." is ignored)
nm -D --defined-only "$lib" | awk 'NF >= 3 { print $3 }' | sed 's/@.*//' | sort -u >"$tmp/exported"
grep -v -E '^(bndl_.*|_init|_fini|_edata|_end|__bss_start)$' "$tmp/exported" >"$tmp/foreign" || true
if [ -s "$tmp/foreign" ]; then
  echo "FAIL: libbundle exports symbols outside the bndl_ namespace:"
  sed 's/^/  /' "$tmp/foreign"
  status=1
fi

# ---- 2. SONAME
soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
if [ "$soname" != "$want_soname" ]; then
  echo "FAIL: SONAME is '$soname', expected '$want_soname'"
  status=1
fi

# ---- 3. declared BNDL_API functions against the exports. Declarations are read with
# the newlines removed, so a prototype split over lines is still one match.
cat "$@" | tr '\n' ' ' | grep -o 'BNDL_API[^(;{}]*(' |
  sed -E 's/.*[^A-Za-z0-9_]([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*\($/\1/' | sort -u >"$tmp/declared"
sed -e 's/#.*//' -e 's/[[:space:]]//g' "$listed_file" | grep -v '^$' | sort -u >"$tmp/listed"
grep '^bndl_' "$tmp/exported" >"$tmp/exported_bndl" || true
comm -23 "$tmp/declared" "$tmp/exported_bndl" >"$tmp/missing"
comm -12 "$tmp/missing" "$tmp/listed" >"$tmp/missing_listed"
comm -23 "$tmp/missing" "$tmp/listed" >"$tmp/missing_unlisted"
comm -13 "$tmp/missing" "$tmp/listed" >"$tmp/listed_but_present"
comm -13 "$tmp/declared" "$tmp/exported_bndl" >"$tmp/undeclared"

echo "libbundle: $(wc -l <"$tmp/exported_bndl") bndl_ exports, $(wc -l <"$tmp/declared") declared, SONAME $soname"
if [ -s "$tmp/missing_listed" ]; then
  echo "declared but not implemented yet (listed in $(basename "$listed_file")):"
  sed 's/^/  /' "$tmp/missing_listed"
fi
if [ -s "$tmp/missing_unlisted" ]; then
  echo "WARNING: declared but not exported, and not listed in $(basename "$listed_file"):"
  sed 's/^/  /' "$tmp/missing_unlisted"
  if [ "${BNDL_ABI_STRICT:-0}" = 1 ]; then
    echo "FAIL: BNDL_ABI_STRICT=1 and declared functions are missing"
    status=1
  fi
fi
if [ -s "$tmp/listed_but_present" ]; then
  echo "NOTE: listed as unimplemented but exported now (remove from the list):"
  sed 's/^/  /' "$tmp/listed_but_present"
fi
if [ -s "$tmp/undeclared" ]; then
  echo "WARNING: exported bndl_ symbols that no public header declares:"
  sed 's/^/  /' "$tmp/undeclared"
fi
[ $status -eq 0 ] && echo "PASS: exports and SONAME"
exit $status
