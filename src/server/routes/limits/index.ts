import type { Hono } from 'hono';
import type { AppContext } from '../../app-context.ts';
import { registerAccountRoutes } from './accounts.ts';
import { registerAdminUsageRoute } from './admin-usage.ts';
import { registerCapacityRoutes } from './capacity.ts';
import { registerLimitEventRoutes } from './limit-events.ts';
import { registerMeUsageRoutes } from './me-usage.ts';
import { registerOfficialUsageRoute } from './official-usage.ts';
import { registerStatsRoutes } from './stats.ts';

/** The limits routes (docs/api.md, "Limits"), one file per URL family. */
export function registerLimitsRoutes(app: Hono, ctx: AppContext): void {
  registerAccountRoutes(app, ctx);
  registerOfficialUsageRoute(app, ctx);
  registerLimitEventRoutes(app, ctx);
  registerMeUsageRoutes(app, ctx);
  registerAdminUsageRoute(app, ctx);
  registerStatsRoutes(app, ctx);
  registerCapacityRoutes(app, ctx);
}
