/**
 * `cohort certs init|server|clinic|show`: the PEM files for TLS between the coordinator and the
 * clinics (common/tls). The operator keeps the CA directory; `ca.pem` goes to every clinic,
 * `coordinator*.pem` to the coordinator, `<clinic>*.pem` to that clinic (mutual TLS).
 *
 * Private keys are written 0600 in a directory created 0700, and no file is ever overwritten
 * without --force: a replaced CA key silently invalidates every certificate issued under it.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  createCertificateAuthority,
  DEFAULT_SERVER_HOSTS,
  describeCertificates,
  issueClientCertificate,
  issueServerCertificate,
  type CertificateAndKey,
  type CertificateSummary,
} from '../../common/tls/index.js';
import { checkClinicId, IdentityError } from '../../crypto/index.js';
import { runSubcommand, type Command } from '../command.js';
import { parseFlags, UsageError } from '../flags.js';

const INIT_USAGE = `  cohort certs init --dir DIR [--hosts ${DEFAULT_SERVER_HOSTS.join(',')}] [--days 825] [--ca-days 3650] [--force]
                                                        a consortium CA and the coordinator's certificate: DIR/ca.pem, ca-key.pem,
                                                        coordinator.pem, coordinator-key.pem (--hosts: names clinics dial)`;
const SERVER_USAGE = `  cohort certs server --dir DIR [--hosts H1,H2] [--days 825] [--force]
                                                        a new coordinator certificate from the CA in DIR (renewal, new host names)`;
const CLINIC_USAGE = `  cohort certs clinic --dir DIR --clinic-id ID [--out DIR2] [--days 825] [--force]
                                                        a clinic's client certificate for mutual TLS: DIR2/ID.pem, ID-key.pem`;
const SHOW_USAGE = `  cohort certs show FILE                                subject, issuer, SANs, validity and SHA-256 fingerprint of each certificate`;
const USAGE = [INIT_USAGE, SERVER_USAGE, CLINIC_USAGE, SHOW_USAGE].join('\n');

export const CA_FILE = 'ca.pem';
export const CA_KEY_FILE = 'ca-key.pem';
export const COORDINATOR_FILE = 'coordinator.pem';
export const COORDINATOR_KEY_FILE = 'coordinator-key.pem';

type Print = (line: string) => void;
const print: Print = (line) => console.log(line);

export const certsCommand: Command = {
  name: 'certs',
  summary: 'init|server|clinic|show: TLS certificates for the coordinator and the clinics',
  usage: USAGE,
  run: (args) => runSubcommand('certs', USAGE, { init, server, clinic, show }, args),
};

async function init(args: string[]): Promise<number> {
  const values = parseFlags(args, {
    command: 'cohort certs init',
    usage: INIT_USAGE,
    options: {
      dir: { type: 'string' },
      hosts: { type: 'string' },
      days: { type: 'string' },
      'ca-days': { type: 'string' },
      force: { type: 'boolean', default: false },
    },
  });
  const force = values.force === true;
  const dir = required(values.dir, '--dir DIR');
  const hosts = hostList(values.hosts);
  const days = dayCount(values.days, 'days');
  const caDays = dayCount(values['ca-days'], 'ca-days');
  const files = [CA_FILE, CA_KEY_FILE, COORDINATOR_FILE, COORDINATOR_KEY_FILE].map((name) => join(dir, name));
  refuseOverwrite(files, force);
  const ca = await createCertificateAuthority({ days: caDays });
  const coordinator = await issueServerCertificate(ca, { hosts, days });
  makeDirectory(dir);
  writePair(ca, files[0]!, files[1]!, force);
  writePair(coordinator, files[2]!, files[3]!, force);
  printWritten(print, files[0]!, ca.certPem, 'the consortium CA: every clinic trusts it; the coordinator too, for mutual TLS');
  print(`wrote ${files[1]} (the CA's private key: it stays with the operator, off the coordinator)`);
  printWritten(print, files[2]!, coordinator.certPem, "the coordinator's certificate, with its key");
  print(`wrote ${files[3]}`);
  return 0;
}

async function server(args: string[]): Promise<number> {
  const values = parseFlags(args, {
    command: 'cohort certs server',
    usage: SERVER_USAGE,
    options: { dir: { type: 'string' }, hosts: { type: 'string' }, days: { type: 'string' }, force: { type: 'boolean', default: false } },
  });
  const force = values.force === true;
  const dir = required(values.dir, '--dir DIR');
  const hosts = hostList(values.hosts);
  const days = dayCount(values.days, 'days');
  const files = [join(dir, COORDINATOR_FILE), join(dir, COORDINATOR_KEY_FILE)] as const;
  refuseOverwrite(files, force);
  const coordinator = await issueServerCertificate(readAuthority(dir), { hosts, days });
  writePair(coordinator, files[0], files[1], force);
  printWritten(print, files[0], coordinator.certPem, "the coordinator's certificate, with its key");
  print(`wrote ${files[1]}`);
  return 0;
}

async function clinic(args: string[]): Promise<number> {
  const values = parseFlags(args, {
    command: 'cohort certs clinic',
    usage: CLINIC_USAGE,
    options: {
      dir: { type: 'string' },
      'clinic-id': { type: 'string' },
      out: { type: 'string' },
      days: { type: 'string' },
      force: { type: 'boolean', default: false },
    },
  });
  const force = values.force === true;
  const dir = required(values.dir, '--dir DIR');
  const clinicId = required(values['clinic-id'], '--clinic-id ID');
  try {
    checkClinicId(clinicId); // before the id becomes a file name
  } catch (error) {
    if (error instanceof IdentityError) throw new UsageError(error.message);
    throw error;
  }
  const days = dayCount(values.days, 'days');
  const out = values.out ?? dir;
  const files = [join(out, `${clinicId}.pem`), join(out, `${clinicId}-key.pem`)] as const;
  // A clinic called "ca" or "coordinator" would otherwise replace the CA's or coordinator's files with --force.
  const reserved = new Set([CA_FILE, CA_KEY_FILE, COORDINATOR_FILE, COORDINATOR_KEY_FILE].map((name) => resolve(dir, name)));
  const clash = files.find((file) => reserved.has(resolve(file)));
  if (clash) throw new UsageError(`clinic id "${clinicId}" would write over ${clash}; issue it into another directory with --out`);
  const ca = readAuthority(dir);
  refuseOverwrite(files, force);
  const pair = await issueClientCertificate(ca, { clinicId, days });
  makeDirectory(out);
  writePair(pair, files[0], files[1], force);
  printWritten(print, files[0], pair.certPem, `${clinicId}'s client certificate, with its key and ${join(dir, CA_FILE)}: give all three to the clinic`);
  print(`wrote ${files[1]}`);
  return 0;
}

function show(args: string[]): number {
  const { positionals } = parseFlags(args, { command: 'cohort certs show', usage: SHOW_USAGE, options: {}, positionals: true });
  if (positionals.length !== 1) throw new UsageError('cohort certs show takes one FILE');
  const file = positionals[0]!;
  const summaries = describeCertificates(readFile(file, 'certificate'));
  summaries.forEach((summary, index) => {
    if (index > 0) print('');
    for (const line of describe(summary)) print(line);
  });
  return 0;
}

// ---- helpers --------------------------------------------------------------------------------------

function describe(summary: CertificateSummary): string[] {
  const now = Date.now();
  const state = now > summary.notAfter.getTime() ? ' (EXPIRED)' : now < summary.notBefore.getTime() ? ' (not yet valid)' : '';
  return [
    `subject      ${summary.subject}`,
    `issuer       ${summary.issuer}${summary.subject === summary.issuer ? ' (self-signed)' : ''}`,
    `serial       ${summary.serialNumber}`,
    `valid        ${summary.notBefore.toISOString()} to ${summary.notAfter.toISOString()}${state}`,
    `CA           ${summary.isCa ? 'yes' : 'no'}`,
    `SANs         ${summary.subjectAltNames.join(', ') || '(none)'}`,
    `purposes     ${summary.extendedKeyUsages.join(', ') || '(any)'}`,
    `SHA-256      ${summary.sha256Fingerprint}`,
  ];
}

function printWritten(print: Print, file: string, certPem: string, role: string): void {
  const [summary] = describeCertificates(certPem);
  const sans = summary!.subjectAltNames.length > 0 ? `, ${summary!.subjectAltNames.join(' ')}` : '';
  print(`wrote ${file}: ${summary!.subject}${sans}, valid until ${summary!.notAfter.toISOString().slice(0, 10)}, SHA-256 ${summary!.sha256Fingerprint}`);
  print(`  ${role}`);
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`${flag} is required`);
  return value;
}

function hostList(flag: string | undefined): string[] | undefined {
  if (flag === undefined) return undefined;
  const hosts = flag
    .split(',')
    .map((host) => host.trim())
    .filter((host) => host !== '');
  if (hosts.length === 0) throw new UsageError(`--hosts takes host names or IP addresses separated by commas, got "${flag}"`);
  return hosts;
}

function dayCount(flag: string | undefined, name: string): number | undefined {
  if (flag === undefined) return undefined;
  const days = Number(flag);
  if (!/^\d+$/.test(flag.trim()) || !(days >= 1)) throw new UsageError(`--${name} must be a whole number of days >= 1, got "${flag}"`);
  return days;
}

function refuseOverwrite(files: readonly string[], force: boolean): void {
  if (force) return;
  const existing = files.filter((file) => existsSync(file));
  if (existing.length > 0)
    throw new Error(
      `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written (--force replaces ${existing.length === 1 ? 'it' : 'them'})`,
    );
}

function makeDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** The certificate 0644, the key 0600; an existing file is removed first so the new one gets these modes. */
function writePair(pair: CertificateAndKey, certFile: string, keyFile: string, force: boolean): void {
  if (force) {
    rmSync(certFile, { force: true });
    rmSync(keyFile, { force: true });
  }
  writeFileSync(keyFile, pair.keyPem, { mode: 0o600, flag: 'wx' });
  writeFileSync(certFile, pair.certPem, { mode: 0o644, flag: 'wx' });
}

function readAuthority(dir: string): CertificateAndKey {
  return { certPem: readFile(join(dir, CA_FILE), 'CA certificate'), keyPem: readFile(join(dir, CA_KEY_FILE), 'CA key') };
}

function readFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    throw new Error(`cannot read the ${what} ${path}: ${reason}${code === 'ENOENT' && what.startsWith('CA') ? ' (cohort certs init creates it)' : ''}`, {
      cause: error,
    });
  }
}
