import { afterEach, describe, expect, it } from 'vitest';
import { startQueueStandIn } from '../../harness-servers/queue/server.js';
import type { QueueEvent, TimelineEvent } from '../../src/timeline/events.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function queue(q: Record<string, unknown> = {}) {
  const events: TimelineEvent[] = [];
  const s = await startQueueStandIn({ name: 'jobs', queue: q, onEvent: (e) => events.push(e) });
  open.push(s);
  const call = async (method: string, path: string, body?: string) => {
    const r = await fetch(`${s.url}${path}`, { method, ...(body !== undefined ? { body } : {}) });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  };
  const actions = () => events.filter((e): e is QueueEvent => e.kind === 'queue').map((e) => `${e.action}${e.receives ? `#${e.receives}` : ''}`);
  return { s, call, events, actions };
}

type Msg = { id: string; receipt: string; body: string; receives: number };

describe('queue stand-in', () => {
  it('send, receive hides a message for the visibility timeout, then delivers it again; delete ends it', async () => {
    const { s, call, actions } = await queue({ visibility: '150ms' });
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const sent = await call('POST', '/messages', '{"n":1}');
    expect(sent.status).toBe(201);
    const first = await call('POST', '/receive?max=5');
    const [m] = first.json.messages as Msg[];
    expect(m).toMatchObject({ id: sent.json.id, body: '{"n":1}', receives: 1 });
    expect(((await call('POST', '/receive')).json.messages as Msg[]).length).toBe(0); // hidden
    const again = await call('POST', '/receive?wait=20s'); // long poll until it is visible again
    const [m2] = again.json.messages as Msg[];
    expect(m2).toMatchObject({ id: m!.id, receives: 2 });
    expect((await call('DELETE', `/messages/${encodeURIComponent(m2!.receipt)}`)).json).toEqual({ deleted: true });
    expect((await call('DELETE', `/messages/${encodeURIComponent(m!.receipt)}`)).json).toEqual({ deleted: false }); // a second delete, recorded
    expect((await call('DELETE', '/messages/nope.1.x')).status).toBe(404);
    expect((await call('GET', '/stats')).json).toMatchObject({ held: 0, sent: 1, deleted: 1 });
    expect(actions()).toEqual(['sent', 'received#1', 'redelivered#2', 'deleted#2', 'deleted#1']);
  });

  it('is bounded: a full queue answers 503, a large body 413, a bad parameter 400 naming it', async () => {
    const { call, actions } = await queue({ maxMessages: 2, maxBody: 8 });
    expect((await call('POST', '/messages', 'a')).status).toBe(201);
    expect((await call('POST', '/messages', 'b')).status).toBe(201);
    expect(await call('POST', '/messages', 'c')).toEqual({ status: 503, json: { error: 'queue full (2 messages held)' } });
    expect((await call('POST', '/messages', '123456789')).status).toBe(413);
    expect((await call('POST', '/receive?max=11')).json.error).toBe("max: expected a whole number 1-10, got '11'");
    expect((await call('POST', '/receive?wait=1h')).json.error).toMatch(/^wait: expected a duration up to 20 s/);
    expect((await call('GET', '/receive')).status).toBe(405);
    expect(actions()).toEqual(['sent', 'sent', 'rejected', 'rejected']);
  });

  it('gives nothing to a consumer that went away during its long poll', async () => {
    const { s, call, actions } = await queue();
    const ac = new AbortController();
    const polling = fetch(`${s.url}/receive?wait=5s`, { method: 'POST', signal: ac.signal }).catch(() => 'aborted');
    await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    expect(await polling).toBe('aborted');
    await new Promise((r) => setTimeout(r, 100));
    await call('POST', '/messages', 'x');
    const got = await call('POST', '/receive');
    expect((got.json.messages as Msg[])[0]?.receives).toBe(1); // not handed to the consumer that left
    expect(actions()).toEqual(['sent', 'received#1']);
  });

  it('has no behaviours: switching one names the faults that apply', async () => {
    const { s } = await queue();
    expect(() => s.setBehaviour('hang')).toThrow(/'jobs' is a queue stand-in, which has no behaviours/);
    await expect(startQueueStandIn({ name: 'q', queue: { visibility: '1ms' } })).rejects.toThrow("queue stand-in 'q': queue.visibility: visibility is between 10 ms and 12 h");
  });
});

describe('crumple serve --config with a queue', () => {
  it('a stand-in with queue: is a queue stand-in, and takes no behaviour', async () => {
    const { parseServeConfig } = await import('../../harness-servers/config.js');
    expect(parseServeConfig('standins:\n  jobs: { queue: { visibility: 2s } }\n', 'f.yaml').standins.jobs!.queue).toMatchObject({ visibility: 2000, maxMessages: 10_000 });
    expect(() => parseServeConfig('standins:\n  jobs: { queue: {}, behaviour: hang }\n', 'f.yaml')).toThrow('f.yaml: 1 problem(s): standins.jobs.behaviour: a queue stand-in has no behaviour');
  });
});
