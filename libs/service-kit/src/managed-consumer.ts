import { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { ConsumedMessage, DurableConsumer, DurableConsumerOptions } from '@credit-hub/messaging';
import { NatsConnection } from 'nats';
import { Lifecycle } from './health';

/** The consumers running in this process (read by the consumer gauges in observability.ts). */
export const runningConsumers = new Set<DurableConsumer<any>>();

/**
 * A durable JetStream consumer tied to the Nest application's life: it starts pulling when the
 * application has bootstrapped and, at shutdown, marks the service as draining (readiness goes
 * false) and finishes the messages already delivered before NATS drains and the pool closes.
 * Subclasses give the consumer's settings and the idempotent `handle`.
 */
export abstract class ManagedDurableConsumer<T = unknown> implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer?: DurableConsumer<T>;
  private stopping?: Promise<void>;

  protected constructor(
    private readonly nc: NatsConnection,
    private readonly lifecycle?: Lifecycle,
  ) {}

  /** Stream, durable name, filter and bounds of the consumer. */
  protected abstract consumerOptions(): Omit<DurableConsumerOptions<T>, 'nc' | 'handler'>;

  /** Handles one message idempotently (inbox in the effect's transaction); throwing naks it. */
  abstract handle(message: ConsumedMessage<T>): Promise<void>;

  /**
   * Optional: handles the messages already delivered together (stream order), with exactly the
   * effect of `handle` on each, in one transaction. See `DurableConsumerOptions.batchHandler`.
   */
  handleBatch?(messages: ConsumedMessage<T>[]): Promise<void>;

  /** Messages handled (and acknowledged) since start. */
  get handledCount(): number {
    return this.consumer?.handledCount ?? 0;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = new DurableConsumer<T>({
      ...this.consumerOptions(),
      nc: this.nc,
      handler: (message) => this.handle(message),
      ...(this.handleBatch ? { batchHandler: (messages: ConsumedMessage<T>[]) => this.handleBatch!(messages) } : {}),
    });
    await this.consumer.start();
    runningConsumers.add(this.consumer);
    this.lifecycle?.stopOnDrain(() => this.stop());
  }

  /** With a `Lifecycle`: stops every consumer of the service at once (see `Lifecycle.drain`), then this one. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.lifecycle?.drain();
    await this.stop();
  }

  /** Stops pulling and finishes the messages in hand; once, whoever asks first (this hook or `Lifecycle`). */
  private stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.consumer) runningConsumers.delete(this.consumer);
      await this.consumer?.stop();
    })();
    return this.stopping;
  }
}
