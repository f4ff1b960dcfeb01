/**
 * Every `cohort` command, one file each, in the order `cohort --help` lists them.
 *
 * ```ts
 * const keys = COMMANDS.find((c) => c.name === 'keys')!;
 * await keys.run(['status', '--coordinator-url', url, '--study-id', id]);
 * ```
 */
import type { Command } from '../command.js';
import { auditCommand } from './audit.js';
import { benchCommand } from './bench.js';
import { certsCommand } from './certs.js';
import { clinicCommand } from './clinic.js';
import { coordinatorCommand } from './coordinator.js';
import { keysCommand } from './keys.js';
import { modelCommand } from './model.js';
import { nodeCommand } from './node.js';
import { predictCommand } from './predict.js';
import { privacyCommand } from './privacy.js';
import { simulateCommand } from './simulate.js';
import { studyCommand } from './study.js';

export const COMMANDS: readonly Command[] = [
  simulateCommand,
  coordinatorCommand,
  studyCommand,
  nodeCommand,
  clinicCommand,
  keysCommand,
  certsCommand,
  privacyCommand,
  auditCommand,
  modelCommand,
  predictCommand,
  benchCommand,
];
