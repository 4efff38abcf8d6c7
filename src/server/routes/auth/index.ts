import type { Hono } from 'hono';
import type { AppContext } from '../../app-context.ts';
import { registerApiTokenRoutes } from './api-tokens.ts';
import { registerInviteRoute } from './invite.ts';
import { registerPasswordRoutes } from './password.ts';
import { registerRegisterRoute } from './register.ts';
import { registerRotateRoute } from './rotate.ts';
import { registerSessionRoutes } from './session.ts';
import { registerSetupAdditionalRoute } from './setup-additional.ts';
import { registerTokenRoute } from './token.ts';

/** The account surface under /auth and /api/tokens (docs/api.md); each route calls one action in auth/actions/. */
export function registerAuthRoutes(app: Hono, ctx: AppContext): void {
  registerInviteRoute(app, ctx);
  registerRegisterRoute(app, ctx);
  registerTokenRoute(app, ctx);
  registerRotateRoute(app, ctx);
  registerSetupAdditionalRoute(app, ctx);
  registerSessionRoutes(app, ctx);
  registerPasswordRoutes(app, ctx);
  registerApiTokenRoutes(app, ctx);
}
