import type { Principal } from '../auth/api-keys.js';

/** Variables set by middleware on every request. */
export interface AppEnv {
  Variables: {
    requestId: string;
    principal?: Principal;
  };
}
