import { describe, expect, it } from 'vitest';
import { requesterLine } from '../../../src/http/ui/pages/inbox.js';

describe('requesterLine', () => {
  it('shows name and address, or whichever exists, never a bare <address>', () => {
    const line = (requesterName: string | null, requesterEmail: string | null) =>
      requesterLine({ requesterName, requesterEmail });
    expect(line('Ana Ruiz', 'ana@example.com')).toBe('Ana Ruiz <ana@example.com>');
    expect(line(null, 'ana@example.com')).toBe('ana@example.com');
    expect(line('Ana Ruiz', null)).toBe('Ana Ruiz');
    expect(line(null, null)).toBe('unknown requester');
  });
});
