#!/usr/bin/env python3
"""EASE on full Online Retail: libbundle (every built backend) against numpy.

libbundle side: bench_ease (one process per backend) loads the file with the
online_retail preset (users = customers as rows, items = stock codes), builds EASE with
ease.lambda (default 500) --repeat times, and writes the Gram matrix G = X^T X it
inverted and its B. numpy side (a subprocess of its own, so its peak RSS is its own):
reads that same G and computes

    P = np.linalg.inv(G + lambda I)          float64 (the reference) and float32
    B = P / -diag(P), diag(B) = 0

timing inv alone and inv + B (and, when scipy is there, scipy's spotrf + spotri: the
Cholesky route libbundle takes, for reference). Then every libbundle B is compared with the float64 B:
the check is max |B_libbundle - B_numpy| <= 1e-4 (absolute).

Prints, per backend: libbundle's EASE time (median of the runs; its Gram and inverse
parts from the library's log), numpy's time, the ratio numpy / libbundle (> 1: libbundle
faster), the weight difference, and both peak RSS values (VmHWM; libbundle's includes
the loaded dataset, numpy's the interpreter, numpy and G).

Usage (from the repository root):
  python3 tests/bench/bench_ease_vs_numpy.py [--repeat 3] [--ref-repeat 1] [--threads N]
      [--bench-ease build-ease-bench/tests/bench/bench_ease] [--backends ref,openblas]
      [--file ../shared/data/online_retail/online_retail.csv.gz] [--lambda 500] [--json-out F]

Exit status: 0 when every backend's weights are within 1e-4 of numpy's, 1 otherwise or
when a run failed, 2 when numpy is missing or an input is not there.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_FILE = os.path.join("..", "shared", "data", "online_retail", "online_retail.csv.gz")
DEFAULT_BINARIES = [os.path.join(d, "tests", "bench", "bench_ease") for d in ("build-ease-bench", "build-bench", "build")]
TOLERANCE = 1e-4

# The numpy side: argv = gram path, n, lambda, repeat, then B files to compare.
NUMPY_SCRIPT = r"""
import json, sys, time
import numpy as np
def vmhwm():
    try:
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return -1
gram, n, lam, repeat = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
g32 = np.fromfile(gram, dtype=np.float32).reshape(n, n)
out = {"numpy": np.__version__, "n": n}
for name, dtype in (("f64", np.float64), ("f32", np.float32)):
    a = g32.astype(dtype) + dtype(lam) * np.eye(n, dtype=dtype)
    inv_s, ease_s = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        p = np.linalg.inv(a)
        t1 = time.perf_counter()
        b = p / -np.diag(p)
        np.fill_diagonal(b, 0)
        t2 = time.perf_counter()
        inv_s.append(t1 - t0)
        ease_s.append(t2 - t0)
    out[name + "_inv_s"] = inv_s
    out[name + "_ease_s"] = ease_s
    if name == "f64":
        b64 = b
    else:
        out["f32_vs_f64_max_abs"] = float(np.abs(b.astype(np.float64) - b64).max())
    del a, p, b
try:  # the same algorithm as libbundle (Cholesky, float32), for reference: scipy's LAPACK
    from scipy.linalg import lapack
    a = g32 + np.float32(lam) * np.eye(n, dtype=np.float32)
    chol_s = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        c, info = lapack.spotrf(a, lower=1)
        p, info2 = lapack.spotri(c, lower=1)
        p = np.tril(p) + np.tril(p, -1).T
        b = p / -np.diag(p)
        np.fill_diagonal(b, 0)
        chol_s.append(time.perf_counter() - t0)
    out["scipy_potri_f32_ease_s"] = chol_s
    out["scipy_potri_f32_vs_f64_max_abs"] = float(np.abs(b.astype(np.float64) - b64).max())
    del a, c, p, b
except ImportError:
    pass
out["vmhwm_kib"] = vmhwm()
out["max_abs_b"] = float(np.abs(b64).max())
out["diffs"] = {}
for path in sys.argv[5:]:
    bl = np.fromfile(path, dtype=np.float32).reshape(n, n).astype(np.float64)
    out["diffs"][path] = {"max_abs": float(np.abs(bl - b64).max()),
                          "diag_zero": bool(np.all(np.diag(bl) == 0))}
print(json.dumps(out))
"""


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def run(argv, env=None):
    t0 = time.perf_counter()
    proc = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError("%s exited with %d:\n%s" % (" ".join(argv), proc.returncode, proc.stderr.strip()))
    line = [l for l in proc.stdout.strip().splitlines() if l.startswith("{")][-1]
    return wall, json.loads(line)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="EASE builds per backend and numpy inversions (default 3)")
    ap.add_argument("--ref-repeat", type=int, default=1, help="builds on the ref backend (slow; default 1)")
    ap.add_argument("--threads", type=int, default=None, help="threads for both sides (default: all cores)")
    ap.add_argument("--bench-ease", default=None, help="bench_ease binary (default build-ease-bench/..., build-bench/...)")
    ap.add_argument("--backends", default=None, help="comma-separated backends (default: every built one)")
    ap.add_argument("--file", default=DEFAULT_FILE, help="input, relative to the repo root (default %(default)s)")
    ap.add_argument("--lambda", dest="lam", type=float, default=500.0, help="ease.lambda (default 500)")
    ap.add_argument("--json-out", default=None, help="also write all raw numbers to this JSON file")
    args = ap.parse_args()

    chk = subprocess.run([sys.executable, "-c", "import numpy"], capture_output=True, text=True)
    if chk.returncode != 0:
        print("numpy is not importable with %s; install it with: %s -m pip install numpy"
              % (sys.executable, sys.executable), file=sys.stderr)
        return 2
    binary = args.bench_ease or next((b for b in DEFAULT_BINARIES if os.path.exists(os.path.join(REPO, b))),
                                     DEFAULT_BINARIES[0])
    binary = os.path.abspath(os.path.join(REPO, binary))
    data = os.path.abspath(os.path.join(REPO, args.file))
    for path, what in ((binary, "bench_ease (cmake --build <dir> --target bench_ease)"), (data, "input file")):
        if not os.path.exists(path):
            print("missing %s: %s" % (what, path), file=sys.stderr)
            return 2
    backends = args.backends.split(",") if args.backends else \
        subprocess.run([binary, "--list-backends"], capture_output=True, text=True, check=True).stdout.split()
    env = dict(os.environ)
    if args.threads:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(args.threads)

    try:
        load = os.getloadavg()
    except OSError:
        load = (-1, -1, -1)
    print("machine: %s, %d CPUs, load average %.2f %.2f %.2f" % (cpu_model(), os.cpu_count(), *load))
    results = {"machine": cpu_model(), "cpus": os.cpu_count(), "load_before": load, "backends": {}}
    with tempfile.TemporaryDirectory(prefix="bndl_ease_bench_") as tmp:
        lib = {}
        for be in backends:
            rep = args.ref_repeat if be == "ref" else args.repeat
            argv = [binary, "--backend", be, "--repeat", str(rep), "--lambda", str(args.lam), "--out", tmp, data]
            if args.threads:
                argv[1:1] = ["--threads", str(args.threads)]
            wall, res = run(argv)
            res["process_wall_s"] = wall
            lib[be] = res
            print("libbundle %-8s %d users x %d items (nnz %d): EASE %s s (Gram %s, inverse %s on %s), peak RSS %.1f MiB"
                  % (be, res["users"], res["items"], res["nnz"], " ".join("%.3f" % t for t in res["ease_s"]),
                     " ".join("%.3f" % t for t in res["gram_s"]), " ".join("%.3f" % t for t in res["inverse_s"]),
                     res["inverse_provider"], res["vmhwm_kib"] / 1024), flush=True)
        n = next(iter(lib.values()))["items"]
        b_files = [os.path.join(tmp, "ease_b_%s.f32" % be) for be in backends]
        _, npy = run([sys.executable, "-c", NUMPY_SCRIPT, os.path.join(tmp, "gram.f32"), str(n), str(args.lam),
                      str(args.repeat)] + b_files, env=env)
        med = {k: statistics.median(npy[k]) for k in ("f64_inv_s", "f64_ease_s", "f32_inv_s", "f32_ease_s")}
        print("numpy %s: inv float64 %.3f s (+B: %.3f s), inv float32 %.3f s (+B: %.3f s), peak RSS %.1f MiB; "
              "float32 vs float64 B: %.3g" % (npy["numpy"], med["f64_inv_s"], med["f64_ease_s"], med["f32_inv_s"],
                                              med["f32_ease_s"], npy["vmhwm_kib"] / 1024, npy["f32_vs_f64_max_abs"]))
        if "scipy_potri_f32_ease_s" in npy:
            print("scipy spotrf+spotri (float32 Cholesky, libbundle's algorithm) + B: %.3f s; vs float64 B: %.3g"
                  % (statistics.median(npy["scipy_potri_f32_ease_s"]), npy["scipy_potri_f32_vs_f64_max_abs"]))
        ok = True
        print("\n| backend | libbundle EASE (median) | of which inverse | numpy f64 inv+B | ratio numpy/libbundle "
              "| numpy f32 inv+B | ratio | max abs(B - B_numpy) | peak RSS libbundle / numpy |")
        print("|---|---|---|---|---|---|---|---|---|")
        for be, path in zip(backends, b_files):
            r = lib[be]
            d = npy["diffs"][path]
            t = statistics.median(r["ease_s"])
            good = d["max_abs"] <= TOLERANCE and d["diag_zero"]
            ok &= good
            print("| %s | %.3f s | %.3f s | %.3f s | %.2fx | %.3f s | %.2fx | %.2g%s | %.0f / %.0f MiB |"
                  % (be, t, statistics.median(r["inverse_s"]), med["f64_ease_s"], med["f64_ease_s"] / t,
                     med["f32_ease_s"], med["f32_ease_s"] / t, d["max_abs"], "" if good else " (FAIL)",
                     r["vmhwm_kib"] / 1024, npy["vmhwm_kib"] / 1024))
            results["backends"][be] = {"libbundle": r, "diff": d}
        results["numpy"] = npy
        print("\nmax |B| = %.3g; weights equal within %g on every backend: %s"
              % (npy["max_abs_b"], TOLERANCE, "yes" if ok else "NO"))
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(results, f, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
