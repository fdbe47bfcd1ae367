#!/usr/bin/env python3
"""Item-item top-k cosine: libbundle (bench_similarity) against scipy.sparse.

Datasets (both from ../shared/data):
  youshu   youshu/user_item.txt, users x items (only items that occur: 21,034 of the
           32,770 ids; the others have no interactions and no neighbours on either side)
  retail   online_retail/online_retail.csv.gz as invoices x stock codes (libbundle's
           online_retail preset with USER mapped to InvoiceNo; cancellations weigh < 0
           and are left out)
Both sides compute the same thing on the same binary matrix: for every item the K
(default 50) items with the highest cosine over the users (invoices) they share, the
item itself excluded, score descending, ties by lower index.

  libbundle: bench_similarity [--threads N] --backend B SOURCE FILE, once per built
             backend (the sparse path uses no backend op, so they should agree; the
             numbers show it).
  scipy:     reads the matrix libbundle built (bench_similarity --dump-matrix, so both
             sides see identical input), then G = (X.T @ X).tocsr(), cosine by the square
             roots of G's diagonal, the diagonal excluded, and per row np.argpartition
             for the top K, sorted by (-score, index). This is the usual scipy recipe.

Each side runs in its own subprocess, RUNS times, alternating. Reported per side:
  time     the similarity call's own wall time inside the process, best of REPEAT
           calls (libbundle: bndl_similarity_items; scipy: X.T @ X .. top-k), the
           median over runs of that best, and its CPU time (all threads);
  memory   sim_peak: the process's VmHWM while computing (the high-water mark is reset
           through /proc/self/clear_refs just before, so loading does not count; the
           data the computation reads is included), sim_extra = sim_peak - VmRSS just
           before computing, and the whole process's peak (os.wait4 ru_maxrss, KiB).
Ratios: time scipy / libbundle (> 1: libbundle faster), memory libbundle / scipy
(< 1: libbundle smaller). The goal is >= 3x faster with lower peak memory.

The results are also compared (a third subprocess, so this process never imports numpy
and stays small, see the ru_maxrss caveat in bench_load_vs_pandas.py): same number of
neighbours per row, scores within 1e-5, neighbour sets equal except at ties.

Usage (from the repository root):
  python3 tests/bench/bench_similarity_vs_scipy.py [--runs 3] [--repeat 3] [--k 50]
      [--threads N] [--datasets youshu,retail] [--bench PATH] [--json-out PATH]

Exit status: 0 after a complete comparison (whether or not the goal is met), 1 if a run
failed or the results disagree, 2 if scipy is missing or an input is missing.
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

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DATA = os.path.join(REPO, "..", "shared", "data")
DATASETS = {
    "youshu": ("youshu", os.path.join(DATA, "youshu", "user_item.txt")),
    "retail": ("retail_invoices", os.path.join(DATA, "online_retail", "online_retail.csv.gz")),
}
DEFAULT_BINARIES = [
    os.path.join("build-sim-bench", "tests", "bench", "bench_similarity"),
    os.path.join("build-bench", "tests", "bench", "bench_similarity"),
    os.path.join("build", "tests", "bench", "bench_similarity"),
]

# ---- the scipy side and the comparison, each run as `python3 THIS --child ...`

CHILD_COMMON = r"""
import json, sys, time
import numpy as np

def proc_kib(field):
    try:
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith(field + ":"))
    except (OSError, StopIteration):
        return -1

def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass

def read_csr(path, with_shape):
    with open(path, "rb") as f:
        head = np.fromfile(f, np.int64, 3 if with_shape else 2)
        rows, nnz = int(head[0]), int(head[-1])
        indptr = np.fromfile(f, np.int64, rows + 1)
        idx = np.fromfile(f, np.int32, nnz)
        val = np.fromfile(f, np.float32, nnz)
    return head, indptr, idx, val

def write_csr(path, indptr, cols, vals):
    with open(path, "wb") as f:
        np.array([len(indptr) - 1, indptr[-1]], np.int64).tofile(f)
        indptr.astype(np.int64).tofile(f)
        cols.astype(np.int32).tofile(f)
        vals.astype(np.float32).tofile(f)
"""

SCIPY_CHILD = CHILD_COMMON + r"""
import scipy, scipy.sparse as sp

def topk_cosine(X, k):
    G = (X.T @ X).tocsr()                    # items x items: co-occurrence (weighted dot)
    n = G.shape[0]
    norms = np.sqrt(G.diagonal())            # ||x_i||, the diagonal of X^T X
    counts = np.diff(G.indptr)
    rows = np.repeat(np.arange(n, dtype=np.int32), counts)
    G.data /= norms[rows] * norms[G.indices]  # cosine
    G.data[rows == G.indices] = -np.inf      # the item itself is no neighbour
    out_ptr = np.zeros(n + 1, np.int64)
    out_cols, out_vals = [], []
    data, indices, indptr = G.data, G.indices, G.indptr
    for i in range(n):
        s, e = indptr[i], indptr[i + 1]
        vals, cols = data[s:e], indices[s:e]
        if e - s > k:
            part = np.argpartition(-vals, k - 1)[:k]
            vals, cols = vals[part], cols[part]
        order = np.lexsort((cols, -vals))
        vals, cols = vals[order], cols[order]
        m = len(vals)
        while m and vals[m - 1] == -np.inf:
            m -= 1
        out_cols.append(cols[:m])
        out_vals.append(vals[:m])
        out_ptr[i + 1] = out_ptr[i] + m
    return out_ptr, np.concatenate(out_cols), np.concatenate(out_vals)

matrix, k, repeat, dump = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
head, indptr, idx, val = read_csr(matrix, True)
X = sp.csr_matrix((val, idx, indptr), shape=(int(head[0]), int(head[1])))
reset_peak()
rss_before = proc_kib("VmRSS")
times, cpus = [], []
for _ in range(repeat):
    res = None
    t, c = time.perf_counter(), time.process_time()
    res = topk_cosine(X, k)
    times.append(time.perf_counter() - t)
    cpus.append(time.process_time() - c)
peak = proc_kib("VmHWM")
write_csr(dump, *res)
print(json.dumps({"scipy": scipy.__version__, "numpy": np.__version__, "users": int(head[0]),
                  "items": int(head[1]), "nnz": int(head[2]), "sim_s": times, "sim_cpu_s": cpus,
                  "sim_best_s": min(times), "sim_best_cpu_s": min(cpus), "result_nnz": int(res[0][-1]),
                  "rss_before_sim_kib": rss_before, "sim_peak_rss_kib": peak}))
"""

COMPARE_CHILD = CHILD_COMMON + r"""
a_path, b_path, tol = sys.argv[1], sys.argv[2], float(sys.argv[3])
(ha, pa, ca, va), (hb, pb, cb, vb) = read_csr(a_path, False), read_csr(b_path, False)
report = {"rows": int(ha[0]), "nnz_a": int(ha[1]), "nnz_b": int(hb[1]), "rows_identical": 0,
          "rows_tie_differences": 0, "rows_bad": 0, "max_score_diff": 0.0, "examples": []}
if ha[0] != hb[0]:
    report["rows_bad"] = -1
else:
    for r in range(int(ha[0])):
        xa, xb = ca[pa[r]:pa[r + 1]], cb[pb[r]:pb[r + 1]]
        sa, sb = va[pa[r]:pa[r + 1]].astype(np.float64), vb[pb[r]:pb[r + 1]].astype(np.float64)
        if len(xa) != len(xb):
            report["rows_bad"] += 1
            report["examples"].append("row %d: %d vs %d neighbours" % (r, len(xa), len(xb)))
            continue
        if len(xa) == 0:
            report["rows_identical"] += 1
            continue
        # sorted descending on both sides: the j-th scores must agree
        d = float(np.max(np.abs(sa - sb)))
        report["max_score_diff"] = max(report["max_score_diff"], d)
        if d > tol:
            report["rows_bad"] += 1
            report["examples"].append("row %d: score difference %.3g" % (r, d))
            continue
        if np.array_equal(xa, xb):
            report["rows_identical"] += 1
            continue
        # a different set or order is fine only among scores tied (within tol) with the k-th
        kth = min(sa[-1], sb[-1])
        diff = set(xa.tolist()) ^ set(xb.tolist())
        sa_of = dict(zip(xa.tolist(), sa)); sb_of = dict(zip(xb.tolist(), sb))
        ok = all(abs((sa_of.get(c, sb_of.get(c))) - kth) <= tol for c in diff)
        if ok:
            report["rows_tie_differences"] += 1
        else:
            report["rows_bad"] += 1
            report["examples"].append("row %d: neighbour sets differ above the k-th score" % r)
report["examples"] = report["examples"][:5]
print(json.dumps(report))
"""


def own_rss_kib():
    try:
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return -1


def run_child(cmd):
    """Runs cmd, returns (parsed JSON of its last stdout line, ru_maxrss KiB)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = p.stdout.read(), p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.stderr.write("command failed (%d): %s\n%s" % (p.returncode, " ".join(cmd), err))
        return None, usage.ru_maxrss
    return json.loads(out.strip().splitlines()[-1]), usage.ru_maxrss


def find_bench(path):
    for cand in [path] if path else DEFAULT_BINARIES:
        full = cand if os.path.isabs(cand) else os.path.join(REPO, cand)
        if os.path.exists(full):
            return full
    return None


def backends(bench):
    """Built backends, from a quick run per name (bench fails on a backend not built)."""
    out = []
    for name in ("ref", "openblas", "onednn"):
        r = subprocess.run([bench, "--backend", name, "--repeat", "1", "--k", "1", "youshu", "/nonexistent"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if "bndl_context_set_backend" not in r.stderr:
            out.append(name)
    return out


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--k", type=int, default=50)
    ap.add_argument("--threads", type=int, default=0, help="libbundle pool threads (0 = all CPUs)")
    ap.add_argument("--datasets", default="youshu,retail")
    ap.add_argument("--bench", default=None)
    ap.add_argument("--json-out", default=None)
    args = ap.parse_args()

    if subprocess.run([sys.executable, "-c", "import numpy, scipy"], stderr=subprocess.DEVNULL).returncode != 0:
        print("scipy/numpy not importable by %s: python3 -m pip install numpy scipy "
              "(cmake/install-deps.sh does it)" % sys.executable)
        return 2
    bench = find_bench(args.bench)
    if bench is None:
        print("bench_similarity not found; build it: cmake --build build-sim-bench --target bench_similarity "
              "(or pass --bench PATH)")
        return 2
    built = backends(bench)
    me = os.path.abspath(__file__)
    results = {"machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
                           "parent_rss_kib": own_rss_kib()},
               "k": args.k, "runs": args.runs, "repeat": args.repeat, "threads": args.threads, "datasets": {}}
    print("parent RSS %d KiB (ru_maxrss of a child cannot be below it)" % own_rss_kib())
    failed = False
    with tempfile.TemporaryDirectory(prefix="bndl_sim_bench_") as tmp:
        for name in args.datasets.split(","):
            source, path = DATASETS[name]
            if not os.path.exists(path):
                print("missing input %s" % path)
                return 2
            matrix = os.path.join(tmp, name + ".matrix")
            nb_lib = os.path.join(tmp, name + ".lib")
            nb_sp = os.path.join(tmp, name + ".scipy")
            lib_base = [bench, "--k", str(args.k), "--repeat", str(args.repeat)]
            if args.threads:
                lib_base += ["--threads", str(args.threads)]
            prep, _ = run_child(lib_base + ["--dump-matrix", matrix, "--dump-neighbors", nb_lib, source, path])
            if prep is None:
                return 1
            runs = {b: [] for b in built}
            runs["scipy"] = []
            for _ in range(args.runs):
                for b in built:
                    j, rss = run_child(lib_base + ["--backend", b, source, path])
                    if j is None:
                        return 1
                    j["maxrss_kib"] = rss
                    runs[b].append(j)
                j, rss = run_child([sys.executable, "-c", SCIPY_CHILD, matrix, str(args.k), str(args.repeat), nb_sp])
                if j is None:
                    return 1
                j["maxrss_kib"] = rss
                runs["scipy"].append(j)
            cmp_, _ = run_child([sys.executable, "-c", COMPARE_CHILD, nb_lib, nb_sp, "1e-5"])
            if cmp_ is None or cmp_["rows_bad"] != 0:
                failed = True
            summary = {}
            for side, rs in runs.items():
                summary[side] = {
                    "sim_best_s": min(r["sim_best_s"] for r in rs),
                    "sim_median_best_s": med([r["sim_best_s"] for r in rs]),
                    "sim_best_cpu_s": min(r["sim_best_cpu_s"] for r in rs),
                    "sim_peak_rss_kib": med([r["sim_peak_rss_kib"] for r in rs]),
                    "sim_extra_kib": med([r["sim_peak_rss_kib"] - r["rss_before_sim_kib"] for r in rs]),
                    "maxrss_kib": med([r["maxrss_kib"] for r in rs]),
                }
            sp_ = summary["scipy"]
            print("\n== %s: %d users x %d items, %d nonzeros, top-%d cosine" %
                  (name, prep["users"], prep["items"], prep["nnz"], args.k))
            print("   libbundle: %d threads, backends %s; scipy %s, numpy %s" %
                  (prep["threads"], ", ".join(built), runs["scipy"][0]["scipy"], runs["scipy"][0]["numpy"]))
            print("   %-9s %10s %10s %10s %12s %12s %12s %8s %8s" %
                  ("side", "best s", "median s", "cpu s", "sim peak", "sim extra", "proc peak", "time x", "mem x"))
            for side, s in summary.items():
                tx = sp_["sim_median_best_s"] / s["sim_median_best_s"]
                mx = s["sim_peak_rss_kib"] / sp_["sim_peak_rss_kib"]
                s["time_ratio_scipy_over_side"] = tx
                s["sim_peak_ratio_side_over_scipy"] = mx
                s["sim_extra_ratio_side_over_scipy"] = s["sim_extra_kib"] / max(sp_["sim_extra_kib"], 1)
                s["maxrss_ratio_side_over_scipy"] = s["maxrss_kib"] / sp_["maxrss_kib"]
                print("   %-9s %10.4f %10.4f %10.4f %9d KiB %9d KiB %9d KiB %8.2f %8.2f" %
                      (side, s["sim_best_s"], s["sim_median_best_s"], s["sim_best_cpu_s"], s["sim_peak_rss_kib"],
                       s["sim_extra_kib"], s["maxrss_kib"], tx, mx))
            print("   results: %s" % json.dumps(cmp_))
            goal = all(summary[b]["time_ratio_scipy_over_side"] >= 3 and
                       summary[b]["sim_peak_ratio_side_over_scipy"] < 1 for b in built)
            print("   goal (>= 3x faster, lower peak memory) on every backend: %s" % ("met" if goal else "NOT met"))
            results["datasets"][name] = {"input": prep, "summary": summary, "runs": runs, "compare": cmp_,
                                         "goal_met": goal}
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(results, f, indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
