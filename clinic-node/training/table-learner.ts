import { ownParameterCount, withoutStatistics, type ModelSpec } from '../../common/model-spec.js';
import { localStatistics, readStatistics, type FeatureStatistics } from '../../common/schema/index.js';
import type { Evaluation, Learner, SubgroupMetrics } from '../agent/learner.js';
import { siteStatistics, tableDataset, type TableSite } from '../data/table-site.js';
import { selectBackend } from './backend.js';
import { learnerFor } from './learner-for.js';
import type { TrainingOptions, TrainingResult } from './local-training.js';

/**
 * The learner of a clinic that trains on its own table. A study whose model carries a statistics
 * block preprocesses with the consortium's statistics: while the block is empty the clinic answers
 * with its own block and trains nothing (the statistics round); once filled, it imputes and
 * normalises with it and trains the model's own parameters, the block passed along unchanged.
 * A study without one preprocesses with the site's own statistics, which never leave the clinic.
 */
export class TableLearner implements Learner {
  private inner: { key: string; learner: Learner } | null = null;

  constructor(
    private readonly table: TableSite,
    private readonly dataset: string,
  ) {}

  async ready(): Promise<string> {
    return selectBackend();
  }

  /** The statistics the table was last preprocessed with; null before any. */
  statistics: FeatureStatistics | null = null;

  train(spec: ModelSpec, global: Float32Array, options: TrainingOptions): TrainingResult {
    const own = this.ownLength(spec, global);
    const block = global.subarray(own);
    if (spec.statistics && !readStatistics(this.table.columns, block)) {
      const parameters = new Float32Array(global.length);
      parameters.set(global.subarray(0, own), 0);
      parameters.set(
        localStatistics(
          this.table.columns,
          this.table.train.map((r) => r.x),
        ),
        own,
      );
      return { parameters, loss: 0, steps: 0, statisticsOnly: true };
    }
    const result = this.learnerFor(spec, block).train(withoutStatistics(spec), global.slice(0, own), options);
    const parameters = new Float32Array(global.length);
    parameters.set(result.parameters, 0);
    parameters.set(block, own);
    return { ...result, parameters };
  }

  evaluate(spec: ModelSpec, parameters: Float32Array): Evaluation {
    const ownLength = this.ownLength(spec, parameters);
    const block = parameters.subarray(ownLength);
    if (spec.statistics && !readStatistics(this.table.columns, block)) {
      throw new Error('this model version holds no feature statistics yet: it cannot be evaluated on preprocessed records');
    }
    const model = withoutStatistics(spec);
    const own = parameters.slice(0, ownLength);
    const overall = this.learnerFor(spec, block).evaluate(model, own);
    const subgroups = this.subgroupEvaluations(model, own);
    return subgroups.length > 0 ? { ...overall, subgroups } : overall;
  }

  /**
   * The model on the test records of each subgroup level with at least the schema's minimum size;
   * a smaller level is left out here, so its counts never leave the clinic.
   */
  private subgroupEvaluations(model: ModelSpec, parameters: Float32Array): SubgroupMetrics[] {
    const { schema, test } = this.table;
    const out: SubgroupMetrics[] = [];
    for (const { name, levels } of schema.subgroups) {
      for (const level of levels) {
        const rows = test.filter((r) => r.subgroups[name] === level);
        if (rows.length < schema.minSubgroupSize) continue;
        const subset = tableDataset({ ...this.table, train: rows, test: rows }, this.dataset, this.statistics!);
        out.push({ subgroup: name, level, ...learnerFor(subset).evaluate(model, parameters) });
      }
    }
    return out;
  }

  private ownLength(spec: ModelSpec, vector: Float32Array): number {
    if (spec.inputDim !== this.table.columns.length)
      throw new Error(`the study's model takes ${spec.inputDim} features; this clinic's schema encodes ${this.table.columns.length}`);
    const own = ownParameterCount(spec);
    if (vector.length !== own + (spec.statistics ?? 0))
      throw new Error(`the model vector has ${vector.length} values, expected ${own + (spec.statistics ?? 0)}`);
    return own;
  }

  /** A learner over the table preprocessed with the block's statistics (or the site's own), kept while they stay the same. */
  private learnerFor(spec: ModelSpec, block: Float32Array): Learner {
    const key = spec.statistics ? Array.from(block).join(',') : 'site';
    if (this.inner?.key !== key) {
      this.statistics = spec.statistics ? readStatistics(this.table.columns, block)! : siteStatistics(this.table);
      this.inner = { key, learner: learnerFor(tableDataset(this.table, this.dataset, this.statistics)) };
    }
    return this.inner.learner;
  }
}
