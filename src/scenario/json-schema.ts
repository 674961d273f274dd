import { z } from 'zod';
import { scenarioSchema } from './schema.js';
import { checks } from '../checks/index.js';
import { behaviourNames, MAX_REPLICAS, TARGET_ACTIONS } from '../faults/fault.js';
import { loadShapes } from '../load/index.js';
import { visibleToxicTypes } from '../proxy/toxics/index.js';

const input = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
const strip = ({ $schema: _s, ...rest }: Record<string, unknown>) => rest;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');

/**
 * A JSON Schema of scenario files for editors (YAML language servers, VS Code): the input side of the
 * zod schema, with the tables spelled out (check entries, behaviour, toxic and shape names). Parts
 * checked in code (params per behaviour, attributes per toxic, cross-references) are looser here than
 * in `crumple validate`, which stays the judge.
 */
export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = input(scenarioSchema) as { properties: Record<string, Record<string, unknown>> } & Record<string, unknown>;
  const props = schema.properties;
  props.expect = {
    type: 'object',
    description: 'check name, optionally with a label: latency, latency.checkout',
    patternProperties: Object.fromEntries(Object.entries(checks).map(([name, c]) => [`^${escape(name)}(\\..+)?$`, { description: c.description, ...strip(input(c.expectation)) }])),
    additionalProperties: false,
  };
  props.load = {
    type: 'object',
    additionalProperties: {
      oneOf: Object.entries(loadShapes).map(([name, l]) => {
        const spec = strip(input(l.spec)) as { properties?: Record<string, unknown> };
        return { ...spec, description: l.description, properties: { shape: { const: name }, ...(spec.properties ?? {}) }, required: ['shape'] };
      }),
    },
  };
  const replica = { type: 'integer', minimum: 1, maximum: MAX_REPLICAS, description: 'one stand-in of a dependency with replicas (1 = the first URL)' };
  const phases = props.phases as { items?: { properties?: Record<string, unknown> } };
  if (phases.items?.properties) {
    phases.items.properties.faults = {
      type: 'array',
      items: {
        oneOf: [
          { type: 'object', properties: { dependency: { type: 'string' }, replica, behaviour: { enum: behaviourNames }, params: {} }, required: ['dependency', 'behaviour'], additionalProperties: false },
          { type: 'object', properties: { dependency: { type: 'string' }, replica, toxic: { enum: visibleToxicTypes() }, stream: { enum: ['upstream', 'downstream'] }, toxicity: { type: 'number', minimum: 0, maximum: 1 }, name: { type: 'string' } }, required: ['dependency', 'toxic'], additionalProperties: { type: ['integer', 'string'] } },
          { type: 'object', properties: { dependency: { type: 'string' }, replica, down: { const: true } }, required: ['dependency', 'down'], additionalProperties: false },
          { type: 'object', properties: { target: { enum: [...TARGET_ACTIONS] } }, required: ['target'], additionalProperties: false },
        ],
      },
    };
  }
  return { ...schema, $id: 'https://crumple.dev/schema/scenario.json', title: 'crumple scenario' };
}
