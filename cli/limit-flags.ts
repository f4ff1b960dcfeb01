/** `cohort coordinator`'s flags for the limits on strangers (connection-limits.ts has the bounds and defaults). */
import { CONNECTION_LIMIT_BOUNDS, type ConnectionLimits } from '../coordinator/grpc/connection-limits.js';
import { UsageError } from './flags.js';

/** Each flag and the option it sets. */
const FLAG_OPTIONS = {
  'max-connections-per-address': 'maxConnectionsPerAddress',
  'max-streams-per-connection': 'maxStreamsPerConnection',
  'first-message-timeout-ms': 'firstMessageTimeoutMs',
  'max-pending-calls-per-address': 'maxPendingCallsPerAddress',
  'handshake-timeout-ms': 'handshakeTimeoutMs',
  'idle-connection-timeout-ms': 'idleConnectionTimeoutMs',
} as const satisfies Record<string, keyof ConnectionLimits>;

type LimitFlag = keyof typeof FLAG_OPTIONS;

export const GRPC_LIMIT_FLAGS = Object.fromEntries(Object.keys(FLAG_OPTIONS).map((flag) => [flag, { type: 'string' }])) as Record<
  LimitFlag,
  { type: 'string' }
>;

export const GRPC_LIMIT_USAGE = `[--max-connections-per-address 64] [--max-streams-per-connection 512]
                     [--first-message-timeout-ms 10000] [--max-pending-calls-per-address 1024]
                     [--handshake-timeout-ms 10000] [--idle-connection-timeout-ms 120000]`;

/** The limits the flags set (unset flags: the coordinator's defaults); a value that is no integer within its bounds is a UsageError naming the flag. */
export function grpcLimitsFromFlags(values: Partial<Record<LimitFlag, string>>): Partial<ConnectionLimits> {
  const limits: Partial<ConnectionLimits> = {};
  for (const [flag, option] of Object.entries(FLAG_OPTIONS) as [LimitFlag, keyof ConnectionLimits][]) {
    const raw = values[flag];
    if (raw === undefined) continue;
    const { min, max, unit } = CONNECTION_LIMIT_BOUNDS[option];
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
      throw new UsageError(`--${flag} must be an integer from ${min} to ${max} (${unit}), got "${raw}"`);
    }
    limits[option] = value;
  }
  return limits;
}
