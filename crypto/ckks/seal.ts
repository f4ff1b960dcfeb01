import SEAL from 'node-seal';
import type { MainModule } from 'node-seal';

export type Seal = MainModule;

let loading: Promise<Seal> | undefined;

/**
 * The SEAL WebAssembly module, loaded once per process (or worker). SEAL is single-threaded and its
 * objects live on the WASM heap, which grows and never shrinks: everything created from it needs an
 * owner that calls `.delete()` (see {@link SealScope}).
 */
export function loadSeal(): Promise<Seal> {
  loading ??= SEAL();
  return loading;
}

interface Deletable {
  delete(): void;
  isDeleted(): boolean;
}

/**
 * Owns SEAL objects created for one piece of work and frees them all at once, so no code path (early
 * return, thrown error) leaves a ciphertext on the WASM heap.
 *
 * @example
 * const scope = new SealScope();
 * try {
 *   const ct = scope.own(new seal.Ciphertext());
 *   ...
 * } finally {
 *   scope.delete();
 * }
 */
export class SealScope {
  private readonly owned: Deletable[] = [];

  own<T extends Deletable>(object: T): T {
    this.owned.push(object);
    return object;
  }

  /** Frees every owned object, newest first; safe to call twice. */
  delete(): void {
    while (this.owned.length > 0) {
      const object = this.owned.pop()!;
      if (!object.isDeleted()) object.delete();
    }
  }

  [Symbol.dispose](): void {
    this.delete();
  }
}

/** Runs `work` with a fresh scope that is freed whatever happens. */
export function withScope<T>(work: (scope: SealScope) => T): T {
  const scope = new SealScope();
  try {
    return work(scope);
  } finally {
    scope.delete();
  }
}

/**
 * SEAL's C++ exceptions reach JavaScript as `WebAssembly.Exception`; this reads their message (and
 * releases the exception) so callers can report what SEAL objected to.
 */
export function sealErrorMessage(seal: Seal, error: unknown): string {
  const wasmException = (globalThis as { WebAssembly?: { Exception?: abstract new (...args: never[]) => unknown } }).WebAssembly?.Exception;
  if (wasmException && error instanceof wasmException) {
    const module = seal as unknown as {
      getExceptionMessage?: (e: unknown) => [string, string];
      decrementExceptionRefcount?: (e: unknown) => void;
    };
    try {
      const [type, message] = module.getExceptionMessage?.(error) ?? ['', ''];
      return message ? `${type}: ${message}` : 'SEAL raised an exception';
    } finally {
      module.decrementExceptionRefcount?.(error);
    }
  }
  return error instanceof Error ? error.message : String(error);
}

/** node-seal's loaders accept a plain Uint8Array only (not a Buffer or other subclass): a view, no copy. */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
