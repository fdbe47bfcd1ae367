#!/usr/bin/python3
"""Training throughput baseline for eval_seqrec (issue 4's speed bar): a whole epoch of
the same encoder, data, batches and loss in PyTorch (Debian's python3-torch,
/usr/bin/python3), float32, torch.set_num_threads(N).

Data and batches as eval_seqrec: Beauty_s3rec_5core.txt, each sequence without its last
two items (validation and test), one example per sequence per epoch (its last T + 1
items: inputs left padded to T, next-item targets), shuffled, batch B.
Model (eval_seqrec's defaults): SASRec, d 64, 2 blocks, 1 head, FFN d, LayerNorm eps
1e-8, dropout 0.5 (embedding, attention probabilities, residual branches, FFN inner),
item embeddings tied to the scoring table. LSTM: nn.LSTM(d, d, 2 layers, dropout 0.5)
between input and output dropout.
Loss: sampled softmax over the positions with a target, the positive against K shared
uniform negatives, a negative equal to the row's positive masked (as model/loss.c);
Adam (0.9, 0.98), lr 1e-3, gradient norm clipped at 5.

Prints one line: sequences / s over one epoch after 3 warm-up steps, and s / epoch.

Usage: bench_train_torch.py [--encoder transformer|lstm] [--threads N] [--file PATH]
       [--batch B] [--max-len T] [--negatives K] [--steps S (0: the whole epoch)]
"""
import argparse
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = os.path.join(HERE, "..", "..", "..", "shared", "data", "seqrec_amazon", "Beauty_s3rec_5core.txt")


class Block(nn.Module):
    def __init__(self, d, p):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d, eps=1e-8), nn.LayerNorm(d, eps=1e-8)
        self.attn = nn.MultiheadAttention(d, 1, dropout=p, batch_first=True)
        self.fc1, self.fc2 = nn.Linear(d, d), nn.Linear(d, d)
        self.drop = nn.Dropout(p)

    def forward(self, x, mask):
        a = self.ln1(x)
        x = x + self.drop(self.attn(a, a, a, attn_mask=mask, need_weights=False)[0])
        return x + self.drop(self.fc2(self.drop(F.relu(self.fc1(self.ln2(x))))))


class SASRec(nn.Module):
    def __init__(self, n, d, T, blocks, p):
        super().__init__()
        self.item, self.pos = nn.Embedding(n, d), nn.Embedding(T, d)
        self.blocks = nn.ModuleList(Block(d, p) for _ in range(blocks))
        self.ln = nn.LayerNorm(d, eps=1e-8)
        self.drop = nn.Dropout(p)
        self.mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)

    def forward(self, items):
        pad = items < 0
        valid = (~pad).unsqueeze(-1).float()
        x = self.item(items.clamp(min=0)) * math.sqrt(self.item.embedding_dim) + self.pos.weight
        x = self.drop(x) * valid
        for b in self.blocks:
            x = b(x, self.mask) * valid
        return self.ln(x) * valid


class LSTMEnc(nn.Module):
    def __init__(self, n, d, layers, p):
        super().__init__()
        self.item = nn.Embedding(n, d)
        self.lstm = nn.LSTM(d, d, num_layers=layers, batch_first=True, dropout=p if layers > 1 else 0.0)
        self.drop = nn.Dropout(p)

    def forward(self, items):
        valid = (items >= 0).unsqueeze(-1).float()
        return self.drop(self.lstm(self.drop(self.item(items.clamp(min=0))) * valid)[0]) * valid


def load(path):
    seqs = []
    with open(path) as f:
        for line in f:
            v = [int(x) - 1 for x in line.split()[1:]]
            seqs.append(v[:-2] if len(v) >= 3 else v)
    return seqs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--encoder", default="transformer")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--file", default=DEFAULT)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--max-len", type=int, default=50)
    ap.add_argument("--negatives", type=int, default=256)
    ap.add_argument("--steps", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    seqs = [s for s in load(a.file) if len(s) >= 2]
    n = max(max(s) for s in seqs) + 1
    T = a.max_len
    inp = torch.full((len(seqs), T), -1, dtype=torch.long)
    tgt = torch.full((len(seqs), T), -1, dtype=torch.long)
    for i, s in enumerate(seqs):
        w = s[-(T + 1):]
        m = len(w) - 1
        inp[i, T - m:] = torch.tensor(w[:-1])
        tgt[i, T - m:] = torch.tensor(w[1:])
    model = SASRec(n, 64, T, 2, 0.5) if a.encoder != "lstm" else LSTMEnc(n, 64, 2, 0.5)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.98))
    model.train()
    order = torch.randperm(len(seqs))
    steps = (len(seqs) + a.batch - 1) // a.batch
    run = steps if a.steps <= 0 else min(a.steps, steps)
    t0, done = None, 0
    for i in range(run + 3):
        j = i % steps
        idx = order[j * a.batch:(j + 1) * a.batch]
        items, pos = inp[idx], tgt[idx]
        if i == 3:
            t0 = time.perf_counter()
        opt.zero_grad()
        h = model(items)
        rows = pos >= 0
        hv, pv = h[rows], pos[rows]
        neg = torch.randint(0, n, (a.negatives,))
        E = model.item.weight
        lp = (hv * E[pv]).sum(-1, keepdim=True)
        ln = hv @ E[neg].t()
        ln = ln.masked_fill(neg.unsqueeze(0) == pv.unsqueeze(1), float("-inf"))
        loss = F.cross_entropy(torch.cat([lp, ln], 1), torch.zeros(len(pv), dtype=torch.long))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        if i >= 3:
            done += len(idx)
    dt = time.perf_counter() - t0
    print(f"torch {torch.__version__} {a.encoder} threads {a.threads}: {done} sequences in {dt:.2f} s, "
          f"{done / dt:.0f} sequences/s, {dt / run * steps:.1f} s/epoch ({steps} steps of {a.batch})", flush=True)


if __name__ == "__main__":
    main()
