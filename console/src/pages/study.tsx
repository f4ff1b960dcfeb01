import { useMemo, useRef, useState } from 'preact/hooks';
import type { StudyView } from '../../../coordinator/studies/studies.service.js';
import { studyDataset } from '../../../common/datasets.js';
import type { Api } from '../api.js';
import { LineChart } from '../components/line-chart.js';
import { ErrorBox, Loading, StudyStatus } from '../components/status.js';
import { useLoad } from '../use-load.js';
import { LiveFeed } from './study/live-feed.js';
import { siteSeries, subgroupSeries, taskMetric } from './study/metrics.js';
import { ModelDownloads } from './study/models.js';
import { RoundTable, StudySettings } from './study/rounds.js';

/** Refresh the study's tables and charts at most this often while events arrive (the feed itself shows each at once). */
const REFRESH_MS = 2000;

/** One study: its settings, live activity, metric curves, rounds, model downloads; operators pause, resume, cancel. */
export function StudyPage({ api, id, canWrite }: { api: Api; id: string; canWrite: boolean }) {
  const study = useLoad(() => api.get<StudyView>(`/studies/${encodeURIComponent(id)}`), [api, id]);
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  const refreshSoon = () => {
    if (pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = null;
      study.reload();
    }, REFRESH_MS);
  };
  if (study.error && !study.data) return <ErrorBox error={study.error} title={`Could not load study ${id}`} />;
  if (!study.data) return <Loading what={`study ${id}`} />;
  const view = study.data;
  return (
    <>
      <div class="page-head">
        <div>
          <h1>{view.name}</h1>
          <p>
            <StudyStatus status={view.status} /> <small>{view.id}</small>
            {view.error && <span class="error-text"> {view.error}</span>}
          </p>
        </div>
        {canWrite && <StudyActions api={api} study={view} onChanged={study.reload} />}
      </div>
      <div class="study-grid">
        <LiveFeed token={api.token} studyId={view.id} onEvent={refreshSoon} />
        <section aria-labelledby="settings-title">
          <h2 id="settings-title">Settings</h2>
          <StudySettings study={view} />
        </section>
      </div>
      <StudyCharts study={view} />
      <section aria-labelledby="rounds-title">
        <h2 id="rounds-title">Rounds</h2>
        <RoundTable study={view} metric={taskMetric(studyDataset(view).task)} />
      </section>
      <ModelDownloads api={api} study={view} />
    </>
  );
}

function StudyCharts({ study }: { study: StudyView }) {
  const task = studyDataset(study).task;
  const metric = taskMetric(task);
  const sites = useMemo(() => siteSeries(study.roundHistory, metric), [study]);
  const subgroups = useMemo(() => subgroupSeries(study.roundHistory, task), [study]);
  return (
    <section aria-labelledby="metrics-title">
      <h2 id="metrics-title">Metrics</h2>
      {sites.length === 0 ? (
        <p>No evaluation yet: each clinic scores a round's model on its own test records once the round closes.</p>
      ) : (
        <LineChart
          title={`${metric.label} by site`}
          xLabel="Round"
          yLabel={metric.label}
          series={sites}
          yMin={metric.range?.[0]}
          yMax={metric.range?.[1]}
          testId="metric-chart"
        />
      )}
      {subgroups.length > 0 && (
        <LineChart
          title={`${task === 'survival' ? 'C-index' : 'Accuracy'} by subgroup`}
          xLabel="Round"
          yLabel={metric.label}
          series={subgroups}
          yMin={0}
          yMax={1}
          testId="subgroup-chart"
        />
      )}
    </section>
  );
}

const ACTIONS = {
  pause: { label: 'Pause', when: ['waiting', 'running'], help: 'An open round runs to its close; no round opens until resumed.' },
  resume: { label: 'Resume', when: ['paused'], help: '' },
  cancel: { label: 'Cancel study…', when: ['waiting', 'running', 'paused'], help: '' },
} as const;

function StudyActions({ api, study, onChanged }: { api: Api; study: StudyView; onChanged: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const act = async (action: keyof typeof ACTIONS) => {
    setError(null);
    try {
      await api.post(`/studies/${encodeURIComponent(study.id)}/${action}`);
      setConfirming(false);
      onChanged();
    } catch (failure) {
      setError(failure);
    }
  };
  const shown = (Object.keys(ACTIONS) as (keyof typeof ACTIONS)[]).filter((action) => (ACTIONS[action].when as readonly string[]).includes(study.status));
  return (
    <div class="study-actions" role="group" aria-label="Study actions">
      {shown.map((action) =>
        action === 'cancel' ? (
          !confirming && (
            <button key={action} type="button" class="secondary outline" onClick={() => setConfirming(true)}>
              {ACTIONS[action].label}
            </button>
          )
        ) : (
          <button key={action} type="button" class="secondary" onClick={() => act(action)} title={ACTIONS[action].help || undefined}>
            {ACTIONS[action].label}
          </button>
        ),
      )}
      {confirming && (
        <span class="confirm">
          Cancel for good? An open round ends without a model version.{' '}
          <button type="button" class="danger" onClick={() => act('cancel')}>
            Cancel the study
          </button>{' '}
          <button type="button" class="secondary outline" onClick={() => setConfirming(false)}>
            Keep it
          </button>
        </span>
      )}
      <ErrorBox error={error} />
    </div>
  );
}
