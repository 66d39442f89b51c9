// The contract check: every /v1 response and every event the stand-in produces is validated against
// the JSON Schemas generated from the pinned `stripe` package's types (stripe-schemas.ts). Turned on by
// STRIPE_STANDIN_CONTRACT_SCHEMAS (the bundle's path; jest's global setup sets it for every suite).
// Violations are recorded, never thrown at the caller: `standin.close()` and the system harness's
// `stop()` fail the suite when any was recorded, with the object, the field and the rule broken.
import fs from 'node:fs';
import type { default as Ajv, ErrorObject, Options, ValidateFunction } from 'ajv';
import type { StripeSchemaBundle } from './stripe-schemas';

/**
 * Ajv is a devDependency, loaded only when the check is on: the production image (`npm prune
 * --omit=dev`) runs the stand-in without it.
 */
function newAjv(options: Options): Ajv {
  const { default: AjvClass } = require('ajv') as typeof import('ajv');
  return new AjvClass(options);
}

function standaloneCode(ajv: Ajv, exports: Record<string, string>): string {
  return (require('ajv/dist/standalone') as typeof import('ajv/dist/standalone')).default(ajv, exports);
}

/** Environment variable naming the schema bundle file; unset = no contract check. */
export const CONTRACT_SCHEMAS_ENV = 'STRIPE_STANDIN_CONTRACT_SCHEMAS';

/** One response or event that does not match Stripe's schema. */
export interface ContractViolation {
  /** What was checked: `GET /v1/subscriptions/sub_…` or `event invoice.paid evt_…`. */
  source: string;
  /** The Stripe type it was checked against (`subscription`, `event invoice.paid`). */
  schema: string;
  /** Ajv's findings, `path: message`, at most `MAX_ERRORS_PER_VIOLATION`. */
  errors: string[];
}

const MAX_ERRORS_PER_VIOLATION = 12;
/** A bound on what one stand-in keeps, so a broken loop cannot grow memory without limit. */
const MAX_VIOLATIONS = 200;

/** The validators of one schema bundle; compiled lazily per Stripe type, shared by every stand-in in the process. */
export class StripeContract {
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();

  private constructor(private readonly bundle: StripeSchemaBundle, precompiled: Record<string, ValidateFunction> | null) {
    // strict: false: the generated schemas use `const`/`enum` next to `type`-less nodes, which strict mode flags.
    this.ajv = newAjv({ allErrors: true, strict: false, validateSchema: false });
    this.ajv.addSchema({ $id: 'stripe', definitions: bundle.definitions });
    for (const [name, validate] of Object.entries(precompiled ?? {})) this.validators.set(name, validate);
  }

  private static readonly loaded = new Map<string, StripeContract>();

  /**
   * The contract of the bundle at `file` (read once per process). Uses the validators precompiled by
   * `precompileValidators` (`<file>.validators.js`) when present: compiling Charge's schema alone takes
   * seconds, which would stall the stand-in's first answers. Throws if the bundle is unreadable.
   */
  static load(file: string): StripeContract {
    let contract = StripeContract.loaded.get(file);
    if (!contract) {
      const bundle = JSON.parse(fs.readFileSync(file, 'utf8')) as StripeSchemaBundle;
      const code = validatorsFile(file);
      const precompiled = fs.existsSync(code) ? (require(code) as Record<string, ValidateFunction>) : null;
      contract = new StripeContract(bundle, precompiled);
      StripeContract.loaded.set(file, contract);
    }
    return contract;
  }

  /**
   * Writes `<file>.validators.js`: every root validator of the bundle as standalone code (Ajv's
   * `standaloneCode`), exported under its definition name. Run once where the bundle is made.
   */
  static precompileValidators(file: string): void {
    const code = validatorsFile(file);
    if (fs.existsSync(code)) return;
    const bundle = JSON.parse(fs.readFileSync(file, 'utf8')) as StripeSchemaBundle;
    const ajv = newAjv({ allErrors: true, strict: false, validateSchema: false, code: { source: true } });
    ajv.addSchema({ $id: 'stripe', definitions: bundle.definitions });
    const names = [...Object.values(bundle.objects), ...Object.values(bundle.events)];
    const exports = Object.fromEntries(names.map((name) => [name, `stripe#/definitions/${encodeURIComponent(name)}`]));
    const temporary = `${code}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, standaloneCode(ajv, exports));
    fs.renameSync(temporary, code);
  }

  /** The contract named by `STRIPE_STANDIN_CONTRACT_SCHEMAS`, or null when it is unset. */
  static fromEnvironment(): StripeContract | null {
    const file = process.env[CONTRACT_SCHEMAS_ENV];
    return file ? StripeContract.load(file) : null;
  }

  /** The `stripe` package version and API version the schemas were made from. */
  get versions(): { stripe: string; api: string } {
    return { stripe: this.bundle.stripeVersion, api: this.bundle.apiVersion };
  }

  /**
   * Checks an API response body: a Stripe object by its `object` value, or each item of a list. A body
   * without a known `object` is a violation too (the stand-in would be serving something Stripe has no schema for).
   */
  checkResponse(source: string, body: unknown): ContractViolation[] {
    if (isRecord(body) && body.object === 'list' && Array.isArray(body.data)) {
      const listErrors = this.listEnvelopeErrors(body);
      const envelope = listErrors.length > 0 ? [{ source, schema: 'list', errors: listErrors }] : [];
      return [...envelope, ...body.data.flatMap((item, index) => this.checkObject(`${source} data[${index}]`, item))];
    }
    return this.checkObject(source, body);
  }

  /** Checks one Stripe object against the schema of its `object` value (events by their `type`). */
  checkObject(source: string, value: unknown): ContractViolation[] {
    if (!isRecord(value) || typeof value.object !== 'string') return [{ source, schema: '?', errors: ['not a Stripe object (no `object` field)'] }];
    if (value.object === 'event') return this.checkEvent(source, value);
    const name = this.bundle.objects[value.object];
    if (name === undefined) return [{ source, schema: value.object, errors: [`no Stripe schema for object '${value.object}'`] }];
    return this.run(source, value.object, name, value);
  }

  /** Checks an event (webhook payload or `/v1/events` item) against the SDK type of its `type`. */
  checkEvent(source: string, event: unknown): ContractViolation[] {
    const type = isRecord(event) && typeof event.type === 'string' ? event.type : '?';
    const name = this.bundle.events[type];
    if (name === undefined) return [{ source, schema: `event ${type}`, errors: [`no Stripe schema for event type '${type}'`] }];
    return this.run(source, `event ${type}`, name, event);
  }

  private run(source: string, schema: string, name: string, value: unknown): ContractViolation[] {
    const validate = this.validator(name);
    if (validate(value)) return [];
    return [{ source, schema, errors: formatErrors(validate.errors ?? []) }];
  }

  private validator(name: string): ValidateFunction {
    let validate = this.validators.get(name);
    if (!validate) {
      const compiled = this.ajv.getSchema(`stripe#/definitions/${encodeURIComponent(name)}`);
      if (!compiled) throw new Error(`schema bundle has no definition ${name}`);
      validate = compiled;
      this.validators.set(name, validate);
    }
    return validate;
  }

  private listEnvelopeErrors(list: Record<string, unknown>): string[] {
    const allowed = new Set(['object', 'data', 'has_more', 'url']);
    const errors = Object.keys(list).filter((key) => !allowed.has(key)).map((key) => `: unknown list field '${key}'`);
    if (typeof list.has_more !== 'boolean') errors.push('/has_more: must be boolean');
    if (typeof list.url !== 'string') errors.push('/url: must be string');
    return errors;
  }
}

function validatorsFile(bundleFile: string): string {
  return bundleFile.replace(/\.json$/, '.validators.js');
}

/** Violations recorded by one stand-in, bounded; `take()` returns and clears them. */
export class ViolationLog {
  private readonly entries: ContractViolation[] = [];
  private dropped = 0;

  record(violations: readonly ContractViolation[]): void {
    for (const violation of violations) {
      if (this.entries.length < MAX_VIOLATIONS) this.entries.push(violation);
      else this.dropped++;
    }
  }

  /** The violations so far (and a note of how many were dropped past the bound). */
  list(): ContractViolation[] {
    const dropped = this.dropped > 0 ? [{ source: 'stand-in', schema: '-', errors: [`${this.dropped} more violations not kept`] }] : [];
    return [...this.entries, ...dropped];
  }

  /** Returns the violations and forgets them. */
  take(): ContractViolation[] {
    const all = this.list();
    this.entries.length = 0;
    this.dropped = 0;
    return all;
  }
}

/** A readable report of `violations`, for the error that fails a suite. */
export function describeViolations(violations: readonly ContractViolation[]): string {
  return violations.map((violation) => `- ${violation.source} (as ${violation.schema}):\n${violation.errors.map((error) => `    ${error}`).join('\n')}`).join('\n');
}

function formatErrors(errors: readonly ErrorObject[]): string[] {
  // anyOf failures repeat every branch's error; the branch errors are kept, the summary line dropped.
  // Unknown fields and wrong values first, missing fields last: the most telling lines survive the cap.
  const rank = (error: ErrorObject): number => (error.keyword === 'additionalProperties' ? 0 : error.keyword === 'required' ? 2 : 1);
  const lines = errors
    .filter((error) => error.keyword !== 'anyOf')
    .sort((a, b) => rank(a) - rank(b))
    .map((error) => {
      const where = error.instancePath || '(top)';
      if (error.keyword === 'additionalProperties') return `${where}: unknown field '${String(error.params.additionalProperty)}'`;
      if (error.keyword === 'required') return `${where}: missing required field '${String(error.params.missingProperty)}'`;
      if (error.keyword === 'enum') return `${where}: must be one of ${JSON.stringify(error.params.allowedValues)}`;
      return `${where}: ${error.message ?? error.keyword}`;
    });
  const unique = [...new Set(lines)];
  return unique.length > MAX_ERRORS_PER_VIOLATION ? [...unique.slice(0, MAX_ERRORS_PER_VIOLATION), `… ${unique.length - MAX_ERRORS_PER_VIOLATION} more`] : unique;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a running stand-in holds when the contract check is on: the validators and its violation log. */
export class ContractRecorder {
  readonly log = new ViolationLog();

  constructor(readonly contract: StripeContract) {}

  /** Validates a 2xx /v1 response body and records what does not match. */
  checkResponse(source: string, body: unknown): void {
    this.log.record(this.contract.checkResponse(source, body));
  }

  /** Validates an event as stored (its webhook payload) and records what does not match. */
  checkEvent(event: { id: string; type: string }): void {
    this.log.record(this.contract.checkEvent(`event ${event.type} ${event.id}`, event));
  }
}
