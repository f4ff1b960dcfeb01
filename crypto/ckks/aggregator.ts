import type { Ciphertext, Evaluator } from 'node-seal';
import { CodecError } from '../codec/update-codec.js';
import type { CkksContext } from './context.js';
import { SealScope } from './seal.js';

/**
 * Coordinator side of CKKS aggregation: adds clinics' ciphertexts, one update at a time, without any
 * key. Memory holds one aggregate (and, while it is folded in, one update), whatever the number of
 * clinics. An update that fails any check leaves the sum untouched.
 */
export class CkksAggregator {
  private readonly evaluator: Evaluator;
  private readonly sums = new SealScope();
  private sum: Ciphertext[] | null = null;
  private added = 0;

  constructor(
    private readonly ckks: CkksContext,
    /** Parameters in the model (the weight slot is added to them). */
    private readonly length: number,
  ) {
    this.evaluator = this.sums.own(new ckks.seal.Evaluator(ckks.context));
  }

  /** Updates folded in so far. */
  get count(): number {
    return this.added;
  }

  /**
   * Checks a clinic's update as untrusted input (exact size, SEAL header, parameters, SEAL's own
   * validity check) and adds it to the sum.
   */
  add(update: Uint8Array, what = 'update'): void {
    const expected = this.ckks.updateBytes(this.length);
    if (update.length !== expected) {
      throw new CodecError(
        `${what}: ${update.length} bytes, but ${this.length} parameters encrypted under ${this.ckks.parameterSet.name} take ${expected} (${this.ckks.ciphertextsFor(this.length)} ciphertexts of ${this.ckks.seededCiphertextBytes})`,
      );
    }
    const scope = new SealScope();
    try {
      const size = this.ckks.seededCiphertextBytes;
      const loaded = Array.from({ length: update.length / size }, (_, c) =>
        this.ckks.loadCiphertext(update.subarray(c * size, (c + 1) * size), scope, `${what}, ciphertext ${c}`, size),
      );
      if (this.sum === null) {
        // The first update becomes the sum: ownership moves from the scope to the aggregator.
        this.sum = loaded.map((ciphertext) => this.sums.own(ciphertext.copy()));
      } else {
        loaded.forEach((ciphertext, c) => this.evaluator.addInplace(this.sum![c]!, ciphertext));
      }
      this.added++;
    } finally {
      scope.delete();
    }
  }

  /** The encrypted sum as concatenated full ciphertexts, ready to store as a model version. */
  save(): Uint8Array {
    if (this.sum === null) throw new CodecError('cannot save an aggregate of no updates');
    const out = new Uint8Array(this.ckks.aggregateBytes(this.length));
    let offset = 0;
    for (const ciphertext of this.sum) {
      const blob = ciphertext.saveToArray(this.ckks.seal.ComprModeType.none) as Uint8Array;
      out.set(blob, offset);
      offset += blob.length;
    }
    return out;
  }

  delete(): void {
    this.sums.delete();
    this.sum = null;
  }
}
