import { z } from '@hono/zod-openapi';
import { ROLES } from '../db/transaction';

/** A user as `GET /api/v1/me` and `GET /api/v1/users` answer it (never with a token). */
export const UserSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(ROLES as [string, ...string[]]),
    createdAt: z.string(),
    version: z.number(),
  })
  .openapi('User');
