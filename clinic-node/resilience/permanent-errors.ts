/**
 * Connection failures that no retry can cure, each with what to fix: a coordinator certificate the
 * node's CA does not verify, a coordinator that demands a client certificate the node lacks (or does
 * not trust the one it has), TLS against a plaintext coordinator, a URL where `HOST:PORT` belongs, and
 * (until the node has once connected) a host name that does not resolve. grpc-js reports them all as
 * UNAVAILABLE, like a coordinator that is merely down; their text is what tells them apart, as
 * measured against real loopback servers (test/node-errors.e2e.test.ts).
 */
import type { ServiceError } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';

export interface Circumstances {
  /** The `--coordinator` address as given. */
  coordinator: string;
  /** Whether a Register has succeeded before: a name that resolved once and does not now is an outage (a restarting container). */
  connectedBefore: boolean;
}

interface Rule {
  pattern: RegExp;
  hint: (c: Circumstances, match: RegExpExecArray) => string;
  /** Only before the first successful connection. */
  atStartOnly?: boolean;
}

const RULES: Rule[] = [
  {
    pattern: /Name resolution failed for target dns:(https?):\/\//i,
    hint: (c, m) =>
      `--coordinator takes the gRPC address HOST:PORT, not a URL: got "${c.coordinator}"; drop "${m[1]}://" (the HTTP URL is for --coordinator-url)`,
  },
  {
    pattern:
      /self[- ]signed certificate|unable to verify the first certificate|unable to get local issuer certificate|unable to get issuer certificate|certificate signature failure/i,
    hint: (c) =>
      `the coordinator's certificate at ${c.coordinator} does not verify against the CA given with --tls-ca: give the consortium's CA certificate (ca.pem from cohort certs init), not another CA's or the coordinator's own certificate`,
  },
  {
    pattern: /certificate has expired|certificate is not yet valid/i,
    hint: (c) =>
      `the coordinator's certificate at ${c.coordinator} is outside its validity period: the operator reissues it (cohort certs init), or check this machine's clock`,
  },
  {
    pattern: /Hostname\/IP does not match certificate's altnames|ERR_TLS_CERT_ALTNAME_INVALID/i,
    hint: (c) =>
      `the coordinator's certificate does not name the host in --coordinator ${c.coordinator}: connect by a name or address the certificate lists (cohort certs show coordinator.pem), or reissue it with that name (cohort certs init --hosts)`,
  },
  {
    pattern: /alert certificate required/i,
    hint: () =>
      'the coordinator requires a client certificate (mutual TLS): give --tls-cert clinic.pem --tls-key clinic-key.pem (cohort certs clinic issues them)',
  },
  {
    pattern: /alert (unknown ca|bad certificate|certificate unknown|unsupported certificate|certificate revoked|certificate expired)/i,
    hint: () =>
      "the coordinator refused this clinic's certificate (--tls-cert): it must be issued by the consortium CA (cohort certs clinic), be current, and match --tls-key",
  },
  {
    pattern: /wrong version number|packet length too long|http request/i,
    hint: (c) =>
      `the coordinator at ${c.coordinator} does not speak TLS (it was started with --insecure): start the node with --insecure as well, or give the coordinator a certificate`,
  },
  {
    pattern: /Name resolution failed for target dns:([^\s]+)/i,
    hint: (c) => `the host in --coordinator ${c.coordinator} does not resolve (no such name in DNS): check the spelling, or use the coordinator's IP address`,
    atStartOnly: true,
  },
];

/** A permanent failure's hint (what to fix, naming the flag), or null when retrying may help. */
export function permanentFailure(error: unknown, circumstances: Circumstances): string | null {
  const { code, details } = (error ?? {}) as Partial<ServiceError>;
  if (code !== status.UNAVAILABLE || typeof details !== 'string') return null;
  for (const rule of RULES) {
    if (rule.atStartOnly && circumstances.connectedBefore) continue;
    const match = rule.pattern.exec(details);
    if (match) return rule.hint(circumstances, match);
  }
  return null;
}

/** A failure the node stops on at once: the hint first, grpc-js's own words after it. */
export class PermanentConnectionError extends Error {
  constructor(
    readonly hint: string,
    cause: unknown,
  ) {
    super(
      `${hint} (${String((cause as Partial<ServiceError>).details ?? cause)
        .split('\n')[0]!
        .trim()})`,
      { cause },
    );
    this.name = 'PermanentConnectionError';
  }
}
