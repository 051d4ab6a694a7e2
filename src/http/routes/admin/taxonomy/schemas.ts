import { z } from '@hono/zod-openapi';
import { priorities } from '../../../../db/schema/triage.js';
import { categoryOrigins } from '../../../../pipeline/triage/taxonomy.js';

export const categorySchema = z
  .object({
    name: z.string(),
    description: z.string(),
    examples: z.array(z.string()),
    defaultPriority: z.enum(priorities),
    active: z.boolean(),
    origin: z.enum(categoryOrigins).openapi({
      description:
        'starter: shipped with Deskpilot; imported: learned from your labelled data; created: added by hand',
    }),
  })
  .openapi('TaxonomyCategory');
