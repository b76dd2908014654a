/**
 * Hotword biasing for transducer beam search: a context graph as in icefall / sherpa-onnx. The
 * hotwords' token sequences form a trie with Aho-Corasick failure links, and each hypothesis
 * carries its state in it. The rules:
 * - a token that continues a hotword earns `score`, so a hotword being said leads the beam;
 * - completing a hotword keeps its bonus for good (and the bonus of any hotword that ends with it);
 * - a token that breaks a partial match takes back what the match earned since the last completed
 *   hotword, so biasing never rewards a hotword that was not said;
 * - finalize() takes back the bonus of a match still open when a hypothesis is judged.
 */

export interface ContextState {
  readonly token: number;
  /** Sum of the token bonuses from the root to here. */
  readonly nodeScore: number;
  /** The part of nodeScore earned since the last completed hotword on the path (0 at a hotword's end). */
  readonly localScore: number;
  /** Bonus of the other hotwords that end here as suffixes of this path (through failure links). */
  readonly suffixScore: number;
  readonly isEnd: boolean;
  readonly next: ReadonlyMap<number, ContextState>;
  readonly fail: ContextState;
}

interface MutableState {
  token: number;
  nodeScore: number;
  localScore: number;
  suffixScore: number;
  isEnd: boolean;
  next: Map<number, MutableState>;
  fail: MutableState;
}

export class ContextGraph {
  readonly root: ContextState;
  readonly size: number;

  /** `phrases`: token sequences; `score`: bonus per matched token (sherpa-onnx's hotwords_score). */
  constructor(phrases: readonly (readonly number[])[], score: number) {
    // Built in two passes: the trie with path scores, then local scores and failure links.
    const root = { token: -1, nodeScore: 0, localScore: 0, suffixScore: 0, isEnd: false, next: new Map() } as MutableState;
    root.fail = root;
    let size = 0;
    for (const phrase of phrases) {
      if (phrase.length === 0) continue;
      let node = root;
      for (const [i, token] of phrase.entries()) {
        let child = node.next.get(token);
        if (!child) {
          child = { token, nodeScore: node.nodeScore + score, localScore: 0, suffixScore: 0, isEnd: false, next: new Map(), fail: root };
          node.next.set(token, child);
        }
        if (i === phrase.length - 1 && !child.isEnd) {
          child.isEnd = true;
          size++;
        }
        node = child;
      }
    }
    // Local scores restart after each completed hotword along a path.
    const reset = (node: MutableState, local: number): void => {
      for (const child of node.next.values()) {
        child.localScore = child.isEnd ? 0 : local + score;
        reset(child, child.localScore);
      }
    };
    reset(root, 0);
    // Breadth-first: a node's failure link is the longest proper suffix of its path in the trie.
    const queue: MutableState[] = [...root.next.values()];
    while (queue.length > 0) {
      const node = queue.shift() as MutableState;
      for (const [token, child] of node.next) {
        child.fail = node === root ? root : step(node.fail, token, root);
        queue.push(child);
      }
      node.suffixScore = node.fail === root ? 0 : (node.fail.isEnd ? node.fail.nodeScore : 0) + node.fail.suffixScore;
    }
    this.root = root;
    this.size = size;
  }

  /** The bonus for emitting `token` in `state`, and the state after it. */
  forward(state: ContextState, token: number): { score: number; state: ContextState } {
    const direct = state.next.get(token);
    if (direct) return { score: direct.nodeScore - state.nodeScore + direct.suffixScore, state: direct };
    const next = step(state.fail, token, this.root);
    // Falling back takes back the open match's bonus, keeping completed hotwords' bonuses.
    return { score: next.nodeScore - state.localScore + next.suffixScore, state: next };
  }

  /** What a hypothesis ending in `state` gives back: the bonus of its unfinished match. */
  finalize(state: ContextState): number {
    return -state.localScore;
  }
}

/** From `from`, the state reached by `token`, following failure links (the root if none). */
function step<S extends ContextState>(from: S, token: number, root: S): S {
  let node = from;
  for (;;) {
    const child = node.next.get(token) as S | undefined;
    if (child) return child;
    if (node === root) return root;
    node = node.fail as S;
  }
}
