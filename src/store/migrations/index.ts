import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-initial.ts';
import * as m0002 from './0002-onboarding.ts';
import * as m0003 from './0003-limits.ts';
import * as m0004 from './0004-token-machines.ts';
import * as m0005 from './0005-sources.ts';
import * as m0006 from './0006-webhooks.ts';
import * as m0007 from './0007-official-observations-by-window.ts';
import * as m0008 from './0008-replicas.ts';
import * as m0009 from './0009-device-code-requester.ts';
import * as m0010 from './0010-session-projects.ts';
import * as m0011 from './0011-local-owner.ts';
import * as m0012 from './0012-plans-renamed.ts';
import * as m0013 from './0013-link-unlinked-usage.ts';
import * as m0014 from './0014-usage-account-refused.ts';
import * as m0015 from './0015-contracted-prices.ts';
import * as m0016 from './0016-capacity-changes.ts';
import * as m0017 from './0017-hot-update-fillfactor.ts';

/**
 * Every migration, in order. Listed statically (not read from a folder) so that the
 * compiled package and the tests see the same set. A new migration is a new file
 * here with the next number; never edit one that has shipped.
 */
const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-onboarding': m0002,
  '0003-limits': m0003,
  '0004-token-machines': m0004,
  '0005-sources': m0005,
  '0006-webhooks': m0006,
  '0007-official-observations-by-window': m0007,
  '0008-replicas': m0008,
  '0009-device-code-requester': m0009,
  '0010-session-projects': m0010,
  '0011-local-owner': m0011,
  '0012-plans-renamed': m0012,
  '0013-link-unlinked-usage': m0013,
  '0014-usage-account-refused': m0014,
  '0015-contracted-prices': m0015,
  '0016-capacity-changes': m0016,
  '0017-hot-update-fillfactor': m0017,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
