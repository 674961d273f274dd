import { z } from 'zod';
import type { WsBehaviour, WsConn } from './ws-behaviour.js';
import { int, oneOf } from '../../src/faults/kind.js';

// Echoes, and after the Nth message received on a connection drops it: without a close frame
// (terminate, the default: what a crashed peer or a NAT timeout looks like) or with one (close).
const params = z.strictObject({
  messages: z.number().int().min(0).default(3),
  how: z.enum(['terminate', 'close']).default('terminate'),
  /** Close code when how = close. */
  code: z.number().int().min(1000).max(4999).default(1011),
});

export default {
  name: 'drop-after',
  description: 'echoes, then drops the connection after N messages',
  kind: 'fails-fast',
  params,
  explore: { messages: int(0, 20), how: oneOf('terminate', 'close'), code: oneOf(1011, 1001, 1012) },
  create(p) {
    const drop = (c: WsConn) =>
      p.how === 'terminate' ? c.terminate() : c.close(p.code, 'drop-after');
    return {
      label: 'drop-after',
      open(c) {
        if (p.messages === 0) drop(c);
      },
      message(c, data, isBinary) {
        if (c.received > p.messages) return drop(c);
        c.send(data, isBinary);
        if (c.received >= p.messages) drop(c);
      },
    };
  },
} satisfies WsBehaviour<typeof params>;
