import { createApiKey } from '../../auth/api-keys.js';
import type { Db } from '../../db/client.js';
import { listApiKeys, revokeApiKey } from '../../db/queries/api-keys.js';
import { roles } from '../../db/schema/api-keys.js';
import { CliUsageError } from '../errors.js';

export async function keysCreate(db: Db, opts: { role?: string; name?: string; team?: string }) {
  const role = roles.find((r) => r === opts.role);
  if (!role) throw new CliUsageError(`--role must be one of ${roles.join(', ')}`);
  const { key, record } = await createApiKey(db, {
    name: opts.name ?? `${role} key`,
    role,
    teamId: opts.team ?? null,
  });
  // The only time the plain key exists outside the caller's hands: printed once, never logged.
  console.log(JSON.stringify({ id: record.id, role, name: record.name, key }));
}

export async function keysList(db: Db) {
  for (const k of await listApiKeys(db)) console.log(JSON.stringify(k));
}

export async function keysRevoke(db: Db, id: string | undefined) {
  if (!id) throw new CliUsageError('usage: keys revoke <id>');
  const revoked = await revokeApiKey(db, id);
  if (!revoked) throw new CliUsageError(`No active API key with id ${id} (see keys list)`);
  console.log(JSON.stringify({ id, revoked }));
}
