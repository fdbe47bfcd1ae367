#!/usr/bin/env python3
"""Cross-checks libbundle's closed-form item models against numpy / scipy.

For every backend the library was built with, item_model_dump writes (for an Online
Retail slice: the items at least --min-users customers bought) the binary user x item
matrix X, the library's Gram matrix, EASE's B, the item factors with their eigenvalues,
and the fold-in and scores of a few users. This script recomputes, in float64:
  G = X^T X (scipy.sparse)                       must equal the library's G exactly
  B = I - P diag(1/diag(P)), P = np.linalg.inv(G + lambda I)
                                                 max |B - B_np| / max |B_np| <= 1e-4, diag 0
  scipy.linalg.eigh(G): the top-k eigenvalues    relative error <= 1e-4 each
                        the eigenvectors         up to sign, |q - q_np| <= 1e-4 * lambda_max / gap
  V = Q sqrt(lambda)                             the factors consistent with the eigenpairs
  fold-in u = solve(V^T V + reg I, V^T x)        relative 1e-4;  scores V u and x^T B
Exit status 77 (ctest: skipped) without numpy or scipy.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import scipy.linalg
    import scipy.sparse
except ImportError as e:  # pragma: no cover
    print(f"SKIP: numpy/scipy not importable ({e}); cmake/install-deps.sh pip-installs them")
    sys.exit(77)


def load(d, name, dtype, shape=None):
    a = np.fromfile(os.path.join(d, name), dtype=dtype)
    return a.reshape(shape) if shape is not None else a


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def check_backend(dumper, data, backend, args, out):
    cmd = [dumper, "--data", data, "--out", out, "--backend", backend, "--min-users", str(args.min_users),
           "--lambda", str(args.lam), "--rank", str(args.rank), "--reg", str(args.reg)]
    subprocess.run(cmd, check=True)
    meta = json.load(open(os.path.join(out, "meta.json")))
    n, nu, k, lam, reg = meta["n_items"], meta["n_users"], meta["rank"], meta["lambda"], meta["reg"]
    indptr = load(out, "x_indptr.i64", np.int64)
    items = load(out, "x_items.i32", np.int32)
    x = scipy.sparse.csr_matrix((np.ones(len(items)), items, indptr), shape=(nu, n))

    # Gram: exact integers
    g = (x.T @ x).toarray()
    g_lib = load(out, "gram.f32", np.float32, (n, n)).astype(np.float64)
    check(np.array_equal(g, g_lib), f"{backend}: Gram differs from X^T X (max {np.abs(g - g_lib).max()})")

    # EASE
    p = np.linalg.inv(g + lam * np.eye(n))
    b_np = p / (-np.diag(p))
    np.fill_diagonal(b_np, 0.0)
    b = load(out, "ease_b.f32", np.float32, (n, n)).astype(np.float64)
    scale = np.abs(b_np).max()
    err_b = np.abs(b - b_np).max()
    check(np.all(np.diag(b) == 0), f"{backend}: diag(B) is not 0")
    check(err_b <= 1e-4 * scale, f"{backend}: max |B - B_np| = {err_b:.3g} > 1e-4 * {scale:.3g}")

    # eigenpairs and factors
    w_np, q_np = scipy.linalg.eigh(g)
    order = np.argsort(w_np)[::-1]
    w_np, q_np = w_np[order][:k], q_np[:, order][:, :k]
    w = load(out, "eigenvalues.f32", np.float32).astype(np.float64)
    v = load(out, "factors_v.f32", np.float32, (n, k)).astype(np.float64)
    err_w = np.max(np.abs(w - w_np) / np.abs(w_np))
    check(err_w <= 1e-4, f"{backend}: eigenvalue relative error {err_w:.3g} > 1e-4")
    q = v / np.sqrt(np.maximum(w, 1e-300))
    lam_full = scipy.linalg.eigh(g, eigvals_only=True)[::-1]
    worst = 0.0
    for r in range(k):
        gap = min(lam_full[r - 1] - lam_full[r] if r > 0 else np.inf, lam_full[r] - lam_full[r + 1])
        sign = 1.0 if q[:, r] @ q_np[:, r] >= 0 else -1.0
        err = np.abs(q[:, r] - sign * q_np[:, r]).max()
        bound = 1e-4 * lam_full[0] / gap
        worst = max(worst, err / bound)
        check(err <= bound, f"{backend}: eigenvector {r} differs by {err:.3g} (bound {bound:.3g}, gap {gap:.3g})")
        # the library's own sign convention: largest-magnitude component positive
        check(q[np.argmax(np.abs(q[:, r])), r] > 0, f"{backend}: eigenvector {r} sign convention")

    # fold-in and scores of a few users (weights 1)
    nh = meta["n_hist"]
    hp = load(out, "hist_indptr.i64", np.int64)
    hi = load(out, "hist_items.i32", np.int32)
    u = load(out, "fold_u.f32", np.float32, (nh, k)).astype(np.float64)
    fs = load(out, "factor_scores.f32", np.float32, (nh, n)).astype(np.float64)
    es = load(out, "ease_scores.f32", np.float32, (nh, n)).astype(np.float64)
    err_u = err_fs = err_es = 0.0
    for h in range(nh):
        xh = np.zeros(n)
        np.add.at(xh, hi[hp[h]:hp[h + 1]], 1.0)
        u_np = np.linalg.solve(v.T @ v + reg * np.eye(k), v.T @ xh)
        err_u = max(err_u, np.abs(u[h] - u_np).max() / max(np.abs(u_np).max(), 1e-30))
        err_fs = max(err_fs, np.abs(fs[h] - v @ u[h]).max() / max(np.abs(v @ u[h]).max(), 1e-30))
        err_es = max(err_es, np.abs(es[h] - xh @ b).max() / max(np.abs(xh @ b).max(), 1e-30))
    check(err_u <= 1e-4, f"{backend}: fold-in relative error {err_u:.3g}")
    check(err_fs <= 1e-5, f"{backend}: factor scores relative error {err_fs:.3g}")
    check(err_es <= 1e-5, f"{backend}: EASE scores relative error {err_es:.3g}")
    print(f"{backend:8s} {nu} users x {n} items (nnz {len(items)}), lambda {lam:g}, rank {k}: "
          f"G exact; max |B - B_np| = {err_b:.3g} (max |B| {scale:.3g}); eigenvalues rel {err_w:.3g}; "
          f"eigenvectors <= {worst:.2g} of bound; fold-in rel {err_u:.3g}; scores rel {err_fs:.3g} / {err_es:.3g}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dumper", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--min-users", type=int, default=16)
    ap.add_argument("--lam", type=float, default=50.0)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--reg", type=float, default=0.01)
    args = ap.parse_args()
    backends = subprocess.run([args.dumper, "--list-backends"], check=True, capture_output=True,
                              text=True).stdout.split()
    with tempfile.TemporaryDirectory(prefix="bndl_item_model_") as tmp:
        for be in backends:
            check_backend(args.dumper, args.data, be, args, os.path.join(tmp, be))
    print("OK")


if __name__ == "__main__":
    main()
