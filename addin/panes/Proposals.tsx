import { Button, Field, Input, Text } from '@fluentui/react-components';
import { useEffect, useRef, useState } from 'react';
import { ensureTable, type ExcelHost } from '../excel/workbook';
import { moneyCell } from '../excel/cells';
import { ApiError, type CreditDeskClient } from '../sync/api';
import { loadPreviewContext } from '../sync/credit-context';
import { loadSyncState } from '../sync/state';
import {
  PROPOSALS,
  limitCurrency,
  markNotSent,
  previewCells,
  previewProposals,
  readProposals,
  resultKey,
  sendProposals,
  todayForPreview,
  writeResults,
} from './proposals.logic';
import { TaskStatus } from './common';
import { useTask } from './task';

/** Proposals: a sheet of new limits, previewed locally with the shared domain code, sent as a journal. */
export function Proposals({ host, client }: { host: ExcelHost; client: CreditDeskClient }) {
  const task = useTask();
  const [description, setDescription] = useState('Limit review from Excel');
  // The currency of customer limits, read once when the pane opens (so Preview stays one bulk read).
  const currency = useRef<Promise<string | null> | null>(null);
  const readCurrency = () => limitCurrency(client).catch(() => null);
  useEffect(() => {
    currency.current = readCurrency();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client]);
  const context = async (ids: string[]) => loadPreviewContext(client, ids, todayForPreview(), task.onProgress);
  const preview = async () => {
    const { parsed } = await readProposals(host);
    const ctx = await context(parsed.map((p) => p.customerId).filter(Boolean));
    // Asked again only when the first read failed (the server was down when the pane opened).
    let limitsIn = await (currency.current ??= readCurrency());
    if (limitsIn === null) limitsIn = await (currency.current = readCurrency());
    const started = performance.now();
    const results = previewProposals(parsed, ctx);
    const ms = performance.now() - started;
    const cells = new Map(parsed.map((p, i) => [resultKey(p.customerId, p.type), previewCells(results[i]!)]));
    const details = new Map(
      parsed.flatMap((p, i) =>
        results[i]!.currentLimit === null
          ? []
          : [
              [
                p.customerId,
                {
                  Name: results[i]!.name,
                  Currency: limitsIn ?? '',
                  'Current limit': moneyCell(results[i]!.currentLimit),
                },
              ] as const,
            ],
      ),
    );
    await writeResults(host, cells, new Map(), details, task.onProgress);
    const bad = results.filter((r) => r.errors.length).length;
    return {
      intent: bad ? 'warning' : 'success',
      text: `${parsed.length} rows previewed in ${ms.toFixed(0)} ms; ${bad} with errors`,
    } as const;
  };
  const send = async () => {
    const { parsed } = await readProposals(host);
    let ctx;
    try {
      ctx = await context(parsed.map((p) => p.customerId).filter(Boolean));
    } catch (e) {
      if (!(e instanceof ApiError && e.offline)) throw e;
      await markNotSent(host, parsed, 'server unreachable: Send again later');
      return {
        intent: 'warning',
        text: 'The server could not be reached: rows are marked "not sent"; Send again later.',
      } as const;
    }
    const r = await sendProposals(
      host,
      client,
      await loadSyncState(host, client.session.serverUrl),
      ctx,
      description,
      task.onProgress,
    );
    return { intent: r.failed || r.notSent ? 'warning' : 'success', text: r.message } as const;
  };
  return (
    <section className="pane" aria-label="Proposals">
      <Text as="p">
        Type customers and a new limit (or a % change), optionally an expiry, or temporary from/to dates, in the{' '}
        <b>Proposals</b> sheet. Preview computes the effect here; Send creates the journal.
      </Text>
      <Field label="Journal description">
        <Input value={description} onChange={(_, d) => setDescription(d.value)} />
      </Field>
      <div className="buttons">
        <Button
          disabled={task.busy}
          onClick={() =>
            task.run(async () => {
              const { created } = await ensureTable(host, PROPOSALS);
              return { intent: 'info', text: created ? 'Proposals table created' : 'Proposals table is ready' };
            })
          }
        >
          Open table
        </Button>
        <Button disabled={task.busy} onClick={() => task.run(preview)}>
          Preview
        </Button>
        <Button appearance="primary" disabled={task.busy} onClick={() => task.run(send)}>
          Send
        </Button>
      </div>
      <TaskStatus task={task} testId="proposals-status" />
    </section>
  );
}
