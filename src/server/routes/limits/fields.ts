import { z } from 'zod';

/** A window name as takt and Anthropic spell them: five_hour, seven_day, seven_day_opus, monthly. */
export const windowName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'window must be a name such as five_hour, seven_day or seven_day_opus');
export const time = z.union([z.string(), z.number()]);
