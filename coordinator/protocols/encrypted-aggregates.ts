import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { CkksAggregator, CkksContexts, CodecError, type CkksContext } from '../../crypto/index.js';
import { refuse } from '../../common/errors.js';

/**
 * Running CKKS sums of the open rounds of encrypted studies, one aggregate per round in memory
 * whatever the number of clinics. The stored updates stay the source of truth: a sum missing after a
 * restart, or dropped after a failed write, is rebuilt from them, so no update is counted twice.
 * Holds parameters only, never a key.
 */
@Injectable()
export class EncryptedAggregates implements OnModuleDestroy {
  private readonly contexts = new CkksContexts();
  private readonly sums = new Map<string, CkksAggregator>();

  context(parameterSet: string): Promise<CkksContext> {
    return this.contexts.get(parameterSet);
  }

  /**
   * Checks an update as untrusted ciphertext and adds it to its round's sum. `stored` yields the
   * updates the database already holds for the round, replayed when the sum is not in memory.
   */
  async add(round: RoundKey, parameterSet: string, length: number, update: Uint8Array, what: string, stored: () => Promise<Uint8Array[]>): Promise<void> {
    const sum = await this.sumOf(round, parameterSet, length, stored);
    try {
      sum.add(update, what);
    } catch (error) {
      if (error instanceof CodecError) throw refuse.invalid(error.message);
      throw error;
    }
  }

  /** The round's encrypted sum as bytes, for storing as the next model version. */
  async save(round: RoundKey, parameterSet: string, length: number, stored: () => Promise<Uint8Array[]>): Promise<Uint8Array> {
    return (await this.sumOf(round, parameterSet, length, stored)).save();
  }

  /** Frees a round's sum (closed, failed, or no longer in step with the database). */
  discard(round: RoundKey): void {
    const key = keyOf(round);
    this.sums.get(key)?.delete();
    this.sums.delete(key);
  }

  async onModuleDestroy(): Promise<void> {
    this.sums.forEach((sum) => sum.delete());
    this.sums.clear();
    await this.contexts.delete();
  }

  private async sumOf(round: RoundKey, parameterSet: string, length: number, stored: () => Promise<Uint8Array[]>): Promise<CkksAggregator> {
    const key = keyOf(round);
    const existing = this.sums.get(key);
    if (existing) return existing;
    const sum = new CkksAggregator(await this.context(parameterSet), length);
    try {
      for (const [i, update] of (await stored()).entries()) sum.add(update, `stored update ${i} of round ${round.round}`);
    } catch (error) {
      sum.delete();
      throw error;
    }
    this.sums.set(key, sum);
    return sum;
  }
}

export interface RoundKey {
  studyId: string;
  round: number;
}

function keyOf({ studyId, round }: RoundKey): string {
  return `${studyId}#${round}`;
}
