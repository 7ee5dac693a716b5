/**
 * The demo book's randomness: one seeded generator and the draws the book makes from it.
 * mulberry32 (Tommy Ettinger's 32-bit generator, public domain) is small, fast and fixed
 * by its few lines here, so a seed gives the same book on every machine and every
 * version of the dependencies (a library's generator may change its output between
 * releases; this one changes only with this file). Not for anything secret.
 */

/** The next number in [0, 1) of a mulberry32 stream started at `seed` (any 32-bit integer). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** FNV-1a of a text: a 32-bit seed for a named sub-stream (each account draws from its own, see `Rng.fork`). */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The draws of the demo book, over one mulberry32 stream. */
export class Rng {
  private readonly next: () => number;

  constructor(private readonly seed: number) {
    this.next = mulberry32(seed);
  }

  /**
   * An independent stream named `name` under this seed: what one account draws does not
   * shift what the next one draws, so a change to one part of the book leaves the rest.
   */
  fork(name: string): Rng {
    return new Rng(hash32(`${this.seed}:${name}`));
  }

  /** A number in [0, 1). */
  float(): number {
    return this.next();
  }

  /** A number in [min, max). */
  range(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** A whole number in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** One of the keys, with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as Array<[K, number]>;
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    let x = this.next() * total;
    for (const [k, w] of entries) {
      x -= w;
      if (x < 0) return k;
    }
    return entries.at(-1)![0];
  }

  /** A log-normal draw with median `median` and spread `sigma` (a waiting time: mostly short, some long). */
  logNormal(median: number, sigma: number): number {
    // Box-Muller; 1 - float() is in (0, 1], so the logarithm is finite.
    const z = Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
    return median * Math.exp(sigma * z);
  }

  /** A Poisson count with mean `mean` (Knuth's method; the book's means are small). */
  poisson(mean: number): number {
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k += 1;
      p *= this.next();
    }
    return k;
  }
}
