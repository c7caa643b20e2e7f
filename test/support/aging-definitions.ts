// The aging definitions of the worked examples in collections.md §6, stored oldest → newest (§1.4),
// for the pure tests and the HTTP tests alike.
import { STANDARD_AGING_LINES, type AgingDefinition } from '../../shared/collections/aging';

export const STD: AgingDefinition = { id: 'STD', name: 'Standard', lines: [...STANDARD_AGING_LINES] };

// §6 lists SNAP30 as "Current, 30 days, 60 days, 90+, Future"; E2's periods require Current to be the
// newest past line, so it is stored oldest → newest (§1.4) as 90+, 60 days, 30 days, Current, Future.
export const SNAP30: AgingDefinition = {
  id: 'SNAP30',
  name: 'Snapshot 30',
  lines: [
    { label: '90+', unit: -1, interval: 'unlimited' },
    { label: '60 days', unit: -30, interval: 'day' },
    { label: '30 days', unit: -30, interval: 'day' },
    { label: 'Current', unit: -30, interval: 'day' },
    { label: 'Future', unit: 1, interval: 'unlimited' },
  ],
};

// §6 lists NOUNL newest first; E7's result requires 1-30 and 31-60 to be past lines, so stored oldest → newest.
export const NOUNL: AgingDefinition = {
  id: 'NOUNL',
  name: 'No unlimited',
  lines: [
    { label: '31-60', unit: -30, interval: 'day' },
    { label: '1-30', unit: -30, interval: 'day' },
    { label: 'Current', unit: 0, interval: 'day' },
  ],
};

/** A definition as the PUT body (the id is in the path). */
export const definitionBody = ({ name, lines }: AgingDefinition) => ({ name, lines });
