// One suite over every table entry: adding a behaviour gets these guarantees checked for free.
import { describe, expect, it } from 'vitest';
import { behaviours } from '../../harness-servers/behaviours/index.js';
import { wsBehaviours } from '../../harness-servers/ws/index.js';
import { standIn, get } from '../net/standin-helpers.js';

const tables = { http: behaviours, ws: wsBehaviours } as const;

for (const [protocol, table] of Object.entries(tables) as [keyof typeof tables, Record<string, { name: string; description: string; params: { safeParse(v: unknown): { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } } } }>][]) {
  describe(`${protocol} behaviour table`, () => {
    for (const [key, b] of Object.entries(table)) {
      describe(key, () => {
        it('is registered under its own name with a description', () => {
          expect(b.name).toBe(key);
          expect(b.description.length).toBeGreaterThan(10);
        });

        it('accepts {} (every param has a default)', () => {
          expect(b.params.safeParse({}).success).toBe(true);
        });

        it('rejects an unknown param with a zod issue naming it', () => {
          const r = b.params.safeParse({ notAParam: 1 });
          expect(r.success).toBe(false);
          expect(JSON.stringify(r.error!.issues)).toContain('notAParam');
        });

        it('rejects a wrongly typed param with an issue that has a path and message', () => {
          const shape = (b.params as unknown as { def?: { shape?: Record<string, unknown> }; shape?: Record<string, unknown> });
          const first = Object.keys(shape.shape ?? shape.def?.shape ?? {})[0];
          if (!first) return; // no params at all: the unknown-param case covers it
          const r = b.params.safeParse({ [first]: { surely: ['not', 'valid'] } });
          if (r.success) return; // a free-form field (json body) accepts anything by design
          expect(r.error!.issues[0]!.path.length).toBeGreaterThan(0);
          expect(r.error!.issues[0]!.message.length).toBeGreaterThan(3);
        });

        it('starts with its defaults, survives a real client, and closes', async () => {
          const { s } = await standIn({ protocol, behaviour: key });
          expect(s.behaviour().name).toBe(key);
          if (protocol === 'http') {
            const r = await get(s.url, { timeoutMs: 300, maxBytes: 1 << 20 });
            expect(r.status !== undefined || r.error !== undefined).toBe(true);
          }
          await s.close();
        });
      });
    }
  });
}
