/**
 * Modified beam search for streaming transducers (as in icefall / sherpa-onnx): at most one symbol
 * per frame per hypothesis; each frame expands every hypothesis by the top tokens of its joiner
 * distribution, keeps the `beam` best (log-probabilities, duplicates merged by log-add), and
 * batches the decoder and joiner over the beam. The best hypothesis is chosen length-normalised.
 * With a context graph (hotwords), each hypothesis also carries its state in the graph and its score
 * includes the graph's bonuses, which is what lets a hotword win over a likelier-sounding spelling.
 */
import type { ContextGraph, ContextState } from './context-graph';
import { contextOf, type DecoderJoiner } from './decoder-joiner';
import { splitIndex, type TransducerHypothesis, type TransducerSearch } from './search';

interface BeamHyp {
  tokens: number[];
  frames: number[];
  /** Acoustic log-probability plus hotword bonuses. */
  logProb: number;
  key: string;
  context?: ContextState;
}

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

export class ModifiedBeamSearch implements TransducerSearch {
  private hyps: BeamHyp[] = [];
  private frameOffset = 0;

  constructor(
    private readonly nets: DecoderJoiner,
    private readonly blankId: number,
    private readonly unkId: number,
    private readonly beam: number,
    private readonly hotwords?: ContextGraph,
  ) {
    this.reset();
  }

  get hypothesis(): TransducerHypothesis {
    const best = this.best();
    return { tokens: best.tokens, frames: best.frames };
  }

  reset(): void {
    this.hyps = [{ tokens: [], frames: [], logProb: 0, key: '', context: this.hotwords?.root }];
    this.frameOffset = 0;
  }

  /** Keeps only the best hypothesis, split at `frame`; returns its head (see GreedySearch.splitAt). */
  splitAt(frame: number): TransducerHypothesis {
    const best = this.best();
    const n = splitIndex(best, frame);
    const tokens = best.tokens.slice(n);
    // The kept tail starts a new match from the root: the head's hotwords are settled.
    let context = this.hotwords?.root;
    if (this.hotwords && context) for (const t of tokens) context = this.hotwords.forward(context, t).state;
    this.hyps = [{ tokens, frames: best.frames.slice(n), logProb: 0, key: tokens.join(','), context }];
    return { tokens: best.tokens.slice(0, n), frames: best.frames.slice(0, n) };
  }

  async decodeChunk(enc: Float32Array, frames: number, encDim: number): Promise<boolean> {
    const before = this.best().key;
    for (let t = 0; t < frames; t++) {
      const hyps = this.hyps;
      const n = hyps.length;
      const dec = await this.nets.decode(hyps.map((h) => contextOf(h.tokens, this.nets.contextSize, this.blankId)));
      const frame = enc.subarray(t * encDim, (t + 1) * encDim);
      const encRep = new Float32Array(n * encDim);
      for (let i = 0; i < n; i++) encRep.set(frame, i * encDim);
      const logits = await this.nets.join(encRep, encDim, dec.data, dec.dim, n);
      const vocab = logits.length / n;
      // Candidates: the top `beam` tokens of each hypothesis are enough to find the global top `beam`.
      const candidates: { hyp: number; token: number; score: number }[] = [];
      for (let i = 0; i < n; i++) {
        const row = logits.subarray(i * vocab, (i + 1) * vocab);
        let max = -Infinity;
        for (let v = 0; v < vocab; v++) if (row[v] > max) max = row[v];
        let sum = 0;
        for (let v = 0; v < vocab; v++) sum += Math.exp(row[v] - max);
        const norm = max + Math.log(sum);
        for (const v of topK(row, this.beam)) candidates.push({ hyp: i, token: v, score: hyps[i].logProb + row[v] - norm });
      }
      // Exactly the global top `beam` expansions, then identical token sequences merge.
      candidates.sort((a, b) => b.score - a.score);
      const next = new Map<string, BeamHyp>();
      for (const c of candidates.slice(0, this.beam)) {
        const h = hyps[c.hyp];
        const emits = c.token !== this.blankId && c.token !== this.unkId;
        const key = emits ? (h.key ? `${h.key},${c.token}` : `${c.token}`) : h.key;
        let score = c.score;
        let context = h.context;
        if (emits && this.hotwords && context) {
          const step = this.hotwords.forward(context, c.token);
          score += step.score;
          context = step.state;
        }
        const existing = next.get(key);
        if (existing) {
          existing.logProb = logAdd(existing.logProb, score);
          continue;
        }
        next.set(key, {
          tokens: emits ? [...h.tokens, c.token] : h.tokens,
          frames: emits ? [...h.frames, this.frameOffset + t] : h.frames,
          logProb: score,
          key,
          context,
        });
      }
      this.hyps = [...next.values()].sort((a, b) => b.logProb - a.logProb).slice(0, this.beam);
    }
    this.frameOffset += frames;
    return this.best().key !== before;
  }

  private best(): BeamHyp {
    let best = this.hyps[0];
    let bestScore = -Infinity;
    for (const h of this.hyps) {
      // Length-normalised like sherpa-onnx, whose sequences include the context_size start symbols.
      // An unfinished hotword match gives its bonus back before hypotheses are compared.
      const bonus = this.hotwords && h.context ? this.hotwords.finalize(h.context) : 0;
      const score = (h.logProb + bonus) / (h.tokens.length + this.nets.contextSize);
      if (score > bestScore) {
        bestScore = score;
        best = h;
      }
    }
    return best;
  }
}

/** Indices of the k largest values. */
function topK(row: Float32Array, k: number): number[] {
  const idx: number[] = [];
  for (let v = 0; v < row.length; v++) {
    if (idx.length < k) {
      idx.push(v);
      idx.sort((a, b) => row[b] - row[a]);
    } else if (row[v] > row[idx[k - 1]]) {
      idx[k - 1] = v;
      idx.sort((a, b) => row[b] - row[a]);
    }
  }
  return idx;
}
