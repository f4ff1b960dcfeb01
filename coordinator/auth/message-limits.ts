import { status } from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { DEFAULT_CHUNK_BYTES } from '../../common/chunk-stream.js';
import { FederationError } from '../../common/errors.js';
import { FEDERATION_PROTO, PROTO_INCLUDE_DIR } from '../../common/paths.js';
import { MAX_CEREMONY_ENVELOPES } from '../keys/keys.grpc-controller.js';
import { MAX_APPEND_ENTRIES, MAX_ENTRY_BYTES } from '../ledger/ledger.service.js';

/**
 * Structural limits on every request message, checked before authentication and before any handler:
 * every string, bytes and repeated field of every request type (found by walking the proto's
 * reflection, so a field added to the contract is bounded without being listed here), how deep
 * messages nest, that doubles are finite and 64-bit integers exact, and how many messages one call
 * may carry. A refusal names the field by its path in proto names:
 *
 *   SecAggShareKeysRequest.shares[3].box: 70000 bytes, at most 4096          RESOURCE_EXHAUSTED
 *   EvaluationReport.accuracy: NaN, must be a finite number                   INVALID_ARGUMENT
 *   UpdateChunk.header.study_id: cannot be decoded (index out of range ...)   INVALID_ARGUMENT
 *
 * Semantics (known study, participant, lengths a study implies) stay with the services.
 */
export interface LimitSettings {
  /** Longest string, in UTF-8 bytes. */
  stringBytes: number;
  /** Longest bytes field. */
  bytes: number;
  /** Most items in a repeated (or map) field. */
  items: number;
  /** Deepest nesting of messages, the request itself being depth 1. */
  depth: number;
  /** Most messages in one call (a client stream's; a unary or server-stream call has one). */
  messages: number;
  /** Per field, `Message.field` in proto names: a bound other than the default on each value's size or on the items. */
  fields: Readonly<Record<string, { bytes?: number; items?: number }>>;
  /** Per method name (`UploadUpdate`): most messages in one call. */
  methodMessages: Readonly<Record<string, number>>;
}

/** Most data chunks in one upload: 16384 chunks of 1 MiB carry 16 GiB, far beyond any model a study can declare. */
export const MAX_UPLOAD_CHUNKS = 16384;

/**
 * The Federation contract's limits for a coordinator sending and accepting chunks of `maxChunkBytes`:
 * defaults of 256-byte strings, 4 KiB bytes, 4096 items and depth 8, with the fields that need more
 * (or less) named.
 */
export function federationLimits(maxChunkBytes: number): LimitSettings {
  return {
    stringBytes: 256,
    bytes: 4096,
    items: 4096,
    depth: 8,
    messages: 1,
    fields: {
      // Update payloads travel in chunks of at most the coordinator's chunk size.
      'UpdateChunk.data': { bytes: maxChunkBytes },
      // A sealed CKKS secret key (about 128 KiB at n8192 with two 60-bit primes) must fit one message.
      'KeyEnvelope.sealed_key': { bytes: maxChunkBytes },
      // Signed ledger entries as JSON text, as many and as large as the ledger service takes.
      'LedgerEntries.entries': { bytes: MAX_ENTRY_BYTES, items: MAX_APPEND_ENTRIES },
      // One sealed pair (or revealed share) per neighbour: bounded by the consortium's size.
      'SecAggShareKeysRequest.shares': { items: 4096 },
      'SecAggReveal.shares': { items: 4096 },
    },
    methodMessages: {
      UploadUpdate: 1 + MAX_UPLOAD_CHUNKS,
      SubmitKeyEnvelopes: MAX_CEREMONY_ENVELOPES,
    },
  };
}

/** The limits of a coordinator with the default `maxChunkBytes` (1 MiB). */
export const DEFAULT_LIMITS: LimitSettings = federationLimits(DEFAULT_CHUNK_BYTES);

/**
 * What a request deserializer answers for bytes that are no protobuf encoding of the request type
 * (see {@link tolerateUndecodableRequests}): the limits check refuses it as INVALID_ARGUMENT naming
 * the field where decoding failed, instead of grpc-js's bare INTERNAL "Error deserializing request".
 */
export class UndecodableRequest {
  constructor(
    /** Where decoding failed, e.g. `UpdateChunk.header.study_id`. */
    readonly path: string,
    readonly problem: string,
  ) {}
}

/** A bound on one field, as the limits table lists it. */
export interface FieldLimit {
  /** `Message.field` in proto names. */
  field: string;
  kind: 'string' | 'bytes' | 'items' | 'finite' | 'exact-integer';
  /** Bytes per value, or items; absent for `finite` and `exact-integer`. */
  max?: number;
}

type Scalar = 'string' | 'bytes' | 'double' | 'long' | 'other';

interface FieldPlan {
  key: string;
  name: string;
  repeated: boolean;
  map: boolean;
  scalar: Scalar;
  max: number;
  items: number;
  message: TypePlan | null;
}

interface TypePlan {
  name: string;
  fields: FieldPlan[];
}

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const MAX_EXACT = Number.MAX_SAFE_INTEGER;

let federationRoot: protobuf.Root | undefined;

/** The Federation proto under its own names (keepCase): the field names refusals use. */
function loadFederationRoot(): protobuf.Root {
  if (!federationRoot) {
    const root = new protobuf.Root();
    root.resolvePath = (origin, target) => (target.startsWith('/') || !origin ? target : `${PROTO_INCLUDE_DIR}/${target}`);
    root.loadSync(FEDERATION_PROTO, { keepCase: true });
    root.resolveAll();
    federationRoot = root;
  }
  return federationRoot;
}

function federationService(root: protobuf.Root): protobuf.Service {
  return root.lookupService('cohort.v1.Federation');
}

/** The limits of every request of the Federation service, compiled once from the proto's reflection. */
export class MessageLimits {
  private readonly plans = new Map<string, { method: string; plan: TypePlan; messages: number }>();
  private readonly typePlans = new Map<string, TypePlan>();
  private readonly used = new Set<string>();

  constructor(readonly settings: LimitSettings = DEFAULT_LIMITS) {
    const service = federationService(loadFederationRoot());
    for (const method of service.methodsArray) {
      method.resolve();
      const type = method.resolvedRequestType!;
      const messages = settings.methodMessages[method.name] ?? settings.messages;
      this.plans.set(`/cohort.v1.Federation/${method.name}`, { method: method.name, plan: this.compile(type), messages });
    }
    const unknown = Object.keys(settings.fields).filter((field) => !this.used.has(field));
    if (unknown.length > 0) throw new Error(`message limits name fields no request has: ${unknown.join(', ')}`);
    const methods = new Set(service.methodsArray.map((m) => m.name));
    const unknownMethods = Object.keys(settings.methodMessages).filter((name) => !methods.has(name));
    if (unknownMethods.length > 0) throw new Error(`message limits name methods the service lacks: ${unknownMethods.join(', ')}`);
  }

  /**
   * Refuses a decoded request (proto-loader's object form: camelCase keys, longs as numbers) that
   * breaks a limit; `index` is the message's position in its call (0 for the first).
   */
  check(methodPath: string, message: unknown, index = 0): void {
    const { method, plan, messages } = this.plan(methodPath);
    if (index >= messages) {
      throw new FederationError(status.RESOURCE_EXHAUSTED, `${method}: more than ${messages} message${messages === 1 ? '' : 's'} in one call`);
    }
    if (message instanceof UndecodableRequest) {
      throw new FederationError(status.INVALID_ARGUMENT, `${message.path}: cannot be decoded as protobuf (${message.problem})`);
    }
    if (typeof message !== 'object' || message === null) {
      throw new FederationError(status.INVALID_ARGUMENT, `${plan.name}: not a message`);
    }
    this.checkMessage(plan, message as Record<string, unknown>, plan.name, 1);
  }

  /** Every bounded field of every request type, for the operations guide and tests. */
  table(): FieldLimit[] {
    const rows: FieldLimit[] = [];
    for (const plan of this.typePlans.values()) {
      for (const field of plan.fields) {
        const name = `${plan.name}.${field.name}`;
        if (field.repeated || field.map) rows.push({ field: name, kind: 'items', max: field.items });
        if (field.scalar === 'string' || field.scalar === 'bytes') rows.push({ field: name, kind: field.scalar, max: field.max });
        if (field.scalar === 'double') rows.push({ field: name, kind: 'finite' });
        if (field.scalar === 'long') rows.push({ field: name, kind: 'exact-integer' });
      }
    }
    return rows;
  }

  private plan(methodPath: string) {
    const plan = this.plans.get(methodPath);
    if (!plan) throw new FederationError(status.UNIMPLEMENTED, `${methodPath} is not a method of cohort.v1.Federation`);
    return plan;
  }

  private compile(type: protobuf.Type): TypePlan {
    const known = this.typePlans.get(type.fullName);
    if (known) return known;
    const plan: TypePlan = { name: type.name, fields: [] };
    this.typePlans.set(type.fullName, plan);
    for (const field of type.fieldsArray) {
      field.resolve();
      const name = `${type.name}.${field.name}`;
      const override = this.settings.fields[name];
      if (override) this.used.add(name);
      const resolved = field.resolvedType;
      const scalar: Scalar =
        field.type === 'string'
          ? 'string'
          : field.type === 'bytes'
            ? 'bytes'
            : field.type === 'double' || field.type === 'float'
              ? 'double'
              : LONG_TYPES.has(field.type)
                ? 'long'
                : 'other';
      plan.fields.push({
        key: protobuf.util.camelCase(field.name),
        name: field.name,
        repeated: field.repeated,
        map: field.map,
        scalar,
        max: override?.bytes ?? (scalar === 'string' ? this.settings.stringBytes : this.settings.bytes),
        items: override?.items ?? this.settings.items,
        message: resolved instanceof protobuf.Type ? this.compile(resolved) : null,
      });
    }
    return plan;
  }

  private checkMessage(plan: TypePlan, message: Record<string, unknown>, path: string, depth: number): void {
    if (depth > this.settings.depth) throw new FederationError(status.INVALID_ARGUMENT, `${path}: messages nested deeper than ${this.settings.depth}`);
    for (const field of plan.fields) {
      const value = message[field.key];
      if (value === undefined || value === null) continue;
      const at = `${path}.${field.name}`;
      if (field.repeated) {
        if (!Array.isArray(value)) throw invalid(`${at}: not a list`);
        if (value.length > field.items) throw tooLarge(`${at}: ${value.length} items, at most ${field.items}`);
        for (let i = 0; i < value.length; i++) this.checkValue(field, value[i], `${at}[${i}]`, depth);
      } else if (field.map) {
        if (typeof value !== 'object') throw invalid(`${at}: not a map`);
        const entries = Object.entries(value as Record<string, unknown>);
        if (entries.length > field.items) throw tooLarge(`${at}: ${entries.length} entries, at most ${field.items}`);
        for (const [key, item] of entries) this.checkValue(field, item, `${at}[${JSON.stringify(key.slice(0, 32))}]`, depth);
      } else {
        this.checkValue(field, value, at, depth);
      }
    }
  }

  private checkValue(field: FieldPlan, value: unknown, at: string, depth: number): void {
    if (value === undefined || value === null) return;
    if (field.message) {
      if (typeof value !== 'object') throw invalid(`${at}: not a message`);
      this.checkMessage(field.message, value as Record<string, unknown>, at, depth + 1);
      return;
    }
    switch (field.scalar) {
      case 'string': {
        if (typeof value !== 'string') throw invalid(`${at}: not a string`);
        // A string's UTF-8 form has at least as many bytes as it has UTF-16 units, at most three times as many.
        if (value.length > field.max) throw tooLarge(`${at}: ${Buffer.byteLength(value)} bytes, at most ${field.max}`);
        if (value.length * 3 > field.max) {
          const bytes = Buffer.byteLength(value);
          if (bytes > field.max) throw tooLarge(`${at}: ${bytes} bytes, at most ${field.max}`);
        }
        return;
      }
      case 'bytes': {
        const length = value instanceof Uint8Array ? value.length : typeof value === 'string' ? Buffer.byteLength(value, 'base64') : -1;
        if (length < 0) throw invalid(`${at}: not bytes`);
        if (length > field.max) throw tooLarge(`${at}: ${length} bytes, at most ${field.max}`);
        return;
      }
      case 'double':
        if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${at}: ${String(value)}, must be a finite number`);
        return;
      case 'long': {
        const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : typeof value === 'bigint' ? Number(value) : NaN;
        if (!(Math.abs(number) <= MAX_EXACT)) throw invalid(`${at}: ${String(value)}, beyond 2^53 - 1, the largest integer the coordinator holds exactly`);
        return;
      }
      default:
        return;
    }
  }
}

const invalid = (message: string) => new FederationError(status.INVALID_ARGUMENT, message);
const tooLarge = (message: string) => new FederationError(status.RESOURCE_EXHAUSTED, message);

/**
 * Makes the Federation request deserializers of a package definition (loaded by proto-loader, before
 * grpc-js serves it) answer an {@link UndecodableRequest} naming the field where decoding failed,
 * rather than throw: grpc-js would end the call with INTERNAL. The authentication interceptor's
 * limits check refuses it as INVALID_ARGUMENT before any handler sees it.
 */
export function tolerateUndecodableRequests(definition: PackageDefinition): PackageDefinition {
  const root = loadFederationRoot();
  const service = definition['cohort.v1.Federation'] as Record<string, { path: string; requestDeserialize: (bytes: Buffer) => unknown }> | undefined;
  if (!service) throw new Error('the package definition has no cohort.v1.Federation service');
  for (const method of Object.values(service)) {
    const name = method.path.slice(method.path.lastIndexOf('/') + 1);
    const reflected = federationService(root).methods[name]!;
    reflected.resolve();
    const type = reflected.resolvedRequestType!;
    const decode = method.requestDeserialize;
    method.requestDeserialize = (bytes: Buffer) => {
      try {
        return decode(bytes);
      } catch (error) {
        return diagnoseUndecodable(type, bytes, error);
      }
    };
  }
  return definition;
}

/**
 * Where protobufjs failed on `bytes`: replays its decoder's reads field by field (the same reader
 * call per field type, nested messages length-delimited, packed repeated numbers) to name the field.
 */
export function diagnoseUndecodable(type: protobuf.Type, bytes: Uint8Array, error: unknown): UndecodableRequest {
  const reason = error instanceof Error ? error.message : String(error);
  try {
    const found = walk(type, protobuf.Reader.create(bytes), bytes.length, type.name, 0);
    if (found) return found;
  } catch {
    // The walk itself failed somewhere it does not track: fall back to the decoder's own words.
  }
  return new UndecodableRequest(type.name, reason);
}

const PACKABLE = new Set(['double', 'float', 'int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64', 'bool']);

function walk(type: protobuf.Type, reader: protobuf.Reader, end: number, path: string, depth: number): UndecodableRequest | null {
  if (depth > protobuf.Reader.recursionLimit) return new UndecodableRequest(path, 'nested too deep');
  const seen = new Map<number, number>();
  while (reader.pos < end) {
    const at = reader.pos;
    let tag: number;
    try {
      tag = reader.uint32();
    } catch (error) {
      return new UndecodableRequest(path, `field key at byte ${at} cut short (${(error as Error).message})`);
    }
    const id = tag >>> 3;
    const wire = tag & 7;
    const field = type.fieldsById[id];
    if (!field) {
      try {
        reader.skipType(wire);
      } catch (error) {
        return new UndecodableRequest(path, `unknown field ${id} with wire type ${wire} at byte ${at}: ${(error as Error).message}`);
      }
      continue;
    }
    const index = seen.get(id) ?? 0;
    seen.set(id, index + 1);
    // One value of a repeated field is named by its position; a packed run of numbers by the field.
    const packedRun = wire === 2 && (PACKABLE.has(field.type) || field.resolvedType instanceof protobuf.Enum);
    const fieldPath = field.repeated && !packedRun ? `${path}.${field.name}[${index}]` : `${path}.${field.name}`;
    try {
      field.resolve();
      const nested = field.resolvedType;
      if (nested instanceof protobuf.Type) {
        const length = reader.uint32();
        const nestedEnd = reader.pos + length;
        if (nestedEnd > end) return new UndecodableRequest(fieldPath, `declares ${length} bytes at byte ${at}, ${end - reader.pos} remain`);
        const found = walk(nested, reader, nestedEnd, fieldPath, depth + 1);
        if (found) return found;
        reader.pos = nestedEnd;
        continue;
      }
      const method = nested instanceof protobuf.Enum ? 'int32' : field.type;
      const read = (): void => {
        (reader as unknown as Record<string, () => unknown>)[method]!.call(reader);
      };
      if (field.repeated && wire === 2 && PACKABLE.has(method)) {
        const packedEnd = reader.uint32() + reader.pos;
        if (packedEnd > end) return new UndecodableRequest(fieldPath, `packed values declared past the end of the message (byte ${at})`);
        while (reader.pos < packedEnd) read();
      } else {
        read();
      }
      if (reader.pos > end) return new UndecodableRequest(fieldPath, `runs past the end of its message (byte ${at})`);
    } catch (error) {
      return new UndecodableRequest(fieldPath, `wire type ${wire} at byte ${at}: ${(error as Error).message}`);
    }
  }
  return null;
}
