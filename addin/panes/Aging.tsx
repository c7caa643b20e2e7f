import { Button, Field, Select, Text } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import type { ExcelHost } from '../excel/workbook';
import type { CreditDeskClient } from '../sync/api';
import { loadSyncState } from '../sync/state';
import { pullAging, refreshAging, type AgingDefinitionJson, type AgingView, type PoolJson } from './aging.logic';
import { TaskStatus } from './common';
import { useTask } from './task';

/** Aging: pick a definition, a pool and a currency view, pull the `Aging` table, refresh changes in place. */
export function Aging({ host, client }: { host: ExcelHost; client: CreditDeskClient }) {
  const task = useTask();
  const [definitions, setDefinitions] = useState<AgingDefinitionJson[]>([]);
  const [pools, setPools] = useState<PoolJson[]>([]);
  const [definitionId, setDefinitionId] = useState('');
  const [poolId, setPoolId] = useState('');
  const [view, setView] = useState<AgingView>('accounting');
  useEffect(() => {
    void task.run(async () => {
      const [d, p] = await Promise.all([
        client.all<AgingDefinitionJson>('/api/v1/aging-definitions'),
        client.all<PoolJson>('/api/v1/pools'),
      ]);
      setDefinitions(d);
      setPools(p);
      setDefinitionId((x) => x || d[0]?.id || '');
      return null;
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client]);
  const def = definitions.find((d) => d.id === definitionId);
  return (
    <section className="pane" aria-label="Aging">
      <Text as="p">
        Pull customer aging into the <b>Aging</b> sheet; Refresh brings only what changed since the last pull.
      </Text>
      <Field label="Aging definition">
        <Select value={definitionId} onChange={(_, d) => setDefinitionId(d.value)}>
          {definitions.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </Select>
      </Field>
      <Field label="Pool">
        <Select value={poolId} onChange={(_, d) => setPoolId(d.value)}>
          <option value="">All customers</option>
          {pools.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name ?? p.id}
            </option>
          ))}
        </Select>
      </Field>
      <Field label="Amounts in" hint="Each row names its currency in the Currency column.">
        <Select value={view} onChange={(_, d) => setView(d.value as AgingView)}>
          <option value="accounting">Accounting currency (company view)</option>
          <option value="customer">Each customer&apos;s currency</option>
        </Select>
      </Field>
      <div className="buttons">
        <Button
          appearance="primary"
          disabled={task.busy || !def}
          onClick={() =>
            task.run(async () => ({
              intent: 'success',
              text: `${await pullAging(host, client, await loadSyncState(host, client.session.serverUrl), def!, poolId || null, task.onProgress, view)} customers pulled`,
            }))
          }
        >
          Pull aging
        </Button>
        <Button
          disabled={task.busy || !def}
          onClick={() =>
            task.run(async () => {
              const r = await refreshAging(
                host,
                client,
                await loadSyncState(host, client.session.serverUrl),
                def!,
                view,
              );
              return { intent: 'success', text: `${r.updated} updated, ${r.added} new` };
            })
          }
        >
          Refresh
        </Button>
      </div>
      <TaskStatus task={task} testId="aging-status" />
    </section>
  );
}
