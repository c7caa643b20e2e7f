import { createRoot } from 'react-dom/client';
import { App } from '../panes/App';
import { replaceRows } from '../excel/workbook';
import { agingCells, agingSpec } from '../panes/aging.logic';
import { PROPOSALS, parseProposal, previewProposals, readProposals } from '../panes/proposals.logic';
import { addContextJson, emptyContext, loadPreviewContext } from '../sync/credit-context';
import { CreditDeskClient } from '../sync/api';
import { creditContextFixture } from './credit-context-fixture';
import { measureAgingWrite, measureContextLoad, measurePreview } from './measure';
import { DEFAULT_CREDIT_PARAMETERS } from '../../shared/credit/types';
import { renderGrid, SimulatedWorkbook } from './simulated-excel';
import '../pane.css';
import './workbook.css';

/** The test page: a simulated workbook (window.workbook, for assertions) and the pane beside it. */
const workbook = new SimulatedWorkbook();
Object.assign(window, {
  workbook,
  // For the in-browser measurements (test/addin, bench/addin.ts): the pane's own code paths, called directly.
  creditdesk: {
    replaceRows,
    agingSpec,
    agingCells,
    PROPOSALS,
    parseProposal,
    readProposals,
    previewProposals,
    addContextJson,
    emptyContext,
    loadPreviewContext,
    creditContextFixture,
    CreditDeskClient,
    SimulatedWorkbook,
    DEFAULT_CREDIT_PARAMETERS,
    measureAgingWrite,
    measurePreview,
    measureContextLoad,
  },
});
renderGrid(workbook, document.getElementById('workbook')!);
createRoot(document.getElementById('root')!).render(<App host={workbook} />);
