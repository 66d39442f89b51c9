/**
 * The part of the Workers runtime module `cloudflare:workers` this Worker uses, declared here so
 * the workspace's TypeScript checks it without adding `@cloudflare/workers-types` (the full
 * declarations; a project deploying with wrangler may use those instead).
 */
declare module 'cloudflare:workers' {
  /** The execution context of one invocation. */
  export interface ExecutionContext {
    waitUntil(promise: Promise<unknown>): void;
  }

  /**
   * Base class of a Worker entrypoint: its public methods are callable over a service binding as
   * RPC (`env.BINDING.method(args)`); `env` holds the Worker's vars and secrets.
   */
  export abstract class WorkerEntrypoint<Env = unknown> {
    protected readonly ctx: ExecutionContext;
    protected readonly env: Env;
    constructor(ctx: ExecutionContext, env: Env);
  }
}
