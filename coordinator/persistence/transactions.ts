import type { DataSource, EntityManager } from 'typeorm';

const queues = new WeakMap<DataSource, Promise<unknown>>();

/**
 * Runs `work` in a transaction after every earlier transaction of the same data source. TypeORM's
 * SQLite driver has a single connection, so two transactions started at once (say a round closing in
 * one study while a key ceremony lands in another) would fail with "cannot start a transaction within
 * a transaction". PostgreSQL has a pool of connections, but the queue stays: every guarantee the
coordinator gives (an audit log in commit order, a round closed once) was built on its transactions
running one at a time, as they do on SQLite. A failed transaction does not block the ones after it.
 */
export function inTransaction<T>(db: DataSource, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  const previous = queues.get(db) ?? Promise.resolve();
  const next = previous.then(
    () => db.transaction(work),
    () => db.transaction(work),
  );
  queues.set(
    db,
    next.catch(() => undefined),
  );
  return next;
}
