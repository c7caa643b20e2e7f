import { Button, Text } from '@fluentui/react-components';
import type { ExcelHost } from '../excel/workbook';
import type { CreditDeskClient } from '../sync/api';
import { loadSyncState } from '../sync/state';
import { applyDecisions, pullHolds, refreshHolds } from './held-orders.logic';
import { TaskStatus } from './common';
import { useTask } from './task';

/** Held orders: pull the hold list, refresh changes, apply the decisions typed in the sheet. */
export function HeldOrders({ host, client }: { host: ExcelHost; client: CreditDeskClient }) {
  const task = useTask();
  const state = () => loadSyncState(host, client.session.serverUrl);
  return (
    <section className="pane" aria-label="Held orders">
      <Text as="p">
        Pull the held orders into the <b>Held orders</b> sheet, choose Release or Reject in the Decision column with a
        reason code (and a review date for a release), then apply.
      </Text>
      <div className="buttons">
        <Button
          appearance="primary"
          disabled={task.busy}
          onClick={() =>
            task.run(async () => ({
              intent: 'success',
              text: `${await pullHolds(host, client, await state(), task.onProgress)} held orders pulled`,
            }))
          }
        >
          Pull held orders
        </Button>
        <Button
          disabled={task.busy}
          onClick={() =>
            task.run(async () => {
              const r = await refreshHolds(host, client, await state());
              return { intent: 'success', text: `${r.updated} updated, ${r.added} new` };
            })
          }
        >
          Refresh
        </Button>
        <Button
          appearance="primary"
          disabled={task.busy}
          onClick={() =>
            task.run(async () => {
              const r = await applyDecisions(host, client);
              const text = `${r.applied} applied, ${r.conflicts} conflicts, ${r.errors} errors, ${r.notSent} not sent`;
              return { intent: r.notSent || r.errors || r.conflicts ? 'warning' : 'success', text };
            })
          }
        >
          Apply decisions
        </Button>
      </div>
      <TaskStatus task={task} testId="held-orders-status" />
    </section>
  );
}
