import { Streams } from '@credit-hub/contracts';
import { DiscardPolicy, RetentionPolicy, StorageType, StreamConfig } from 'nats';
import { planStreamChanges } from './commands/streams';

// `streams ensure` never lowers replicas or changes retention unless --force (needsForce).
const ledger = Streams.ledger;
const existing = (overrides: Partial<StreamConfig> = {}): StreamConfig =>
  ({
    name: ledger.name,
    subjects: ledger.subjects,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    duplicate_window: ledger.duplicateWindowNanos,
    num_replicas: 3,
    ...overrides,
  }) as StreamConfig;

describe('planStreamChanges', () => {
  it('a plain ensure after --replicas 3 changes nothing (it used to lower 3 → 1)', () => {
    expect(planStreamChanges(ledger, existing(), undefined)).toEqual([]);
  });

  it('raising replicas is a plain change; lowering needs --force', () => {
    expect(planStreamChanges(ledger, existing({ num_replicas: 1 }), 3)).toEqual([{ stream: ledger.name, change: 'replicas 1 → 3', needsForce: false }]);
    expect(planStreamChanges(ledger, existing(), 1)).toEqual([{ stream: ledger.name, change: expect.stringMatching(/^replicas 3 → 1 \(LOWER/), needsForce: true }]);
  });

  it('another retention, discard or storage is changed only with --force', () => {
    const changes = planStreamChanges(ledger, existing({ retention: RetentionPolicy.Workqueue, storage: StorageType.Memory }), undefined);
    expect(changes.map((c) => [c.change, c.needsForce])).toEqual([
      ['retention workqueue → limits', true],
      ['storage memory → file', true],
    ]);
  });

  it('a missing stream is created (with --replicas, else 1); subjects are set to the hub definition', () => {
    expect(planStreamChanges(ledger, null, undefined)).toEqual([{ stream: ledger.name, change: expect.stringMatching(/^create with 1 replica,/), needsForce: false }]);
    expect(planStreamChanges(ledger, null, 3)[0]!.change).toMatch(/^create with 3 replicas/);
    expect(planStreamChanges(ledger, existing({ subjects: ['old.>'] }), undefined)).toEqual([{ stream: ledger.name, change: `subjects old.> → ${ledger.subjects.join(' ')}`, needsForce: false }]);
  });
});
