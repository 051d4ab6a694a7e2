import { z } from '@hono/zod-openapi';
import { ticketChannels, ticketStatuses } from '../../db/schema/tickets.js';

/** The documented JSON any helpdesk can post to /webhooks/tickets. */
export const genericTicketEventSchema = z
  .object({
    eventId: z
      .string()
      .min(1)
      .max(200)
      .openapi({ description: 'Unique per delivery; redeliveries with the same id are no-ops.' }),
    occurredAt: z.iso.datetime({ offset: true }).optional().openapi({
      description:
        'When this happened in your system (default: when it arrives); solve and reopen times use it, so a delayed or replayed webhook does not change resolution times',
    }),
    ticket: z.object({
      externalId: z
        .string()
        .min(1)
        .max(200)
        .openapi({ description: 'The ticket id in your system' }),
      subject: z.string().max(998).default(''),
      status: z.enum(ticketStatuses).optional().openapi({
        description:
          'The ticket status in your system; honoured on the event that creates the ticket too (a ticket imported as solved is not triaged or drafted)',
      }),
      channel: z.enum(ticketChannels).default('api'),
      tags: z.array(z.string().min(1).max(100)).max(50).default([]),
      language: z.string().min(2).max(16).optional(),
    }),
    requester: z
      .object({
        email: z.email().max(320).optional(),
        name: z.string().max(200).optional(),
      })
      .default({}),
    message: z
      .object({
        externalId: z.string().max(200).optional(),
        authorKind: z.enum(['customer', 'agent']).default('customer'),
        body: z.string().min(1).max(200_000),
        html: z.string().max(1_000_000).optional(),
        public: z.boolean().default(true),
        createdAt: z.iso.datetime({ offset: true }).optional(),
      })
      .optional(),
  })
  .openapi('GenericTicketEvent');

export type GenericTicketEvent = z.infer<typeof genericTicketEventSchema>;
