/**
 * The Cohort console: operators run the consortium and its studies, auditors check privacy budgets.
 * Every page reads the coordinator's HTTP API with the session's token; the server decides what a
 * role may do, and the console shows a role only the controls it may use.
 */
import { render } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { createApi, type Api } from './api.js';
import { href, useRoute, type Route } from './router.js';
import { clearSession, loadSession, saveSession, type Session } from './session.js';
import { ConsortiumPage } from './pages/consortium.js';
import { LoginPage } from './pages/login.js';
import { NewStudyPage } from './pages/new-study.js';
import { PrivacyPage } from './pages/privacy.js';
import { StudiesPage } from './pages/studies.js';
import { StudyPage } from './pages/study.js';

function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [expired, setExpired] = useState(false);
  const route = useRoute();
  const signOut = (why: 'signed-out' | 'expired') => {
    clearSession();
    setExpired(why === 'expired');
    setSession(null);
  };
  const api = useMemo(() => session && createApi(session.token, () => signOut('expired')), [session]);
  if (!session || !api) {
    return (
      <LoginPage
        expired={expired}
        onSignedIn={(s) => {
          saveSession(s);
          setSession(s);
        }}
      />
    );
  }
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="container top">
        <nav aria-label="Console">
          <ul>
            <li>
              <strong class="brand">Cohort</strong>
            </li>
          </ul>
          <ul>
            <NavLink route={{ page: 'studies' }} current={route} label="Studies" />
            <NavLink route={{ page: 'consortium' }} current={route} label="Consortium" />
            <NavLink route={{ page: 'privacy' }} current={route} label="Privacy" />
            <li>
              <span class="role" data-testid="role">
                {session.role}
              </span>
            </li>
            <li>
              <button type="button" class="secondary outline" onClick={() => signOut('signed-out')}>
                Sign out
              </button>
            </li>
          </ul>
        </nav>
      </header>
      <main id="main" class="container" tabIndex={-1}>
        <Page route={route} api={api} canWrite={session.role === 'operator'} />
      </main>
    </>
  );
}

function NavLink({ route, current, label }: { route: Route; current: Route; label: string }) {
  const active = current.page === route.page || (route.page === 'studies' && (current.page === 'study' || current.page === 'new-study'));
  return (
    <li>
      <a href={href(route)} aria-current={active ? 'page' : undefined}>
        {label}
      </a>
    </li>
  );
}

function Page({ route, api, canWrite }: { route: Route; api: Api; canWrite: boolean }) {
  switch (route.page) {
    case 'consortium':
      return <ConsortiumPage api={api} canWrite={canWrite} />;
    case 'studies':
      return <StudiesPage api={api} canWrite={canWrite} />;
    case 'study':
      return <StudyPage api={api} canWrite={canWrite} id={route.id} />;
    case 'new-study':
      return canWrite ? (
        <NewStudyPage api={api} />
      ) : (
        <>
          <h1>New study</h1>
          <p>Only the operator defines studies.</p>
        </>
      );
    case 'privacy':
      return <PrivacyPage api={api} />;
    case 'not-found':
      return (
        <>
          <h1>Not found</h1>
          <p>
            Nothing is at {route.path}. <a href="#/studies">See the studies</a>.
          </p>
        </>
      );
  }
}

const root = document.getElementById('app')!;
root.replaceChildren(); // the loading line index.html shows until the bundle runs
render(<App />, root);
