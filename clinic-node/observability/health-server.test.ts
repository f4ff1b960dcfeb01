import { afterEach, describe, expect, it } from '@jest/globals';
import { emptySummary } from '../agent/node-summary.js';
import { startHealthServer, type HealthServer } from './health-server.js';
import { NodeStatus } from './node-status.js';

// The node's health port on loopback: what /ready and /metrics say as the node's status changes.
let server: HealthServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('the node health port', () => {
  it('listens on loopback by default; /health is 200, /ready follows the connection', async () => {
    const status = new NodeStatus();
    server = await startHealthServer(status, { port: 0 });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const notReady = await fetch(`${server.url}/ready`);
    expect({ status: notReady.status, body: await notReady.json() }).toMatchObject({ status: 503, body: { status: 'not ready', connected: false } });
    status.connected = true;
    status.coordinator = 'coordinator.example:50051';
    const ready = await fetch(`${server.url}/ready`);
    expect({ status: ready.status, body: await ready.json() }).toMatchObject({
      status: 200,
      body: { status: 'ready', coordinator: 'coordinator.example:50051' },
    });
    expect((await fetch(`${server.url}/nothing`)).status).toBe(404);
    expect((await fetch(`${server.url}/health`, { method: 'POST' })).status).toBe(405);
  });

  it('/metrics: connected, rounds, training time, the last task and the budget left', async () => {
    const status = new NodeStatus();
    const summary = emptySummary('cleveland', null, []);
    let spent = 0.25;
    status.attach(summary, () => ({ epsilon: spent, delta: 1e-5 }));
    status.budget = { epsilon: 1, delta: 1e-5 };
    server = await startHealthServer(status, { port: 0 });
    const scrape = async () => (await fetch(`${server!.url}/metrics`)).text();

    let text = await scrape();
    expect(sample(text, 'cohort_node_connected{clinic="cleveland"}')).toBe(0);
    expect(sample(text, 'cohort_node_last_task_timestamp_seconds{clinic="cleveland"}')).toBeUndefined();
    expect(sample(text, 'cohort_node_epsilon_left{clinic="cleveland"}')).toBe(0.75);

    status.connected = true;
    status.taskStarted('TASK_KIND_TRAIN', 'study-1', 3, 1_000_000);
    status.taskFinished(1_002_500);
    summary.trainedRounds = 1;
    spent = 0.5;
    text = await scrape();
    expect(sample(text, 'cohort_node_connected{clinic="cleveland"}')).toBe(1);
    expect(sample(text, 'cohort_node_rounds_trained{clinic="cleveland"}')).toBe(1);
    expect(sample(text, 'cohort_node_training_seconds_sum{clinic="cleveland"}')).toBe(2.5);
    expect(sample(text, 'cohort_node_training_seconds_count{clinic="cleveland"}')).toBe(1);
    expect(sample(text, 'cohort_node_last_task_timestamp_seconds{clinic="cleveland"}')).toBe(1000);
    expect(sample(text, 'cohort_node_last_task_info{clinic="cleveland",kind="TASK_KIND_TRAIN",study="study-1",round="3"}')).toBe(1);
    expect(sample(text, 'cohort_node_epsilon_spent{clinic="cleveland"}')).toBe(0.5);
    expect(sample(text, 'cohort_node_epsilon_left{clinic="cleveland"}')).toBe(0.5);
    expect(sample(text, 'cohort_node_epsilon_cap{clinic="cleveland"}')).toBe(1);
    expect(text).toContain('cohort_node_process_resident_memory_bytes');
  });

  it('says which flag to change when the port is taken', async () => {
    server = await startHealthServer(new NodeStatus(), { port: 0 });
    const port = Number(new URL(server.url).port);
    await expect(startHealthServer(new NodeStatus(), { port })).rejects.toThrow(
      `the node's health port cannot listen on 127.0.0.1:${port}: EADDRINUSE (--health-port, --health-host)`,
    );
  });
});
