import type { TrainingOptions } from './local-training.js';

/** The strategy settings a clinic's local training understands (a task's fit config), with what each does. */
export const LOCAL_FIT_SETTINGS = {
  proximalMu: "FedProx's proximal term weight: mu/2 * ||w - w_global||^2 added to the local objective; >= 0, 0 for none",
} as const;

/**
 * The training options a task's fit config asks for. Refuses a setting this node does not know
 * (training without it would silently run another algorithm than the study's) and a bad value.
 */
export function localFitSettings(fitConfig: Readonly<Record<string, number>> | null | undefined): Pick<TrainingOptions, 'proximalMu'> {
  const settings: { proximalMu?: number } = {};
  for (const [name, value] of Object.entries(fitConfig ?? {})) {
    if (name !== 'proximalMu') {
      throw new Error(
        `the study's strategy asks clinics for training setting "${name}", which this node does not know (known: ${Object.keys(LOCAL_FIT_SETTINGS).join(', ')})`,
      );
    }
    if (!(Number.isFinite(value) && value >= 0)) throw new Error(`training setting proximalMu must be a number >= 0, got ${value}`);
    if (value > 0) settings.proximalMu = value;
  }
  return settings;
}
