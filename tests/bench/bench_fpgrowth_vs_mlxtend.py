#!/usr/bin/env python3
"""FP-growth on Online Retail invoices: libbundle against mlxtend, same baskets.

libbundle side: bench_fpgrowth (one subprocess) loads the file with the online_retail
preset, then times bndl_copurchase_itemsets RUNS times per min support (after a warm-up
run): basket extraction from the dataset's events + FP-growth + the sorted result. It
dumps the itemsets for the identity check.

mlxtend side (in this process): the CSV is read once with the csv and gzip modules and
filtered the way the dataset is (CustomerID present, UnitPrice > 0, Quantity > 0, no
C invoices, exact duplicate rows dropped) into one basket per invoice; parsing is not
timed against mlxtend. Each run times, separately, the one-hot encoding fpgrowth needs
(mlxtend's TransactionEncoder into a bool DataFrame) and fpgrowth(min_support,
use_colnames=True).

Both sides report wall time (perf_counter / CLOCK_MONOTONIC) and CPU time
(process_time / CLOCK_PROCESS_CPUTIME_ID; the latter does not grow while a process
waits for a CPU on a loaded machine). The itemsets and supports must be identical.
Prints medians and the ratios mlxtend / libbundle for fpgrowth alone and for one-hot +
fpgrowth (goal: >= 10x).

Usage (from the repository root):
  python3 tests/bench/bench_fpgrowth_vs_mlxtend.py [--runs 3] [--threads N]
      [--bench build-bench/tests/bench/bench_fpgrowth] [--min-support 0.01 0.005]
      [--file ../shared/data/online_retail/online_retail.csv.gz] [--json-out out.json]

Exit status: 0 after a complete comparison with identical itemsets (whether or not the
goal is met), 1 if the itemsets differ or a run failed, 2 if mlxtend/pandas cannot be
imported or an input is missing.
"""
import argparse
import csv
import gzip
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
DEFAULT_BINARIES = [
    os.path.join("build-bench", "tests", "bench", "bench_fpgrowth"),
    os.path.join("build", "tests", "bench", "bench_fpgrowth"),
]


def read_baskets(path):
    """Invoice -> set of StockCodes, with the dataset's row filters."""
    baskets = {}
    seen = set()
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        rows = csv.reader(f)
        header = next(rows)
        col = {name: i for i, name in enumerate(header)}
        inv, code, qty, price, cust = (col[c] for c in ("InvoiceNo", "StockCode", "Quantity", "UnitPrice", "CustomerID"))
        for row in rows:
            key = tuple(row)
            if key in seen:
                continue
            seen.add(key)
            if not row[cust].strip() or row[inv].startswith("C"):
                continue
            if float(row[qty]) <= 0 or float(row[price]) <= 0:
                continue
            baskets.setdefault(row[inv], set()).add(row[code])
    return [sorted(b) for b in baskets.values()]


def read_dump(path):
    with open(path) as f:
        head = f.readline().rstrip("\n").split("\t")
        n = int(head[1])
        sets = {}
        for line in f:
            fields = line.rstrip("\n").split("\t")
            sets[frozenset(fields[1:])] = int(fields[0])
    return n, sets


def med(xs):
    return statistics.median(xs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="libbundle threads (0 = library default)")
    ap.add_argument("--bench", help="path of bench_fpgrowth")
    ap.add_argument("--file", default=os.path.join(REPO, DEFAULT_FILE))
    ap.add_argument("--min-support", type=float, nargs="+", default=[0.01, 0.005])
    ap.add_argument("--json-out")
    args = ap.parse_args()
    try:
        import mlxtend
        import pandas as pd
        from mlxtend.frequent_patterns import fpgrowth
        from mlxtend.preprocessing import TransactionEncoder
    except ImportError as e:
        print("needs mlxtend and pandas (python3 -m pip install mlxtend pandas): %s" % e, file=sys.stderr)
        return 2
    bench = args.bench or next((os.path.join(REPO, p) for p in DEFAULT_BINARIES
                                if os.path.exists(os.path.join(REPO, p))), None)
    if bench is None or not os.path.exists(bench) or not os.path.exists(args.file):
        print("missing bench_fpgrowth (build it, or pass --bench) or the data file %s" % args.file, file=sys.stderr)
        return 2

    print("machine: %s, %d CPUs, python %s, pandas %s, mlxtend %s" % (
        platform.processor() or platform.machine(), os.cpu_count(), platform.python_version(), pd.__version__,
        mlxtend.__version__))
    t0, c0 = time.perf_counter(), time.process_time()
    baskets = read_baskets(args.file)
    print("python csv parse + filter: %.2f s wall, %d baskets (not part of the comparison)" % (
        time.perf_counter() - t0, len(baskets)))

    with tempfile.TemporaryDirectory() as tmp:
        cmd = [bench, "--runs", str(args.runs), "--dump-dir", tmp]
        if args.threads:
            cmd += ["--threads", str(args.threads)]
        cmd += ["online_retail", args.file] + ["%r" % ms for ms in args.min_support]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        ours = [json.loads(line) for line in out.splitlines() if line.strip()]
        dumps = {ms: read_dump(os.path.join(tmp, "itemsets_%r.tsv" % ms)) for ms in args.min_support}

    results = []
    ok = True
    for ms, lib in zip(args.min_support, ours):
        onehot, fp, onehot_cpu, fp_cpu = [], [], [], []
        res = None
        for _ in range(args.runs):
            w0, c0 = time.perf_counter(), time.process_time()
            te = TransactionEncoder()
            df = pd.DataFrame(te.fit(baskets).transform(baskets), columns=te.columns_)
            w1, c1 = time.perf_counter(), time.process_time()
            res = fpgrowth(df, min_support=ms, use_colnames=True)
            w2, c2 = time.perf_counter(), time.process_time()
            onehot.append(w1 - w0)
            fp.append(w2 - w1)
            onehot_cpu.append(c1 - c0)
            fp_cpu.append(c2 - c1)
        theirs = {frozenset(s): sup for s, sup in zip(res["itemsets"], res["support"])}
        n, sets = dumps[ms]
        same = (n == len(baskets) and set(sets) == set(theirs)
                and all(sets[s] / n == theirs[s] for s in sets))
        ok = ok and same
        r = {
            "min_support": ms, "baskets": n, "itemsets": len(sets), "mlxtend_itemsets": len(theirs),
            "longest": lib["longest"], "identical": same, "threads": lib["threads"],
            "libbundle_wall_s": lib["median_s"], "libbundle_cpu_s": lib["cpu_median_s"],
            "libbundle_extract_s": lib["extract_s"],
            "mlxtend_onehot_wall_s": med(onehot), "mlxtend_fpgrowth_wall_s": med(fp),
            "mlxtend_onehot_cpu_s": med(onehot_cpu), "mlxtend_fpgrowth_cpu_s": med(fp_cpu),
        }
        r["ratio_fpgrowth_wall"] = r["mlxtend_fpgrowth_wall_s"] / r["libbundle_wall_s"]
        r["ratio_total_wall"] = (r["mlxtend_onehot_wall_s"] + r["mlxtend_fpgrowth_wall_s"]) / r["libbundle_wall_s"]
        r["ratio_fpgrowth_cpu"] = r["mlxtend_fpgrowth_cpu_s"] / r["libbundle_cpu_s"]
        r["ratio_total_cpu"] = (r["mlxtend_onehot_cpu_s"] + r["mlxtend_fpgrowth_cpu_s"]) / r["libbundle_cpu_s"]
        results.append(r)
        print("\nmin_support %g: %d baskets, %d itemsets (mlxtend %d), longest %d, identical: %s" % (
            ms, n, len(sets), len(theirs), lib["longest"], "yes" if same else "NO"))
        print("  libbundle (%d threads) itemsets call  wall %.4f s  cpu %.4f s   (runs %s; basket extraction "
              "alone %.4f s)" % (lib["threads"], lib["median_s"], lib["cpu_median_s"],
                                  ", ".join("%.4f" % x for x in lib["runs_s"]), lib["extract_s"]))
        print("  mlxtend one-hot (TransactionEncoder)  wall %.4f s  cpu %.4f s" % (med(onehot), med(onehot_cpu)))
        print("  mlxtend fpgrowth                      wall %.4f s  cpu %.4f s   (runs %s)" % (
            med(fp), med(fp_cpu), ", ".join("%.3f" % x for x in fp)))
        print("  ratio mlxtend/libbundle  fpgrowth alone: %.1fx wall, %.1fx cpu;  one-hot + fpgrowth: %.1fx wall, "
              "%.1fx cpu" % (r["ratio_fpgrowth_wall"], r["ratio_fpgrowth_cpu"], r["ratio_total_wall"],
                             r["ratio_total_cpu"]))
    met = all(r["ratio_fpgrowth_wall"] >= 10 for r in results)
    print("\ngoal (>= 10x faster than mlxtend fpgrowth, identical itemsets): %s" % (
        "MET" if met and ok else "NOT MET"))
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(results, f, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
