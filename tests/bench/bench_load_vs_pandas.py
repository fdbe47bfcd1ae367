#!/usr/bin/env python3
"""Load + clean a CSV (Online Retail by default) with libbundle and with pandas.

Each side runs as its own subprocess, RUNS times, alternating libbundle and pandas so
that machine drift hits both. For every run the wall time is taken from outside
(time.perf_counter around the subprocess) and the peak RSS from os.wait4 (ru_maxrss,
KiB on Linux). Prints median/min/max of both, the ratios

    time:   pandas / libbundle   (> 1 means libbundle is faster)
    memory: libbundle / pandas   (< 1 means libbundle uses less)

and whether the goal (>= 3x faster, <= pandas peak memory) is met.

  libbundle side: bench_load [--threads N] PRESET FILE (load_table + finalize)
  pandas side:    pd.read_csv(FILE) (C engine, compression inferred)
                  .drop_duplicates().dropna()

The pandas process's peak RSS includes the interpreter and the pandas import, which
is part of what a pandas user pays; a third subject, "python + import pandas" (the
same interpreter doing nothing but the import), is timed too so the import share can
be read off. pandas' own in-process time (read_csv .. dropna) is reported as well.

Peak RSS caveat (Linux): a child's ru_maxrss starts at the RSS its parent had when it
was spawned (the kernel carries the pre-exec high-water mark over exec, with fork and
with vfork/posix_spawn alike), so wait4 reports max(parent RSS, child peak). This
script therefore never imports pandas itself (the check runs in a subprocess), prints
its own RSS as the floor below which wait4 numbers mean nothing, and cross-checks with
each child's own VmHWM from /proc/self/status (the peak of its own address space).

Usage (from the repository root):
  python3 tests/bench/bench_load_vs_pandas.py [--runs 5] [--threads N]
      [--bench-load build-bench/tests/bench/bench_load]
      [--file ../shared/data/online_retail/online_retail.csv.gz] [--preset online_retail]
      [--json-out results.json]

Exit status: 0 after a complete comparison (whether or not the goal is met), 1 if a
run failed, 2 if pandas cannot be imported or an input is missing.
"""
import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_FILE = os.path.join("..", "shared", "data", "online_retail", "online_retail.csv.gz")
DEFAULT_BINARIES = [
    os.path.join("build-bench", "tests", "bench", "bench_load"),
    os.path.join("build", "tests", "bench", "bench_load"),
]

# The pandas side. Prints one JSON line; the timings are pandas' own (in-process).
PANDAS_SCRIPT = r"""
import json, resource, sys, time
def vmhwm():
    try:
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return -1
t0 = time.perf_counter()
import pandas as pd
t1 = time.perf_counter()
df = pd.read_csv(sys.argv[1])
t2 = time.perf_counter()
rows_read = len(df)
df = df.drop_duplicates()
t3 = time.perf_counter()
df = df.dropna()
t4 = time.perf_counter()
print(json.dumps({"pandas": pd.__version__, "vmhwm_kib": vmhwm(), "rows_read": rows_read, "rows_kept": len(df),
                  "import_s": t1 - t0, "read_csv_s": t2 - t1, "drop_duplicates_s": t3 - t2,
                  "dropna_s": t4 - t3, "work_s": t4 - t1,
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

IMPORT_SCRIPT = "import pandas"


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def run_once(argv):
    """Runs argv; returns (wall_s, maxrss_kib, stdout_text). Raises on failure."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, cwd=REPO)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4 already
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise RuntimeError("%s exited with %d:\n%s" % (" ".join(argv), proc.returncode, stderr.strip()))
    return wall, ru.ru_maxrss, stdout


def last_json_line(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError("no JSON line in output:\n" + text)


def stats(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="timed runs of each side (default 5)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed runs of each side first (default 1)")
    ap.add_argument("--threads", type=int, default=None,
                    help="bench_load --threads N (default: the library default, all cores)")
    ap.add_argument("--bench-load", default=None,
                    help="bench_load binary (default build-bench/tests/bench/bench_load, then build/...)")
    ap.add_argument("--file", default=DEFAULT_FILE, help="input file, relative to the repo root (default %(default)s)")
    ap.add_argument("--preset", default="online_retail", help="libbundle preset (default %(default)s)")
    ap.add_argument("--no-import-baseline", action="store_true", help="skip the 'import pandas' only runs")
    ap.add_argument("--json-out", default=None, help="also write all raw numbers to this JSON file")
    args = ap.parse_args()

    # Checked in a child: importing pandas here would raise every child's ru_maxrss floor.
    chk = subprocess.run([sys.executable, "-c", "import pandas"], capture_output=True, text=True)
    if chk.returncode != 0:
        err = chk.stderr.strip().splitlines()
        print("pandas is not importable with %s: %s\nInstall it with: %s -m pip install pandas"
              % (sys.executable, err[-1] if err else "?", sys.executable), file=sys.stderr)
        return 2

    binary = args.bench_load
    if binary is None:
        binary = next((b for b in DEFAULT_BINARIES if os.path.exists(os.path.join(REPO, b))), DEFAULT_BINARIES[0])
    binary = os.path.abspath(os.path.join(REPO, binary))
    path = os.path.abspath(os.path.join(REPO, args.file))
    for what, p in (("bench_load binary", binary), ("input file", path)):
        if not os.path.exists(p):
            print("%s not found: %s" % (what, p), file=sys.stderr)
            return 2

    lib_argv = [binary] + (["--threads", str(args.threads)] if args.threads is not None else []) + [args.preset, path]
    pd_argv = [sys.executable, "-c", PANDAS_SCRIPT, path]
    imp_argv = [sys.executable, "-c", IMPORT_SCRIPT]

    subjects = [("libbundle", lib_argv), ("pandas", pd_argv)]
    if not args.no_import_baseline:
        subjects.append(("import_only", imp_argv))

    results = {name: {"wall_s": [], "maxrss_kib": [], "inner": []} for name, _ in subjects}
    load_before = os.getloadavg()
    try:
        for _ in range(args.warmup):
            for _, argv in subjects:
                run_once(argv)
        for i in range(args.runs):
            # alternate the order too, so neither side always runs right after the other
            order = subjects if i % 2 == 0 else list(reversed(subjects))
            for name, argv in order:
                wall, rss, out = run_once(argv)
                results[name]["wall_s"].append(wall)
                results[name]["maxrss_kib"].append(rss)
                results[name]["inner"].append(last_json_line(out) if name != "import_only" else {})
    except RuntimeError as e:
        print(str(e), file=sys.stderr)
        return 1

    lib0 = results["libbundle"]["inner"][0]
    pd0 = results["pandas"]["inner"][0]
    print("machine:   %s, %d logical CPUs (%d usable), %s %s" % (
        cpu_model(), os.cpu_count() or 0, len(os.sched_getaffinity(0)), platform.system(), platform.release()))
    print("libbundle: %s (%s), threads %d" % (lib0.get("library", "?"), binary, lib0.get("threads", 0)))
    print("pandas:    %s   python: %s (%s)" % (pd0.get("pandas", "?"), platform.python_version(), sys.executable))
    print("file:      %s (%d bytes)" % (path, os.path.getsize(path)))
    load_after = os.getloadavg()
    print("runs:      %d timed per side after %d warm-up, alternating; load average %.2f before, %.2f after"
          % (args.runs, args.warmup, load_before[0], load_after[0]))
    print("rows:      libbundle read %d kept %d (users %d, items %d); pandas read %d kept %d" % (
        lib0["rows_read"], lib0["rows_kept"], lib0["users"], lib0["items"], pd0["rows_read"], pd0["rows_kept"]))
    print()

    floor_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("floor:     this script's own peak RSS is %.1f MiB; wait4 peaks at or below it are the"
          " parent's, not the child's" % (floor_kib / 1024))
    print()

    def row(label, name):
        w, r = stats(results[name]["wall_s"]), stats(results[name]["maxrss_kib"])
        hwm = [x.get("vmhwm_kib", -1) for x in results[name]["inner"]]
        hwm_txt = "%9.1f" % (statistics.median(hwm) / 1024) if hwm and min(hwm) > 0 else "%9s" % "-"
        print("%-30s %8.3f %8.3f %8.3f   %9.1f %9.1f %9.1f   %s%s" % (
            label, w["median"], w["min"], w["max"], r["median"] / 1024, r["min"] / 1024, r["max"] / 1024,
            hwm_txt, "  (<= floor!)" if r["min"] <= floor_kib else ""))

    print("%-30s %8s %8s %8s   %9s %9s %9s   %9s" % ("process (outside; wait4 RSS)", "med s", "min s", "max s",
                                                       "med MiB", "min MiB", "max MiB", "VmHWM MiB"))
    row("libbundle bench_load", "libbundle")
    row("pandas (python -c ...)", "pandas")
    if "import_only" in results:
        row("python + import pandas only", "import_only")
    print()

    def inner(name, key):
        return stats([r[key] for r in results[name]["inner"]])

    print("%-30s %8s %8s %8s" % ("in-process", "med s", "min s", "max s"))
    for label, name, key in (("libbundle load_table", "libbundle", "load_s"),
                             ("libbundle finalize", "libbundle", "finalize_s"),
                             ("libbundle load+finalize", "libbundle", None),
                             ("pandas read_csv", "pandas", "read_csv_s"),
                             ("pandas drop_duplicates", "pandas", "drop_duplicates_s"),
                             ("pandas dropna", "pandas", "dropna_s"),
                             ("pandas read+dedup+dropna", "pandas", "work_s"),
                             ("pandas import (in child)", "pandas", "import_s")):
        if key is None:
            s = stats([r["load_s"] + r["finalize_s"] for r in results[name]["inner"]])
        else:
            s = inner(name, key)
        print("%-30s %8.3f %8.3f %8.3f" % (label, s["median"], s["min"], s["max"]))
    print()

    lib_wall = statistics.median(results["libbundle"]["wall_s"])
    pd_wall = statistics.median(results["pandas"]["wall_s"])
    lib_rss = statistics.median(results["libbundle"]["maxrss_kib"])
    pd_rss = statistics.median(results["pandas"]["maxrss_kib"])
    lib_inner = statistics.median([r["load_s"] + r["finalize_s"] for r in results["libbundle"]["inner"]])
    pd_inner = statistics.median([r["work_s"] for r in results["pandas"]["inner"]])
    time_ratio = pd_wall / lib_wall
    inner_ratio = pd_inner / lib_inner
    mem_ratio = lib_rss / pd_rss
    print("time ratio   pandas/libbundle, process wall (median):   %.2fx" % time_ratio)
    print("time ratio   pandas/libbundle, in-process work (median): %.2fx" % inner_ratio)
    best_ratio = min(results["pandas"]["wall_s"]) / min(results["libbundle"]["wall_s"])
    best_inner = (min(r["work_s"] for r in results["pandas"]["inner"]) /
                  min(r["load_s"] + r["finalize_s"] for r in results["libbundle"]["inner"]))
    print("time ratio   pandas/libbundle, best of %d, process wall: %.2fx, in-process: %.2fx"
          % (args.runs, best_ratio, best_inner))
    if "import_only" in results:
        imp_rss = statistics.median(results["import_only"]["maxrss_kib"])
        print("memory       pandas peak above its import baseline: %.1f MiB" % ((pd_rss - imp_rss) / 1024))
    print("memory ratio libbundle/pandas, peak RSS (median):       %.2f" % mem_ratio)
    goal_time = time_ratio >= 3.0
    goal_mem = mem_ratio <= 1.0
    print("goal >= 3x faster (process wall): %s (%.2fx)%s" % (
        "MET" if goal_time else "NOT MET", time_ratio,
        "" if goal_time else ", short by %.0f%%: libbundle needs <= %.3f s" % ((1 - time_ratio / 3) * 100, pd_wall / 3)))
    print("goal <= pandas peak memory:       %s (%.2f)" % ("MET" if goal_mem else "NOT MET", mem_ratio))

    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump({"machine": {"cpu": cpu_model(), "cpus": os.cpu_count()},
                       "python": platform.python_version(), "argv": {k: v for k, v in subjects},
                       "runs": results, "time_ratio_wall": time_ratio, "time_ratio_inner": inner_ratio,
                       "mem_ratio": mem_ratio, "floor_kib": floor_kib,
                       "time_ratio_best_wall": best_ratio, "time_ratio_best_inner": best_inner,
                       "loadavg": [load_before[0], load_after[0]]}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
