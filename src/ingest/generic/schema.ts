import { z } from '@hono/zod-openapi';
import { ticketChannels, ticketStatuses } from '../../db/schema/tickets.js';

/**
 * How far ahead of our clock a sender's time may run (its clock's skew) before it is refused: a
 * time in the future would date a solve before it happened and make durations negative.
 */
const FUTURE_SKEW_MS = 5 * 60_000;

/** An instant with an offset, not more than FUTURE_SKEW_MS ahead of now (checked when parsed). */
const pastInstant = () =>
  z.iso.datetime({ offset: true }).refine((v) => Date.parse(v) <= Date.now() + FUTURE_SKEW_MS, {
    message: 'is in the future (more than 5 minutes ahead of the server clock)',
  });

/** The documented JSON any helpdesk can post to /webhooks/tickets. */
export const genericTicketEventSchema = z
  .object({
    eventId: z
      .string()
      .min(1)
      .max(200)
      .openapi({ description: 'Unique per delivery; redeliveries with the same id are no-ops.' }),
    occurredAt: pastInstant().optional().openapi({
      description:
        'When this happened in your system (default: when it arrives); solve and reopen times use it, so a delayed or replayed webhook does not change resolution times. At most 5 minutes ahead of the server clock (else 400)',
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
        createdAt: pastInstant().optional().openapi({
          description: 'When the message was written; at most 5 minutes ahead of the server clock',
        }),
      })
      .optional(),
  })
  .openapi('GenericTicketEvent');

export type GenericTicketEvent = z.infer<typeof genericTicketEventSchema>;
