/**
 * An example project file: the code that agents/order-support-v1.yaml names.
 * `agentctl validate` (run in this directory) loads it, without a build step,
 * and checks every tool, validator and node the YAML names against it.
 *
 * It imports @livekit/agents for `llm.tool`, so loading it takes as long as
 * loading the framework; a project file that needs no tool loads in a few
 * milliseconds.
 */
import { llm } from '@livekit/agents';
import { defineConfig, type PipelineNode, type ReplyValidator } from 'agentctl';

/** Stand-in for the shop's order service. */
const ORDERS: Record<string, { status: string; eta: string }> = {
  'A-1001': { status: 'shipped', eta: 'Thursday' },
  'A-1002': { status: 'being packed', eta: 'next week' },
};

const lookupOrder = llm.tool({
  description: 'Look up an order by its number (such as A-1001): its status and when it arrives.',
  parameters: {
    type: 'object',
    properties: { order_number: { type: 'string', description: 'The order number, such as A-1001' } },
    required: ['order_number'],
    additionalProperties: false,
  },
  execute: async ({ order_number }: { order_number: string }) => {
    const order = ORDERS[order_number.trim().toUpperCase()];
    return order === undefined ? `There is no order ${order_number}.` : `Order ${order_number} is ${order.status}; it arrives ${order.eta}.`;
  },
});

/** Card numbers are never read back: 13 to 19 digits, spaces or dashes between them. */
const CARD_NUMBER = /\b(?:\d[ -]?){12,18}\d\b/g;

const redactCardNumbers: PipelineNode = {
  stage: 'tts_text',
  transform: (text) => text.replace(CARD_NUMBER, 'the card number'),
};

const noCardNumbers: ReplyValidator = (reply) =>
  typeof reply.system_response === 'string' && new RegExp(CARD_NUMBER.source).test(reply.system_response) ? 'the reply repeats a card number' : undefined;

export default defineConfig({
  tools: { lookup_order: lookupOrder },
  validators: { no_card_numbers: noCardNumbers },
  nodes: { redact_card_numbers: redactCardNumbers },
});
