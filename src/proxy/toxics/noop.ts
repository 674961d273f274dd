import { passThrough, type Toxic } from '../toxic.js';

export default {
  name: 'noop',
  description: 'Passes everything unchanged (hidden in Toxiproxy too).',
  attributes: {},
  units: {},
  kind: 'healthy',
  goStruct: 'NoopToxic',
  explore: {},
  hidden: true,
  pipe: passThrough,
} satisfies Toxic<Record<string, never>>;
