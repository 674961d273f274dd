import type { Socket } from 'node:net';
import type { BehaviourImplFor } from '../behaviour.js';
import type { ParamsOf } from './params.js';

// Accepts the TCP connection and never reads: the caller's writes fill the socket buffers and back up.
// Reading nothing also means a client's FIN is not seen; only resets and our own close are logged.

/** Stop reading at the handle: pause() alone still buffers up to a highWaterMark in userland. */
export function stopReading(s: Socket): void {
  s.pause();
  const handle = (s as unknown as { _handle?: { reading?: boolean; readStop?: () => number } })._handle;
  if (handle?.readStop) {
    handle.reading = false;
    handle.readStop();
  }
}

export default {
  name: 'no-read',
  description: 'accepts the connection and never reads from it (the caller\'s writes back up)',
  kind: 'holds',
  noParams: true,
  create() {
    return {
      label: 'no-read',
      accept(socket) {
        stopReading(socket);
        return true;
      },
      // A request on a connection accepted earlier (keep-alive) or inside a composite: stop reading there.
      request(x) {
        stopReading(x.req.socket);
      },
    };
  },
} satisfies BehaviourImplFor<ParamsOf<'no-read'>>;
