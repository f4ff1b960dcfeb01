import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ownParameterCount, withoutStatistics } from '../../common/model-spec.js';
import { encodedColumns, readStatistics, type FeatureStatistics } from '../../common/schema/index.js';
import type { StudyView } from '../../coordinator/studies/studies.service.js';
import { layersModelFiles, WEIGHTS_FILE } from './layers-model.js';
import { coxModelJson, modelCard, type ClinicPrivacySpent, type ModelVersionView } from './model-card.js';

export type ExportFormat = 'tfjs' | 'json';

/**
 * Writes a model version and its card to `dir`: `model.json` (+ `weights.bin` for tfjs) and
 * `model-card.json`. All files appear at once (written beside, then renamed into place), and a
 * directory that already holds files is refused: an export never mixes two models. Returns the
 * files written.
 */
export async function writeModelExport(
  dir: string,
  study: StudyView,
  version: ModelVersionView,
  format: ExportFormat,
  privacySpent: ClinicPrivacySpent[] | null = null,
): Promise<string[]> {
  const target = resolve(dir);
  if (existsSync(target) && readdirSync(target).length > 0) throw new Error(`${dir} is not empty: export into a new or empty directory`);
  const { version: own, normalisation } = splitStatistics(study, version);
  const files = await exportFiles(study, own, format);
  mkdirSync(dirname(target), { recursive: true });
  const staging = mkdtempSync(join(dirname(target), `.${basename(target)}-`));
  try {
    for (const [name, content] of files) writeFileSync(join(staging, name), content);
    writeFileSync(join(staging, 'model-card.json'), `${JSON.stringify(modelCard(study, own, [...files.keys()], { normalisation, privacySpent }), null, 2)}\n`);
    if (existsSync(target)) rmdirSync(target);
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  return [...files.keys(), 'model-card.json'];
}

/**
 * A model vector with a feature-statistics block (federated preprocessing): the model's own
 * parameters, which the export holds, and the consortium's statistics, which its card holds.
 */
export function splitStatistics(study: StudyView, version: ModelVersionView): { version: ModelVersionView; normalisation: FeatureStatistics | null } {
  if (!version.model.statistics || !version.parameters || !study.schema) return { version, normalisation: null };
  const own = ownParameterCount(version.model);
  const normalisation = readStatistics(encodedColumns(study.schema), version.parameters.slice(own));
  if (!normalisation) throw new Error(`model version ${version.version} of study ${study.id} holds no feature statistics yet: export a version after round 1`);
  return { version: { ...version, model: withoutStatistics(version.model), parameters: version.parameters.slice(0, own) }, normalisation };
}

async function exportFiles(study: StudyView, version: ModelVersionView, format: ExportFormat): Promise<Map<string, string | Uint8Array>> {
  if (!version.parameters) {
    throw new Error(
      `model version ${version.version} of study ${study.id} is encrypted: only the clinics hold its key, and the coordinator has no parameters to export`,
    );
  }
  const { architecture } = version.model;
  const cox = architecture === 'cox-linear' || architecture === 'cox-newton';
  if (cox) {
    if (format !== 'json') throw new Error(`a ${architecture} model exports as --format json (coefficients), not ${format}`);
    return new Map([['model.json', `${JSON.stringify(coxModelJson(study, version), null, 2)}\n`]]);
  }
  if (format === 'json') {
    const layout = 'per layer: kernel [inputs, outputs] row-major, then bias; ReLU between layers, sigmoid output';
    return new Map([
      ['model.json', `${JSON.stringify({ format: 'cohort-dense/1', model: version.model, layout, parameters: version.parameters }, null, 2)}\n`],
    ]);
  }
  const { modelJson, weights } = await layersModelFiles(version.model, Float32Array.from(version.parameters));
  return new Map<string, string | Uint8Array>([
    ['model.json', `${JSON.stringify(modelJson)}\n`],
    [WEIGHTS_FILE, weights],
  ]);
}
