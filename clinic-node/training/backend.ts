import * as tf from '@tensorflow/tfjs';

export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

// A variable specifier: tfjs-node is optional and absent where its libtensorflow download cannot run.
const TFJS_NODE = '@tensorflow/tfjs-node';

/**
 * Picks the fastest TensorFlow.js backend present: native TensorFlow (tfjs-node) when installed,
 * else WebAssembly, else the pure-JS CPU backend. Returns the backend's name.
 */
export function selectBackend(preference: BackendPreference = 'auto'): Promise<string> {
  // One switch at a time: tensors made on one backend are unreadable from another.
  selection = (selection ?? Promise.resolve('')).then(() => switchBackend(preference));
  return selection;
}

let selection: Promise<string> | undefined;

async function switchBackend(preference: BackendPreference): Promise<string> {
  // engine().backendName does not initialise a backend, unlike getBackend(), which would start the CPU one.
  const current = tf.engine().backendName;
  if (preference === 'auto' && (current === 'tensorflow' || current === 'wasm')) return current;
  const order: BackendPreference[] = preference === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [preference];
  for (const name of order) {
    if (tf.engine().backendName === name) return name;
    try {
      if (name === 'tensorflow') await import(TFJS_NODE);
      if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch (error) {
      if (preference !== 'auto') {
        throw new Error(`TensorFlow.js backend "${name}" is not available: ${(error as Error).message}`, { cause: error });
      }
    }
  }
  throw new Error('no TensorFlow.js backend could be initialised');
}
