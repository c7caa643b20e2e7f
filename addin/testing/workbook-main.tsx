import { createRoot } from 'react-dom/client';
import { App } from '../panes/App';
import { replaceRows } from '../excel/workbook';
import { agingCells, agingSpec } from '../panes/aging.logic';
import { parseProposal, previewProposals } from '../panes/proposals.logic';
import { inputFromSummary } from '../sync/credit-context';
import { DEFAULT_CREDIT_PARAMETERS } from '../../shared/credit/types';
import { renderGrid, SimulatedWorkbook } from './simulated-excel';
import '../pane.css';
import './workbook.css';

/** The test page: a simulated workbook (window.workbook, for assertions) and the pane beside it. */
const workbook = new SimulatedWorkbook();
Object.assign(window, {
  workbook,
  // For the in-browser measurements (test/addin): the pane's own code paths, called directly.
  creditdesk: { replaceRows, agingSpec, agingCells, parseProposal, previewProposals, inputFromSummary, DEFAULT_CREDIT_PARAMETERS },
});
renderGrid(workbook, document.getElementById('workbook')!);
createRoot(document.getElementById('root')!).render(<App host={workbook} />);
