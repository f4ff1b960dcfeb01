import { hasStatistics } from '../common/schema/feature-statistics.js';
import type { AggregateResult, FitConfig, FitPlan, FitResult, RoundContext, Strategy, StrategyState } from './strategy.js';

/**
 * A strategy for a model vector that ends with a feature-statistics block (common/schema/
 * feature-statistics.ts), wrapping the study's own strategy. While the block is empty (its last
 * value, the flag, is 0) the round is the statistics round: the clinics answer with their blocks,
 * the block becomes their weighted mean (the pooled statistics) and the model stays as it was.
 * After it, the wrapped strategy sees only the model's own parameters and the block stays put.
 * Preprocessing added by wrapping, so no strategy knows about it.
 */
export class WithFeatureStatistics implements Strategy {
  readonly name: string;
  readonly needsIndividualUpdates: boolean;

  constructor(
    private readonly inner: Strategy,
    private readonly blockLength: number,
  ) {
    if (!(Number.isInteger(blockLength) && blockLength > 0)) throw new Error(`a statistics block has a positive length, got ${blockLength}`);
    this.name = inner.name;
    this.needsIndividualUpdates = inner.needsIndividualUpdates;
  }

  configureFit(round: RoundContext): FitPlan {
    return this.inner.configureFit(round);
  }

  fitConfig(round: number): FitConfig {
    return this.inner.fitConfig(round);
  }

  aggregate(results: Iterable<FitResult>, global: Float32Array, state: StrategyState | null): AggregateResult {
    const own = this.ownLength(global);
    const updates = [...results];
    if (!hasStatistics(global)) {
      const total = updates.reduce((sum, u) => sum + u.numSamples, 0);
      if (!(total > 0)) throw new Error('cannot combine feature statistics without records');
      const mean = new Float64Array(this.blockLength);
      for (const { delta, numSamples } of updates) {
        if (delta.length !== global.length) throw new Error(`an update has ${delta.length} values, expected ${global.length}`);
        for (let k = 0; k < this.blockLength; k++) mean[k]! += (numSamples * delta[own + k]!) / total;
      }
      return this.withBlock(
        global.subarray(0, own),
        Float32Array.from(mean, (m, k) => global[own + k]! + m),
        state,
      );
    }
    const inner = this.inner.aggregate(
      updates.map((u) => ({ ...u, delta: u.delta.subarray(0, own) })),
      global.subarray(0, own),
      state,
    );
    return this.withBlock(inner.parameters, global.subarray(own), inner.state);
  }

  serverStep(global: Float32Array, meanDelta: Float32Array, state: StrategyState | null, totalWeight?: number): AggregateResult {
    const own = this.ownLength(global);
    if (!hasStatistics(global)) {
      return this.withBlock(
        global.subarray(0, own),
        global.subarray(own).map((v, k) => v + meanDelta[own + k]!),
        state,
      );
    }
    const inner = this.inner.serverStep(global.subarray(0, own), meanDelta.subarray(0, own), state, totalWeight);
    return this.withBlock(inner.parameters, global.subarray(own), inner.state);
  }

  private ownLength(global: Float32Array): number {
    if (global.length <= this.blockLength)
      throw new Error(`a model vector of ${global.length} values cannot end with a statistics block of ${this.blockLength}`);
    return global.length - this.blockLength;
  }

  private withBlock(own: Float32Array, block: Float32Array, state: StrategyState | null): AggregateResult {
    const parameters = new Float32Array(own.length + block.length);
    parameters.set(own, 0);
    parameters.set(block, own.length);
    return { parameters, state };
  }
}
