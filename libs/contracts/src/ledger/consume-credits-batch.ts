import { ArrayMaxSize, IsArray } from 'class-validator';
import type { Reply } from '../errors';
import { defineMessage, strictly } from '../message';
import { ConsumeCreditsResult } from './consume-credits';

/** Most consumes in one batch request (REST batch API and the NATS batch subject). */
export const consumeBatchSizeMax = 1000;

/**
 * Many consumes in one request/reply on `ledger.commands.consume-credits-batch.v1` (the gateway
 * coalesces concurrent consumes, and the batch API sends its items): `{commands}`, each a
 * `ConsumeCreditsCommand` validated on its own, at most `consumeBatchSizeMax`. The reply is
 * `Reply<ConsumeCreditsBatchResult>`: one `Reply<ConsumeCreditsResult>` per command, by index
 * (after TigerBeetle's `create_transfers` results), never all-or-nothing.
 */
export class ConsumeCreditsBatchCommand {
  /** Each validated on its own by the ledger (a bad one is refused alone, by index). */
  @IsArray() @ArrayMaxSize(consumeBatchSizeMax)
  commands!: unknown[];
}

/** Answer to a consume batch: `results[i]` answers `commands[i]`. */
export interface ConsumeCreditsBatchResult {
  results: Reply<ConsumeCreditsResult>[];
}

/** `ledger.commands.consume-credits-batch.v1`: request/reply, queue group `ledger`. */
export const ConsumeCreditsBatchMessage = defineMessage<ConsumeCreditsBatchCommand, ConsumeCreditsBatchResult>()({ name: 'ledger.commands.consume-credits-batch.v1', kind: 'command', validate: strictly(ConsumeCreditsBatchCommand) });
