/**
 * `cohort predict`: an exported model (cohort model export) applied locally to a CSV file of
 * patients. Nothing leaves the machine; the output says which model produced it and that it is
 * decision support.
 */
import type { Command } from '../command.js';
import { parseFlags, requireFlag } from '../flags.js';
import { table } from '../http-helpers.js';

const USAGE = `  cohort predict --model DIR --data FILE.csv [--id-column COL] [--json]
        apply an exported model to each row of FILE.csv, whose header names every feature of DIR/model-card.json
        (values prepared as its preprocessing says): a probability for a network, the linear predictor and
        relative hazard for a Cox model`;

export const predictCommand: Command = {
  name: 'predict',
  summary: 'an exported model applied to a CSV file of patients, locally',
  usage: USAGE,
  run: predict,
};

async function predict(args: string[]): Promise<number> {
  const values = parseFlags(args, {
    command: 'cohort predict',
    usage: USAGE,
    options: { model: { type: 'string' }, data: { type: 'string' }, 'id-column': { type: 'string' }, json: { type: 'boolean' } },
  });
  const { predictFile } = await import('../model-export/predict.js');
  const result = await predictFile(requireFlag(values, 'model', 'DIR'), requireFlag(values, 'data', 'FILE'), values['id-column']);
  if (values.json) {
    console.log(JSON.stringify(result));
    return 0;
  }
  const { model, predictions } = result;
  console.log(`model version ${model.version} of study ${model.study} (${model.architecture}). ${model.intendedUse}`);
  const cox = predictions[0]?.linearPredictor !== undefined;
  const header = cox ? ['patient', 'linear predictor', 'relative hazard'] : ['patient', 'probability'];
  const rows = predictions.map((p) => (cox ? [p.id, p.linearPredictor!.toFixed(4), p.relativeHazard!.toFixed(4)] : [p.id, p.probability!.toFixed(4)]));
  console.log(table([header, ...rows]));
  return 0;
}
