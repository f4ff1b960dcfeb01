/**
 * The commands `cohort --help` lists, in its order, each loaded only when it runs: `cohort --help`
 * and `cohort --version` import none of them, so they start without gRPC, Nest, TensorFlow.js or
 * SEAL. Each summary is the command's own (cli/main.test.ts checks they agree).
 */
import type { Command } from '../command.js';

export interface CommandEntry {
  name: string;
  /** One line for `cohort --help`. */
  summary: string;
  load(): Promise<Command>;
}

export const COMMAND_CATALOGUE: readonly CommandEntry[] = [
  {
    name: 'simulate',
    summary: 'a whole federation on this machine, with its per-site report',
    load: async () => (await import('./simulate.js')).simulateCommand,
  },
  {
    name: 'coordinator',
    summary: "the consortium's coordinator: gRPC for the clinics, HTTP for the operator and auditors",
    load: async () => (await import('./coordinator.js')).coordinatorCommand,
  },
  {
    name: 'study',
    summary: "list|show|pause|resume|cancel: the coordinator's studies, for operators",
    load: async () => (await import('./study.js')).studyCommand,
  },
  { name: 'node', summary: "a clinic's node: trains on the clinic's own data for the coordinator", load: async () => (await import('./node.js')).nodeCommand },
  {
    name: 'clinic',
    summary: 'enrol|approve|revoke|list: the operator admits clinics, approves what they hold, removes them',
    load: async () => (await import('./clinic.js')).clinicCommand,
  },
  {
    name: 'keys',
    summary: 'init|card|pin|enrol|generate|fetch|status: key custody for encrypted studies',
    load: async () => (await import('./keys.js')).keysCommand,
  },
  {
    name: 'certs',
    summary: 'init|server|clinic|show: TLS certificates for the coordinator and the clinics',
    load: async () => (await import('./certs.js')).certsCommand,
  },
  { name: 'privacy', summary: 'epsilon|noise: the DP accountant', load: async () => (await import('./privacy.js')).privacyCommand },
  { name: 'audit', summary: "verify|report: the clinics' privacy ledgers, for auditors", load: async () => (await import('./audit.js')).auditCommand },
  { name: 'model', summary: "export: a study's model and its model card, as files", load: async () => (await import('./model.js')).modelCommand },
  { name: 'predict', summary: 'an exported model applied to a CSV file of patients, locally', load: async () => (await import('./predict.js')).predictCommand },
  {
    name: 'bench',
    summary: 'he|dp|secagg|load|console: what privacy, scale and the console cost on this machine',
    load: async () => (await import('./bench.js')).benchCommand,
  },
];
