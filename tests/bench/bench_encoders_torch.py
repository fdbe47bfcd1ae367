#!/usr/bin/python3
"""The baseline for bench_encoders: the same encoders and shapes in PyTorch (Debian's
python3-torch, /usr/bin/python3), float32, torch.set_num_threads(N).

  SASRec: nn.Embedding x sqrt(d) + positions, 2 blocks of LayerNorm ->
          nn.MultiheadAttention (causal mask) -> residual -> LayerNorm -> Linear, ReLU,
          Linear -> residual, final LayerNorm; dropout 0.2 in training
  LSTM:   nn.Embedding -> nn.LSTM(batch_first) (1 or 2 layers) -> dropout
"forward" is eval under torch.no_grad(); "train" is zero_grad + forward + BCE with one
negative per position + backward. Best of R rounds after a warm-up, ms, one markdown
table with the rows of bench_encoders.

Usage: bench_encoders_torch.py [--threads N] [--rounds R]
"""
import argparse
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

N_ITEMS = 10000
SHAPES = [("sasrec", 64, 50, 64, 2), ("sasrec", 64, 200, 64, 2), ("lstm", 64, 50, 64, 1), ("lstm", 64, 50, 64, 2),
          ("lstm", 1, 50, 64, 1)]


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d, eps=1e-8), nn.LayerNorm(d, eps=1e-8)
        self.attn = nn.MultiheadAttention(d, heads, dropout=0.2, batch_first=True)
        self.fc1, self.fc2 = nn.Linear(d, d), nn.Linear(d, d)
        self.drop = nn.Dropout(0.2)

    def forward(self, x, mask):
        a = self.ln1(x)
        x = x + self.drop(self.attn(a, a, a, attn_mask=mask, need_weights=False)[0])
        return x + self.drop(self.fc2(self.drop(F.relu(self.fc1(self.ln2(x))))))


class SASRec(nn.Module):
    def __init__(self, d, T, blocks):
        super().__init__()
        self.item, self.pos = nn.Embedding(N_ITEMS, d), nn.Embedding(T, d)
        self.blocks = nn.ModuleList(Block(d, 2) for _ in range(blocks))
        self.ln = nn.LayerNorm(d, eps=1e-8)
        self.drop = nn.Dropout(0.2)
        self.mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)

    def forward(self, items):
        valid = (items >= 0).unsqueeze(-1).float()
        x = self.item(items.clamp(min=0)) * math.sqrt(self.item.embedding_dim) + self.pos.weight
        x = self.drop(x) * valid
        for b in self.blocks:
            x = b(x, self.mask) * valid
        return self.ln(x) * valid


class LSTMEnc(nn.Module):
    def __init__(self, d, layers):
        super().__init__()
        self.item = nn.Embedding(N_ITEMS, d)
        self.lstm = nn.LSTM(d, d, num_layers=layers, batch_first=True, dropout=0.2 if layers > 1 else 0.0)
        self.drop = nn.Dropout(0.2)

    def forward(self, items):
        valid = (items >= 0).unsqueeze(-1).float()
        return self.drop(self.lstm(self.drop(self.item(items.clamp(min=0))) * valid)[0]) * valid


def measure(kind, B, T, d, layers, rounds):
    torch.manual_seed(0)
    m = SASRec(d, T, layers) if kind == "sasrec" else LSTMEnc(d, layers)
    pad = torch.randint(0, T // 2 if T > 1 else 1, (B, 1))
    items = torch.randint(0, N_ITEMS, (B, T))
    items = torch.where(torch.arange(T).unsqueeze(0) < pad, torch.full_like(items, -1), items)
    pos, neg = torch.randint(0, N_ITEMS, (B, T)), torch.randint(0, N_ITEMS, (B, T))
    valid = items >= 0
    fwd = train = float("inf")
    for r in range(rounds + 1):
        m.eval()
        t0 = time.perf_counter()
        with torch.no_grad():
            m(items)
        t1 = time.perf_counter()
        m.train()
        m.zero_grad()
        h = m(items)
        E = m.item.weight
        sp, sn = (h * E[pos]).sum(-1)[valid], (h * E[neg]).sum(-1)[valid]
        loss = F.binary_cross_entropy_with_logits(sp, torch.ones_like(sp)) + \
            F.binary_cross_entropy_with_logits(sn, torch.zeros_like(sn))
        loss.backward()
        t2 = time.perf_counter()
        if r > 0:
            fwd, train = min(fwd, (t1 - t0) * 1e3), min(train, (t2 - t1) * 1e3)
    return fwd, train


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, action="append")
    ap.add_argument("--rounds", type=int, default=10)
    a = ap.parse_args()
    print("| encoder | B | T | d | layers | provider | threads | forward ms | train step ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for kind, B, T, d, layers in SHAPES:
        for n in a.threads or [1, 2]:
            torch.set_num_threads(n)
            f, t = measure(kind, B, T, d, layers, a.rounds)
            print(f"| {kind} | {B} | {T} | {d} | {layers} | torch {torch.__version__} | {n} | {f:.3f} | {t:.3f} |",
                  flush=True)


if __name__ == "__main__":
    main()
