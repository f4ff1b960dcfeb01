import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a study's strategy ran with before studies stored their effective configuration: the
 * settings it named, every other at the value the old code applied (FedOpt's constructor
 * defaults, FedAvg's server learning rate 1; FedAdagrad ignored `beta2`). Written back so a study
 * created before the upgrade resumes with the same hyper-parameters (the new registry's FedAdam
 * defaults differ) and its tasks carry them. A name the old code refused is left as it is.
 */
export function legacyEffectiveStrategy(stored: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { name } = stored;
  if (name === 'fedavg') return { serverLearningRate: 1, ...stored };
  if (name === 'fedadam' || name === 'fedyogi') return { serverLearningRate: 0.01, beta1: 0.9, beta2: 0.99, tau: 1e-9, ...stored };
  if (name === 'fedadagrad') {
    const { beta2: _ignored, ...used } = stored;
    return { serverLearningRate: 0.01, beta1: 0.9, tau: 1e-9, ...used };
  }
  return { ...stored };
}

/** Every stored study's strategy becomes the effective configuration it has been running with. */
export class EffectiveStrategies1733100000000 implements MigrationInterface {
  name = 'EffectiveStrategies1733100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const rows: { id: string; strategy: string }[] = await queryRunner.query('SELECT id, strategy FROM studies');
    for (const { id, strategy } of rows) {
      const effective = JSON.stringify(legacyEffectiveStrategy(JSON.parse(strategy) as Record<string, unknown>));
      if (effective === strategy) continue;
      // Named parameters through the driver: each database gets its own placeholders.
      const [sql, parameters] = queryRunner.connection.driver.escapeQueryWithParameters(
        'UPDATE studies SET strategy = :strategy WHERE id = :id',
        { strategy: effective, id },
        {},
      );
      await queryRunner.query(sql, parameters);
    }
  }

  async down(): Promise<void> {
    // The filled-in values are what those studies ran with: keeping them loses nothing.
  }
}
