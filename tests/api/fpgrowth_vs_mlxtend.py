#!/usr/bin/env python3
"""FP-growth of libbundle against mlxtend's fpgrowth on an Online Retail file.

Baskets are invoices. libbundle's side is copurchase_dump (the online_retail preset,
fp.min_support); the Python side reads the same CSV with the csv and gzip modules,
applies the rows filters the dataset applies (CustomerID present, UnitPrice > 0,
Quantity > 0, InvoiceNo not starting with C, exact duplicate rows dropped), one-hot
encodes the invoices and runs mlxtend.frequent_patterns.fpgrowth. Both must give the
same number of baskets, the same itemsets and the same supports (count / baskets, the
same double on both sides).

Exit status: 0 equal, 1 different, 77 (skip) when mlxtend or pandas cannot be imported.
"""
import argparse
import csv
import gzip
import math
import subprocess
import sys


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
            if key in seen:  # exact duplicate row (cannot change a set anyway)
                continue
            seen.add(key)
            if not row[cust].strip() or row[inv].startswith("C"):
                continue
            if float(row[qty]) <= 0 or float(row[price]) <= 0:
                continue
            baskets.setdefault(row[inv], set()).add(row[code])
    return list(baskets.values())


def run_dumper(dumper, data, min_support, threads):
    cmd = [dumper, "--threads", str(threads), "--set", "fp.min_support=%r" % min_support, "online_retail", data]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()
    head = out[0].split("\t")
    assert head[0] == "baskets", out[0]
    n = int(head[1])
    sets = {}
    order = []
    for line in out[1:]:
        f = line.split("\t")
        s = frozenset(f[1:])
        sets[s] = int(f[0])
        order.append(f[1:])
    return n, sets, order


def mlxtend_itemsets(baskets, min_support):
    import pandas as pd  # noqa: F401 (mlxtend needs it)
    from mlxtend.frequent_patterns import fpgrowth
    from mlxtend.preprocessing import TransactionEncoder

    te = TransactionEncoder()
    onehot = te.fit([sorted(b) for b in baskets]).transform([sorted(b) for b in baskets])
    df = pd.DataFrame(onehot, columns=te.columns_)
    res = fpgrowth(df, min_support=min_support, use_colnames=True)
    return {frozenset(s): sup for s, sup in zip(res["itemsets"], res["support"])}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dumper", required=True, help="path of copurchase_dump")
    ap.add_argument("--data", required=True, help="Online Retail CSV (.gz)")
    ap.add_argument("--min-support", type=float, nargs="+", default=[0.02, 0.01])
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    try:
        import mlxtend.frequent_patterns  # noqa: F401
        import pandas  # noqa: F401
    except ImportError as e:
        print("SKIP: %s (python3 -m pip install mlxtend pandas)" % e)
        return 77

    baskets = read_baskets(args.data)
    ok = True
    for ms in args.min_support:
        n, ours, order = run_dumper(args.dumper, args.data, ms, args.threads)
        theirs = mlxtend_itemsets(baskets, ms)
        print("min_support %g: baskets libbundle %d, python %d; itemsets libbundle %d, mlxtend %d; longest %d"
              % (ms, n, len(baskets), len(ours), len(theirs), max((len(s) for s in ours), default=0)))
        if n != len(baskets):
            print("  DIFFERENT basket counts")
            ok = False
            continue
        exact = next(c for c in range(1, n + 2) if c / n >= ms)
        if math.ceil(ms * n) != exact:
            # mlxtend prunes conditional trees at ceil(ms * n), one above the exact
            # threshold when ms * n rounds up; sets right at the threshold may differ.
            print("  note: ceil(min_support * n) = %d, exact threshold %d" % (math.ceil(ms * n), exact))
        only_ours = [s for s in ours if s not in theirs]
        only_theirs = [s for s in theirs if s not in ours]
        bad_support = [s for s in ours if s in theirs and ours[s] / n != theirs[s]]
        for what, lst in (("only in libbundle", only_ours), ("only in mlxtend", only_theirs),
                          ("support differs", bad_support)):
            if lst:
                ok = False
                print("  %d itemsets %s, e.g. %s" % (len(lst), what, sorted(sorted(s) for s in lst)[:3]))
        # Order: by length, then by dense item index; lengths must not decrease.
        if any(len(a) > len(b) for a, b in zip(order, order[1:])):
            ok = False
            print("  itemsets not ordered by length")
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
