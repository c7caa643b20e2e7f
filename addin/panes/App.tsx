import { Button, FluentProvider, Field, Input, Tab, TabList, Text, webLightTheme } from '@fluentui/react-components';
import { useMemo, useState } from 'react';
import type { ExcelHost } from '../excel/workbook';
import { CreditDeskClient, type Session } from '../sync/api';
import { clearSession, loadSession, saveSession } from '../sync/session';
import { Aging } from './Aging';
import { HeldOrders } from './HeldOrders';
import { Proposals } from './Proposals';
import { TaskStatus } from './common';
import { useTask } from './task';

type PaneId = 'held' | 'proposals' | 'aging';

function SignIn({
  onSignedIn,
  defaultUrl,
  notice,
}: {
  onSignedIn: (s: Session, who: string) => void;
  defaultUrl: string;
  /** Why the pane is back here (a session the server no longer accepts). */
  notice: string | null;
}) {
  const [serverUrl, setServerUrl] = useState(defaultUrl);
  const [token, setToken] = useState('');
  const task = useTask();
  return (
    <form
      className="pane"
      aria-label="Sign in"
      onSubmit={(e) => {
        e.preventDefault();
        void task.run(async () => {
          const session = { serverUrl: serverUrl.trim().replace(/\/+$/, ''), token: token.trim() };
          const me = await new CreditDeskClient(session, { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 }).me();
          saveSession(session);
          onSignedIn(session, `${me.name} (${me.role})`);
          return null;
        });
      }}
    >
      <Text as="h2" size={500}>
        Sign in
      </Text>
      {notice && (
        <Text data-testid="sign-in-notice" className="notice">
          {notice}
        </Text>
      )}
      <Field label="Server URL" required>
        <Input value={serverUrl} onChange={(_, d) => setServerUrl(d.value)} />
      </Field>
      <Field label="API token" required hint="Kept in this pane's browser storage, never in the workbook.">
        <Input type="password" value={token} onChange={(_, d) => setToken(d.value)} />
      </Field>
      <Button appearance="primary" type="submit" disabled={task.busy || !token}>
        Sign in
      </Button>
      <TaskStatus task={task} testId="sign-in-status" />
    </form>
  );
}

/** The task pane: sign-in, then the Held orders, Proposals and Aging panes. */
export function App({ host }: { host: ExcelHost }) {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const [who, setWho] = useState('');
  const [pane, setPane] = useState<PaneId>('held');
  const [notice, setNotice] = useState<string | null>(null);
  const client = useMemo(() => {
    if (!session) return null;
    const c = new CreditDeskClient(session);
    // A token revoked or expired on the server: back to sign-in, saying why.
    c.onUnauthorized = () => {
      clearSession();
      setSession(null);
      setNotice('The server no longer accepts this token (revoked or unknown). Sign in again.');
    };
    return c;
  }, [session]);
  return (
    <FluentProvider theme={webLightTheme} className="app">
      <header className="app-header">
        <img src="/addin/assets/icon-32.png" alt="" width={24} height={24} />
        <Text weight="semibold" size={500}>
          CreditDesk
        </Text>
        {session && (
          <Button
            size="small"
            appearance="subtle"
            onClick={() => {
              clearSession();
              setSession(null);
            }}
          >
            Sign out
          </Button>
        )}
      </header>
      {!session || !client ? (
        <SignIn
          defaultUrl={location.origin}
          notice={notice}
          onSignedIn={(s, w) => {
            setNotice(null);
            setSession(s);
            setWho(w);
          }}
        />
      ) : (
        <>
          <Text size={200} className="who">
            {who || session.serverUrl}
          </Text>
          <TabList selectedValue={pane} onTabSelect={(_, d) => setPane(d.value as PaneId)}>
            <Tab value="held">Held orders</Tab>
            <Tab value="proposals">Proposals</Tab>
            <Tab value="aging">Aging</Tab>
          </TabList>
          {/* Every pane stays mounted, the others hidden: switching tabs keeps each one's choices
              and its running task (a Pull is not started twice, Aging keeps its definition). */}
          <div hidden={pane !== 'held'}>
            <HeldOrders host={host} client={client} />
          </div>
          <div hidden={pane !== 'proposals'}>
            <Proposals host={host} client={client} />
          </div>
          <div hidden={pane !== 'aging'}>
            <Aging host={host} client={client} />
          </div>
        </>
      )}
    </FluentProvider>
  );
}
