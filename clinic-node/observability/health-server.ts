/**
 * The node's small HTTP port for orchestrators and Prometheus (`cohort node --health-port`):
 * `/health` (the process answers), `/ready` (connected to the coordinator: 200, else 503) and
 * `/metrics` (Prometheus text, a registry of its own). Loopback by default: it says which studies the
 * clinic trains and its privacy budget, nothing anyone else needs.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { NodeStatus } from './node-status.js';

export interface HealthServer {
  /** `http://host:port` */
  url: string;
  registry: Registry;
  close(): Promise<void>;
}

export async function startHealthServer(status: NodeStatus, options: { host?: string; port: number }): Promise<HealthServer> {
  const registry = nodeRegistry(status);
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    const answer = (code: number, body: string, type = 'application/json') => {
      response.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return answer(405, JSON.stringify({ message: 'only GET' }));
    if (path === '/health') return answer(200, JSON.stringify({ status: 'ok' }));
    if (path === '/ready') {
      const body = {
        status: status.connected ? 'ready' : 'not ready',
        connected: status.connected,
        coordinator: status.coordinator,
        lastTask: status.lastTask,
      };
      return answer(status.connected ? 200 : 503, JSON.stringify(body));
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => answer(200, text, registry.contentType),
        (error: unknown) => answer(500, JSON.stringify({ message: (error as Error).message })),
      );
      return;
    }
    answer(404, JSON.stringify({ message: `no ${path} here: /health, /ready, /metrics` }));
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await listen(server, options.port, options.host ?? '127.0.0.1');
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    registry,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(`the node's health port cannot listen on ${host}:${port}: ${error.code ?? error.message} (--health-port, --health-host)`)),
    );
    server.listen(port, host, () => resolve());
  });
}

/** Every node metric; docs/operations.md lists them. */
function nodeRegistry(status: NodeStatus): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'cohort_node_' });
  // Each series carries the clinic's id; a value the node does not have (no budget, no task yet) is left out, not shown as 0.
  const gauge = (name: string, help: string, value: () => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['clinic'],
      registers: [registry],
      collect() {
        this.reset();
        const v = value();
        if (v !== null) this.set({ clinic: status.clinicId }, v);
      },
    });
  gauge('cohort_node_connected', '1 while the node is registered with its coordinator, else 0', () => (status.connected ? 1 : 0));
  gauge('cohort_node_rounds_trained', 'rounds this node trained and sent since it started', () => status.trainedRounds);
  gauge('cohort_node_rounds_refused', 'rounds this node refused (privacy budget or policy) since it started', () => status.refusedRounds);
  gauge('cohort_node_evaluations', 'evaluations this node reported since it started', () => status.evaluations);
  gauge('cohort_node_training_seconds_sum', 'seconds spent in training tasks since the node started', () => status.trainingSeconds);
  gauge('cohort_node_training_seconds_count', 'training tasks finished since the node started', () => status.trainingTasks);
  gauge('cohort_node_last_task_timestamp_seconds', 'when the node took its last task (Unix time), absent before the first', () =>
    status.lastTask ? status.lastTask.startedAt / 1000 : null,
  );
  new Gauge({
    name: 'cohort_node_last_task_info',
    help: 'the last task: kind, study and round as labels (value 1)',
    labelNames: ['clinic', 'kind', 'study', 'round'],
    registers: [registry],
    collect() {
      this.reset();
      const task = status.lastTask;
      if (task) this.set({ clinic: status.clinicId, kind: task.kind, study: task.studyId, round: String(task.round) }, 1);
    },
  });
  gauge('cohort_node_epsilon_spent', "the clinic's total epsilon over every study, from its privacy ledger (absent without a budget)", () =>
    status.epsilonSpent(),
  );
  gauge('cohort_node_epsilon_left', "epsilon left under the clinic's cap (absent without a budget)", () => status.epsilonLeft());
  gauge('cohort_node_epsilon_cap', "the clinic's privacy cap epsilon (absent without a budget)", () => status.budget?.epsilon ?? null);
  return registry;
}
