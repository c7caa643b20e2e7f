import type { Migration } from 'kysely';
import * as m001 from './001-init';
import * as m002 from './002-credit';
import * as m003 from './003-limits';
import * as m004 from './004-collections';
import * as m005 from './005-collections-money';
import * as m006 from './006-uploads';
import * as m007 from './007-setup-version';
import * as m008 from './008-aging-fillfactor';
import * as m009 from './009-credit-controls';
import * as m010 from './010-currencies';
import * as m011 from './011-aging-customer-currency';
import * as m012 from './012-open-accounting-index';

/** The explicit, ordered registry of frozen migrations. Append only; never edit a shipped one. */
export const migrations: Record<string, Migration> = {
  '001-init': m001,
  '002-credit': m002,
  '003-limits': m003,
  '004-collections': m004,
  '005-collections-money': m005,
  '006-uploads': m006,
  '007-setup-version': m007,
  '008-aging-fillfactor': m008,
  '009-credit-controls': m009,
  '010-currencies': m010,
  '011-aging-customer-currency': m011,
  '012-open-accounting-index': m012,
};
