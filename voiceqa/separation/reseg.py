"""Re-assign speakers over short windows of the speech that diarization found.

pyannote's segmentation model decides "same or different speaker" inside each 10 s chunk.
When the agent and the caller have similar voices (two female voices on an 8 kHz line), it
often puts alternating turns on one local speaker, and no clustering can undo that. Here each
1 s window (hop 0.25 s) of detected speech gets its own CAM++ embedding (pooled from the
feature map the pipeline already computed), the windows are clustered into the pipeline's
speaker count, and every 0.1 s frame takes the majority label of the windows covering it.

Short windows follow real conversations' quick turns and backchannels: on real two-party
recordings (one speaker per channel, mixed to mono) 1.5 s windows with hop 0.75 s gave 0.85 of
single-speaker time to the right speaker, 1 s / 0.25 s gave 0.91; both 1.00 on the dev calls.
A backchannel relabels only the frames it covers (a majority vote over 4 windows per frame, then
runs shorter than 0.4 s are absorbed), never the turn around it.
"""
from __future__ import annotations

import numpy as np

from ..schema import Region

WINDOW = 1.0
HOP = 0.25
MAX_WINDOWS = 4000  # long calls: the hop grows so spectral clustering stays small (~1 h of speech)
GRID = 0.1
MIN_ISLAND = 0.4  # label runs shorter than this take their neighbours' label


def _windows(regions: list[Region]) -> list[tuple[float, float]]:
    total = sum(r.duration for r in regions)
    hop = max(HOP, total / MAX_WINDOWS)
    out = []
    for r in regions:
        if r.duration <= WINDOW:
            out.append((r.start, r.end))
            continue
        t = r.start
        while t + WINDOW < r.end:
            out.append((t, t + WINDOW))
            t += hop
        out.append((max(r.start, r.end - WINDOW), r.end))
    return out


def _cluster(emb: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    from sklearn.cluster import SpectralClustering

    x = emb / (np.linalg.norm(emb, axis=1, keepdims=True) + 1e-9)
    affinity = np.clip(x @ x.T, 0.0, 1.0)
    if len(x) <= k:
        return np.arange(len(x)) % k
    return SpectralClustering(n_clusters=k, affinity="precomputed", random_state=seed).fit_predict(affinity)


def _smooth(labels: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Relabel short runs inside active speech with the label of the longer neighbour."""
    min_len = int(round(MIN_ISLAND / GRID))
    out = labels.copy()
    i, n = 0, len(out)
    while i < n:
        if not active[i]:
            i += 1
            continue
        j = i
        while j < n and active[j] and out[j] == out[i]:
            j += 1
        if j - i < min_len:
            left = out[i - 1] if i > 0 and active[i - 1] else -1
            right = out[j] if j < n and active[j] else -1
            fill = left if left >= 0 else right
            if fill >= 0:
                out[i:j] = fill
        i = j
    return out


def resegment(pool_window, speech: list[Region], k: int, duration: float) -> list[Region]:
    """Relabel ``speech`` (speaker labels ignored) into ``k`` speakers.

    ``pool_window(start, end)`` returns the embedding of that span of the call.
    Returns regions labelled ``"0".."k-1"``; an empty list when there is too little speech.
    """
    wins = _windows(sorted(speech, key=lambda r: r.start))
    if len(wins) < 2 * k:
        return []
    emb = np.stack([pool_window(a, b) for a, b in wins])
    labels = _cluster(emb, k)
    n = int(np.ceil(duration / GRID)) + 1
    votes = np.zeros((n, k))
    for (a, b), lab in zip(wins, labels):
        votes[int(a / GRID): int(np.ceil(b / GRID)), lab] += 1
    active = np.zeros(n, dtype=bool)
    for r in speech:
        active[int(r.start / GRID): int(np.ceil(r.end / GRID))] = True
    frame_label = np.where(active & (votes.sum(axis=1) > 0), votes.argmax(axis=1), -1)
    frame_label = _smooth(frame_label, active & (frame_label >= 0))
    out: list[Region] = []
    for r in sorted(speech, key=lambda r: r.start):
        i0 = int(r.start / GRID)
        i1 = max(i0 + 1, int(np.ceil(r.end / GRID)))
        seg_start, lab = r.start, frame_label[i0]
        for i in range(i0 + 1, i1):
            if frame_label[i] != lab:
                if lab >= 0 and i * GRID > seg_start:
                    out.append(Region(seg_start, i * GRID, str(int(lab))))
                seg_start, lab = i * GRID, frame_label[i]
        if lab >= 0 and r.end > seg_start:
            out.append(Region(seg_start, r.end, str(int(lab))))
    return out
