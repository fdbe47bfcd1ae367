#!/usr/bin/python3
"""PyTorch cross-check of src/model/'s encoders (issue 4).

Runs model_dump (the C side: both encoders forward + backward through one of the losses,
on every built provider; see model_dump.c for the runs), then rebuilds each run with
torch.nn modules on the same weights and inputs:

  SASRec:  nn.Embedding (items, positions, event types), nn.Linear (item features),
           blocks of nn.LayerNorm -> nn.MultiheadAttention(batch_first=True) (causal +
           key padding as a boolean attn_mask) -> residual -> nn.LayerNorm -> nn.Linear,
           nn.ReLU / nn.GELU(approximate="tanh"), nn.Linear -> residual, final
           nn.LayerNorm. With dropout, the C side's masks are applied instead of
           nn.Dropout's own (x * keep / (1 - p) at each site) and the attention is written
           out (nn.MultiheadAttention cannot take a given mask for its probabilities).
  LSTM:    nn.Embedding, nn.LSTM(num_layers=2, batch_first=True) run per sequence on its
           unpadded items (what padding must be equivalent to), optional nn.Linear
           projection; with dropout, one single-layer nn.LSTM per layer with the C masks
           between them.
  Losses:  F.binary_cross_entropy_with_logits (BCE with sampled negatives, SASRec) and
           F.cross_entropy over [positive, negatives] with logQ subtracted and accidental
           hits removed (sampled softmax).

It runs torch twice, in float64 (the exact answer for the float32 weights) and in
float32, and requires for every tensor T (encoder output, loss, and the gradient of every
parameter):  ||T_lib - T_torch||_2 <= 1e-4 * ||T_torch||_2  (the relative error in the
2-norm of the whole tensor), for both. The maximum elementwise error relative to the
tensor's largest entry is printed as well.

Usage: torch_oracle.py MODEL_DUMP [--keep FILE]. Exit 77 (ctest: skipped) when torch is
not importable (Debian's python3-torch is installed for /usr/bin/python3 only).
"""
import math
import os
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:  # pragma: no cover
    print(f"SKIP: torch not importable by {sys.executable} ({e}); cmake/install-deps.sh installs python3-torch")
    sys.exit(77)

TOL = 1e-4
DTYPES = {0: np.float32, 1: np.int32, 2: np.uint8, 3: np.float64}


def read_dump(path):
    data = open(path, "rb").read()
    if data[:8] != b"BNDLTDMP":
        raise ValueError(f"{path}: not a model_dump file")
    version, count = struct.unpack_from("<II", data, 8)
    if version != 1:
        raise ValueError(f"{path}: version {version}")
    off, out = 16, {}
    for _ in range(count):
        (n,) = struct.unpack_from("<H", data, off)
        off += 2
        name = data[off:off + n].decode()
        off += n
        dt, nd = struct.unpack_from("<BB", data, off)
        off += 2
        dims = struct.unpack_from(f"<{nd}q", data, off)
        off += 8 * nd
        dtype = np.dtype(DTYPES[dt])
        cnt = int(np.prod(dims)) if nd else 1
        arr = np.frombuffer(data, dtype=dtype, count=cnt, offset=off).reshape(dims)
        off += cnt * dtype.itemsize
        out[name] = arr
    return out


def group(records):
    """{(provider, run): {kind: {name: array}}}"""
    runs = {}
    for full, arr in records.items():
        provider, run, kind, name = full.split("/", 3)
        runs.setdefault((provider, run), {}).setdefault(kind, {})[name] = arr
    return runs


def torch_name(name):
    """libbundle's parameter names -> the torch modules' below."""
    if name in ("item_emb", "pos_emb", "type_emb"):
        return name + ".weight"
    if name.startswith("block"):
        k, rest = name[5:].split(".", 1)
        return f"blocks.{k}.{rest}"
    return name


class Block(nn.Module):
    def __init__(self, d, heads, hidden, eps, gelu):
        super().__init__()
        self.ln1 = nn.LayerNorm(d, eps=eps)
        self.attn = nn.MultiheadAttention(d, heads, dropout=0.0, batch_first=True)
        self.ln2 = nn.LayerNorm(d, eps=eps)
        self.ffn = nn.Module()
        self.ffn.fc1 = nn.Linear(d, hidden)
        self.ffn.fc2 = nn.Linear(hidden, d)
        self.act = nn.GELU(approximate="tanh") if gelu else nn.ReLU()


class SASRec(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["dim"]
        self.c = c
        self.item_emb = nn.Embedding(c["n_items"], d)
        self.pos_emb = nn.Embedding(c["len"], d)
        self.type_emb = nn.Embedding(c["n_types"], d)
        self.feat_proj = nn.Linear(c["n_feat"], d, bias=False)
        self.blocks = nn.ModuleList(
            Block(d, c["heads"], c["ffn_hidden"], c["ln_eps"], c["gelu"]) for _ in range(c["blocks"]))
        self.final_ln = nn.LayerNorm(d, eps=c["ln_eps"])


class LSTMEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, h = c["dim"], c["hidden"]
        self.c = c
        self.item_emb = nn.Embedding(c["n_items"], d)
        self.type_emb = nn.Embedding(c["n_types"], d)
        self.feat_proj = nn.Linear(c["n_feat"], d, bias=False)
        self.lstm = nn.LSTM(d, h, num_layers=c["layers"], batch_first=True)
        if h != d:
            self.proj = nn.Linear(h, d)


def dropout(x, masks, site, p):
    """The C side's mask at `site` (rows x cols flags) applied as inverted dropout."""
    if p == 0 or site not in masks:
        return x
    keep = torch.from_numpy(masks[site].astype(np.float64)).to(x.dtype).reshape(x.shape)
    return x * keep / (1.0 - p)


def input_embedding(m, c, inp, masks, scale, use_pos):
    items = torch.from_numpy(inp["items"].astype(np.int64))
    types = torch.from_numpy(inp["types"].astype(np.int64))
    valid = items >= 0
    it = items.clamp(min=0)
    x = m.item_emb(it) * scale
    if use_pos:
        pos = torch.arange(c["len"]).expand_as(items)
        x = x + m.pos_emb(pos)
    has_type = valid & (types >= 0)
    x = x + m.type_emb(types.clamp(min=0)) * has_type.unsqueeze(-1).to(x.dtype)
    feat = torch.from_numpy(inp["features"].astype(np.float64)).to(x.dtype)
    x = x + m.feat_proj(feat[it]) * valid.unsqueeze(-1).to(x.dtype)
    x = dropout(x.reshape(-1, c["dim"]), masks, "input", c["dropout"]).reshape(x.shape)
    return x * valid.unsqueeze(-1).to(x.dtype), valid


def attention_mask(valid, heads):
    """True = not allowed: future keys and padded keys. A padded query may see itself only
    (its output is discarded), so no row is fully masked (torch would give NaN)."""
    B, T = valid.shape
    future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    masked = future.unsqueeze(0) | ~valid.unsqueeze(1)  # (B, query, key)
    eye = torch.eye(T, dtype=torch.bool).unsqueeze(0)
    masked = masked & ~(eye & ~valid.unsqueeze(2))
    return masked, masked.repeat_interleave(heads, dim=0)


def explicit_attention(attn, a, masked, valid, keep, p, heads):
    """nn.MultiheadAttention's computation with the probabilities dropped by `keep`."""
    B, T, d = a.shape
    dh = d // heads
    qkv = F.linear(a, attn.in_proj_weight, attn.in_proj_bias)
    q, k, v = (t.reshape(B, T, heads, dh).transpose(1, 2) for t in qkv.split(d, dim=-1))
    s = (q / math.sqrt(dh)) @ k.transpose(-1, -2)
    s = s.masked_fill(masked.unsqueeze(1), float("-inf"))
    prob = torch.softmax(s, dim=-1) * valid.view(B, 1, T, 1).to(a.dtype)
    if keep is not None and p > 0:
        prob = prob * torch.from_numpy(keep.astype(np.float64)).to(a.dtype).reshape(B, heads, T, T) / (1.0 - p)
    ctx = (prob @ v).transpose(1, 2).reshape(B, T, d)
    return attn.out_proj(ctx)


def sasrec_forward(m, c, inp, masks):
    d, p = c["dim"], c["dropout"]
    x, valid = input_embedding(m, c, inp, masks, c["emb_scale"], True)
    vmask = valid.unsqueeze(-1).to(x.dtype)
    masked, masked_heads = attention_mask(valid, c["heads"])
    for k, blk in enumerate(m.blocks):
        a = blk.ln1(x)
        if p > 0:
            att = explicit_attention(blk.attn, a, masked, valid, masks.get(f"block{k}.attn"), p, c["heads"])
        else:
            att, _ = blk.attn(a, a, a, attn_mask=masked_heads, need_weights=False)
        x = x + dropout(att.reshape(-1, d), masks, f"block{k}.drop1", p).reshape(x.shape)
        f = blk.ln2(x)
        h = blk.act(blk.ffn.fc1(f))
        h = dropout(h.reshape(-1, h.shape[-1]), masks, f"block{k}.ffn", p).reshape(h.shape)
        ff = blk.ffn.fc2(h)
        x = x + dropout(ff.reshape(-1, d), masks, f"block{k}.drop2", p).reshape(x.shape)
        x = x * vmask
    return m.final_ln(x) * vmask, valid


def lstm_forward(m, c, inp, masks):
    d, hid, p = c["dim"], c["hidden"], c["dropout"]
    x, valid = input_embedding(m, c, inp, masks, 1.0, False)
    B, T = valid.shape
    lengths = valid.sum(1).tolist()
    if p == 0:
        layers = [m.lstm]
    else:  # one nn.LSTM per layer sharing m.lstm's tensors, with the C masks between
        layers = []
        for l in range(c["layers"]):
            single = nn.LSTM(d if l == 0 else hid, hid, batch_first=True).to(x.dtype)
            for what in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                setattr(single, f"{what}_l0", getattr(m.lstm, f"{what}_l{l}"))
            layers.append(single)
    h = x
    for li, layer in enumerate(layers):
        out = torch.zeros(B, T, hid, dtype=x.dtype)
        rows = []
        for b in range(B):
            n = lengths[b]
            if n == 0:
                rows.append(torch.zeros(T, hid, dtype=x.dtype))
                continue
            y, _ = layer(h[b:b + 1, T - n:])  # the unpadded items alone
            rows.append(torch.cat([torch.zeros(T - n, hid, dtype=x.dtype), y[0]]))
        out = torch.stack(rows)
        if p > 0 and li < len(layers) - 1:
            out = dropout(out.reshape(-1, hid), masks, f"lstm.l{li}", p).reshape(out.shape)
        h = out
    h = dropout(h.reshape(-1, hid), masks, "out", p).reshape(h.shape)
    if hid != d:
        h = m.proj(h)
    return h * valid.unsqueeze(-1).to(h.dtype), valid


def loss_fn(m, c, inp, states):
    d = c["dim"]
    h = states.reshape(-1, d)
    E = m.item_emb.weight
    pos = torch.from_numpy(inp["pos"].reshape(-1).astype(np.int64))
    neg = torch.from_numpy(inp["neg"].reshape(-1).astype(np.int64))
    rows, K = h.shape[0], c["n_neg"]
    valid_rows = pos >= 0
    n_valid = int(valid_rows.sum())
    s_pos = (E[pos.clamp(min=0)] * h).sum(-1, keepdim=True)
    if c["shared_neg"]:
        s_neg = h @ E[neg.clamp(min=0)].T
        neg_ids = neg.unsqueeze(0).expand(rows, K)
    else:
        neg_ids = neg.reshape(rows, K)
        s_neg = (E[neg_ids.clamp(min=0)] * h.unsqueeze(1)).sum(-1)
    softmax = c["loss"] == 2
    incl = (neg_ids >= 0) & valid_rows.unsqueeze(1)
    if softmax and c["remove_hits"]:
        incl = incl & (neg_ids != pos.unsqueeze(1))
    if not softmax:
        lp = F.binary_cross_entropy_with_logits(s_pos[valid_rows, 0], torch.ones(n_valid, dtype=h.dtype),
                                                reduction="sum")
        ln = F.binary_cross_entropy_with_logits(s_neg, torch.zeros_like(s_neg), weight=incl.to(h.dtype),
                                                reduction="sum")
        return (lp + ln) / n_valid
    lq_pos = torch.from_numpy(inp["logq_pos"].reshape(-1).astype(np.float64)).to(h.dtype)
    lq_neg = torch.from_numpy(inp["logq_neg"].reshape(-1).astype(np.float64)).to(h.dtype)
    lq_neg = lq_neg.unsqueeze(0).expand(rows, K) if c["shared_neg"] else lq_neg.reshape(rows, K)
    logits = torch.cat([s_pos - lq_pos.unsqueeze(1), (s_neg - lq_neg).masked_fill(~incl, float("-inf"))], dim=1)
    target = torch.zeros(n_valid, dtype=torch.long)
    return F.cross_entropy(logits[valid_rows], target, reduction="sum") / n_valid


def run_torch(kinds, dtype):
    cfg = {k: float(v) for k, v in kinds["cfg"].items()}
    c = {k: (int(v) if k not in ("ln_eps", "dropout", "emb_scale") else v) for k, v in cfg.items()}
    m = (LSTMEncoder(c) if c["lstm"] else SASRec(c)).to(dtype)
    params = dict(m.named_parameters())
    for name, arr in kinds["param"].items():
        t = params[torch_name(name)]
        with torch.no_grad():
            t.copy_(torch.from_numpy(arr.astype(np.float64)).reshape(t.shape))
    m.train()
    masks = kinds.get("mask", {})
    states, _ = (lstm_forward if c["lstm"] else sasrec_forward)(m, c, kinds["in"], masks)
    loss = loss_fn(m, c, kinds["in"], states)
    m.zero_grad()
    loss.backward()
    got = {"out/states": states.detach().reshape(-1, c["dim"]).double().numpy(),
           "out/loss": np.array([loss.item()])}
    got["out/states_infer"] = got["out/states"]  # no dropout: inference gives the same
    for name in kinds["param"]:
        g = params[torch_name(name)].grad
        got["grad/" + name] = g.double().numpy().reshape(kinds["grad"][name].shape)
    return got


def compare(lib, ref):
    lib = lib.astype(np.float64)
    den = np.linalg.norm(ref)
    rel2 = np.linalg.norm(lib - ref) / den if den > 0 else np.linalg.norm(lib - ref)
    mx = np.abs(ref).max() if ref.size else 0.0
    relmax = np.abs(lib - ref).max() / mx if mx > 0 else np.abs(lib - ref).max()
    return rel2, relmax


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    dumper = sys.argv[1]
    keep = sys.argv[sys.argv.index("--keep") + 1] if "--keep" in sys.argv else None
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        path = keep or os.path.join(tmp, "model_dump.bin")
        subprocess.run([dumper, path], check=True)
        runs = group(read_dump(path))
    failures, worst = [], {}
    for (provider, run), kinds in sorted(runs.items()):
        ref64 = run_torch(kinds, torch.float64)
        ref32 = run_torch(kinds, torch.float32)
        lib = {"out/states": kinds["out"]["states"], "out/loss": kinds["out"]["loss"]}
        if "states_infer" in kinds["out"]:
            lib["out/states_infer"] = kinds["out"]["states_infer"]
        for name, arr in kinds["grad"].items():
            lib["grad/" + name] = arr
        for name in lib:
            r64, m64 = compare(lib[name], ref64[name])
            r32, m32 = compare(lib[name], ref32[name])
            print(f"[torch] {provider:8s} {run:15s} {name:36s} rel2 vs f64 {r64:9.2e}  vs f32 {r32:9.2e}  "
                  f"max-rel vs f64 {m64:9.2e}")
            key = (provider, name.split("/")[0])
            worst[key] = max(worst.get(key, 0.0), r64, r32)
            if not (r64 <= TOL and r32 <= TOL):
                failures.append(f"{provider}/{run}/{name}: rel2 {r64:.3g} (f64), {r32:.3g} (f32) > {TOL}")
    for (provider, kind), w in sorted(worst.items()):
        print(f"[torch] worst rel2 {provider:8s} {kind:5s} {w:.2e}")
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print(f"torch_oracle: {len(runs)} runs agree with torch {torch.__version__} within {TOL} (relative 2-norm)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
