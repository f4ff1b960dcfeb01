/**
 * `cohort model export`: a study's model version from the coordinator, written as files a
 * researcher can load (a TensorFlow.js layers model, or documented JSON for a Cox model), with a
 * model card saying which study, data and training produced it and what it is for.
 */
import type { StudyView } from '../../coordinator/studies/studies.service.js';
import type { ClinicPrivacySpent, ModelVersionView } from '../model-export/model-card.js';
import { runSubcommand, type Command } from '../command.js';
import { parseFlags, requireFlag, UsageError } from '../flags.js';
import { bearer, endpoint, http, coordinatorUrl, COORDINATOR_URL_FLAGS } from '../http-helpers.js';
import { tokenFrom, tokenOptions } from '../token-flags.js';

const EXPORT_USAGE = `  cohort model export --coordinator-url URL [--tls-ca ca.pem] --study-id ID --out DIR [--version N|latest] [--format tfjs|json] [--token-file F]
        the latest model version (or version N) as files in DIR: model.json (+ weights.bin for tfjs) and model-card.json.
        Default format: tfjs for a network (tf.loadLayersModel loads it), json for a Cox model (coefficients).
        Token: the operator's or the auditor's (--token-file F, or COHORT_OPERATOR_TOKEN)`;

export const modelCommand: Command = {
  name: 'model',
  summary: "export: a study's model and its model card, as files",
  usage: EXPORT_USAGE,
  run: (args) => runSubcommand('model', EXPORT_USAGE, { export: exportModel }, args),
};

async function exportModel(args: string[]): Promise<number> {
  const values = parseFlags(args, {
    command: 'cohort model export',
    usage: EXPORT_USAGE,
    options: {
      ...COORDINATOR_URL_FLAGS,
      'study-id': { type: 'string' },
      out: { type: 'string' },
      version: { type: 'string' },
      format: { type: 'string' },
      ...tokenOptions('token'),
    },
    renamed: { study: 'study-id' },
  });
  const url = coordinatorUrl(values);
  const studyId = requireFlag(values, 'study-id', 'ID');
  const out = requireFlag(values, 'out', 'DIR');
  const format = values.format;
  if (format !== undefined && format !== 'tfjs' && format !== 'json') throw new UsageError(`--format must be tfjs or json, got "${format}"`);
  const auth = bearer(
    tokenFrom(values, 'token', 'COHORT_OPERATOR_TOKEN'),
    'exporting a model needs the operator or auditor token: --token-file F (or COHORT_OPERATOR_TOKEN)',
  );
  const study = (await http(endpoint(url, `/studies/${encodeURIComponent(studyId)}`), auth)) as StudyView;
  const which = values.version ?? 'latest';
  if (which !== 'latest' && !/^\d{1,9}$/.test(which)) throw new UsageError(`--version must be a model version (a whole number >= 0) or latest, got "${which}"`);
  const version = (await http(endpoint(url, `/studies/${encodeURIComponent(studyId)}/models/${which}`), auth)) as ModelVersionView;
  const cox = version.model.architecture.startsWith('cox-');
  // Loaded here: TensorFlow.js only for this subcommand.
  const { writeModelExport } = await import('../model-export/write-export.js');
  // A DP study's card names what each clinic has spent, from the coordinator's verified copy of the ledgers.
  const spent = study.dp ? ((await http(endpoint(url, '/audit/clinics'), auth)) as ClinicPrivacySpent[]) : null;
  const files = await writeModelExport(out, study, version, format ?? (cox ? 'json' : 'tfjs'), spent);
  console.log(`model version ${version.version} of study ${study.id} (${study.dataset}, ${version.model.architecture}) written to ${out}: ${files.join(', ')}`);
  return 0;
}
