/**
 * `cohort predict`: an exported model (cohort model export) applied locally to a CSV file of
 * patients. Nothing leaves the machine; the output says which model produced it and that it is
 * decision support.
 */
import type { Command } from '../command.js';
import { parseFlags, requireFlag, UsageError } from '../flags.js';
import type { Interval, Predictions } from '../model-export/predict.js';
import { table } from '../http-helpers.js';

const USAGE = `  cohort predict --model DIR --data FILE.csv [--mapping FILE] [--id-column COL] [--horizon T] [--json]
        apply an exported model to each row of FILE.csv, whose header names every feature of DIR/model-card.json
        (values prepared as its preprocessing says): a probability for a network (each class's and the most
        probable class for a multiclass one; the value for a linear regression), the linear predictor and
        relative hazard for a Cox model, and where the export has a baseline hazard each patient's risk of
        the event by time T (default the export's, e.g. 5 years for pbc3; at most the time grid's end) with
        a 95% interval, under each arm and their difference where the model has a treatment column.
        --mapping: the clinic's own CSV export read through its mapping onto the study schema of a model
        trained on a consortium's own data, imputed and normalised as in training (the card's statistics)`;

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
    options: {
      model: { type: 'string' },
      data: { type: 'string' },
      mapping: { type: 'string' },
      'id-column': { type: 'string' },
      horizon: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const horizon = values.horizon === undefined ? undefined : Number(values.horizon);
  if (horizon !== undefined && !(Number.isFinite(horizon) && horizon > 0)) throw new UsageError(`--horizon must be a positive time, got "${values.horizon}"`);
  const { predictFile } = await import('../model-export/predict.js');
  const result = await predictFile(requireFlag(values, 'model', 'DIR'), requireFlag(values, 'data', 'FILE'), values['id-column'], {
    ...(horizon !== undefined && { horizon }),
    ...(values.mapping !== undefined && { mapping: values.mapping }),
  });
  if (values.json) {
    console.log(JSON.stringify(result));
    return 0;
  }
  const { model } = result;
  console.log(`model version ${model.version} of study ${model.study} (${model.dataset}, ${model.architecture}). ${model.intendedUse}`);
  console.log(table(predictionTable(result)));
  return 0;
}

/** The table's rows, its header first: probabilities, or relative hazards, and risks by the horizon where the model has them. */
function predictionTable({ model, predictions }: Predictions): string[][] {
  const first = predictions[0];
  if (first?.value !== undefined) return [['patient', 'predicted value'], ...predictions.map((p) => [p.id, p.value!.toFixed(4)])];
  if (first?.probabilities) {
    const classes = Object.keys(first.probabilities);
    return [
      ['patient', 'predicted class', ...classes.map((c) => `P(${c})`)],
      ...predictions.map((p) => [p.id, p.predictedClass!, ...classes.map((c) => p.probabilities![c]!.toFixed(4))]),
    ];
  }
  if (first?.linearPredictor === undefined) return [['patient', 'probability'], ...predictions.map((p) => [p.id, p.probability!.toFixed(4)])];
  const interval = (i: Interval) => `${i.value.toFixed(3)} (${i.low.toFixed(3)} to ${i.high.toFixed(3)})`;
  const by = `by ${model.horizon}${model.timeUnit ? ` ${model.timeUnit}` : ''}`;
  const header = ['patient', 'linear predictor', 'relative hazard'];
  if (first.arms) header.push(`risk ${by}, ${first.arms.control.arm}`, `risk, ${first.arms.treated.arm}`, 'difference (95% CI)');
  else if (first.risk) header.push(`risk ${by} (95% CI)`);
  return [
    header,
    ...predictions.map((p) => {
      const row = [p.id, p.linearPredictor!.toFixed(4), p.relativeHazard!.toFixed(4)];
      if (p.arms) row.push(interval(p.arms.control), interval(p.arms.treated), interval(p.arms.difference));
      else if (p.risk) row.push(interval(p.risk));
      return row;
    }),
  ];
}
