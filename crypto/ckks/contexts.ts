import { CkksContext } from './context.js';

/**
 * CKKS contexts by parameter set, each built once (building one costs SEAL's prime and NTT tables)
 * and shared by everything that works under that set; `delete` frees them all. A build that fails
 * is forgotten, so the next request tries again.
 */
export class CkksContexts {
  private readonly contexts = new Map<string, Promise<CkksContext>>();

  get(parameterSet: string): Promise<CkksContext> {
    let context = this.contexts.get(parameterSet);
    if (!context) {
      context = CkksContext.create(parameterSet);
      this.contexts.set(parameterSet, context);
      context.catch(() => this.contexts.delete(parameterSet));
    }
    return context;
  }

  async delete(): Promise<void> {
    const pending = [...this.contexts.values()];
    this.contexts.clear();
    for (const context of pending) (await context.catch(() => null))?.delete();
  }
}
