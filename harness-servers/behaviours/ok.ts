import { monotonicMs } from '../../src/timeline/clock.js';
import type { BehaviourImplFor, Exchange } from '../behaviour.js';
import { compileParsedContract, type CompiledContract } from '../contract-match.js';
import type { ParamsOf } from './params.js';

// Healthy: answers from the contract (first matching pair); a request no pair matches gets 404 with a
// JSON body saying so and is logged as a contract miss. No contract: 200 and a small JSON body.
/** The contract answer as a function of one exchange; shared by behaviours that answer "like ok, but". */
export function contractAnswer(contract: CompiledContract, status: number, json: unknown): (x: Exchange) => void {
  if (contract.size === 0) {
    const body = Buffer.from(JSON.stringify(json ?? null));
    const headers = ['content-type', 'application/json', 'content-length', String(body.length)];
    return (x) => x.send(status, headers, body);
  }
  return (x) => {
    const m = contract.match(x.rec.method, x.rec.path, x.req.headers, x.body);
    if (!m) {
      x.miss();
      const body = Buffer.from(
        JSON.stringify({ error: 'no contract pair matches this request', method: x.rec.method, path: x.rec.path, known: contract.known }),
      );
      x.send(404, ['content-type', 'application/json', 'content-length', String(body.length)], body);
      return;
    }
    const r = m.response;
    const answer = () => {
      if (r.template) {
        const body = r.template(m.params);
        x.send(r.status, [...r.headers, 'content-length', String(body.length)], body);
      } else x.send(r.status, r.headers, r.body);
    };
    if (r.delayMs > 0) {
      const timer = setTimeout(answer, Math.max(0, Math.round(r.delayMs - (monotonicMs() - x.rec.t))));
      x.onGone(() => clearTimeout(timer));
    } else answer();
  };
}

export default {
  name: 'ok',
  description: 'answers from the contract (404 + contract miss when no pair matches); without one, 200 {"ok":true}',
  kind: 'healthy',
  create(p, env) {
    const answer = contractAnswer(p.contract ? compileParsedContract(p.contract) : env.contract, p.status, p.json);
    return { label: 'ok', request: answer };
  },
} satisfies BehaviourImplFor<ParamsOf<'ok'>>;
