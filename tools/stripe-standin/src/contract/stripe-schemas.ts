// JSON Schemas of the Stripe objects and events the stand-in produces, generated from the type
// declarations of the installed `stripe` package (Stripe generates those from its OpenAPI spec for the
// package's pinned API version, `Stripe.API_VERSION`). A small walker over the TypeScript checker,
// not ts-json-schema-generator: that one names definitions by their last segment, so Stripe's nested
// namespaces (`Subscription.PaymentSettings.PaymentMethodOptions.Card` vs `Charge...Card`) collide,
// and inlining them instead took more than 10 minutes and 2 GB here.
//
// Mapping (what "true to Stripe's schema" means for the contract check):
// - a non-optional property is `required`; an optional one (`?`) may be absent;
// - object types allow no other properties (`additionalProperties: false`) unless they have an index signature;
// - string literal unions are `enum`s; `T | null` accepts null; `Decimal` is a JSON string;
// - named interfaces become `definitions` keyed by their qualified name (`Subscription.AutomaticTax`).
import fs from 'node:fs';
import path from 'node:path';
import Stripe from 'stripe';
import ts from 'typescript';

/** A JSON Schema (draft-07) node. */
export type JsonSchema = Record<string, unknown>;

/** The generated schemas: one reference per Stripe `object` value and per event `type`. */
export interface StripeSchemaBundle {
  /** `stripe` package version and its pinned API version. */
  stripeVersion: string;
  apiVersion: string;
  definitions: Record<string, JsonSchema>;
  /** `object` value (`subscription`) → definition name. */
  objects: Record<string, string>;
  /** Event `type` (`invoice.paid`) → definition name. */
  events: Record<string, string>;
}

/** The Stripe objects the stand-in serves, by their `object` value, and the SDK type describing each. */
export const STRIPE_OBJECT_TYPES: Readonly<Record<string, string>> = {
  account: 'Stripe.Account',
  account_link: 'Stripe.AccountLink',
  application: 'Stripe.Application',
  application_fee: 'Stripe.ApplicationFee',
  balance_transaction: 'Stripe.BalanceTransaction',
  'billing_portal.session': 'Stripe.BillingPortal.Session',
  charge: 'Stripe.Charge',
  'checkout.session': 'Stripe.Checkout.Session',
  customer: 'Stripe.Customer',
  dispute: 'Stripe.Dispute',
  fee_refund: 'Stripe.FeeRefund',
  invoice: 'Stripe.Invoice',
  invoice_payment: 'Stripe.InvoicePayment',
  item: 'Stripe.LineItem',
  line_item: 'Stripe.InvoiceLineItem',
  payment_intent: 'Stripe.PaymentIntent',
  price: 'Stripe.Price',
  refund: 'Stripe.Refund',
  subscription: 'Stripe.Subscription',
  subscription_item: 'Stripe.SubscriptionItem',
};

/** The event types the stand-in emits, and the SDK type of each (its `data.object` and `previous_attributes`). */
export const STRIPE_EVENT_TYPES: Readonly<Record<string, string>> = {
  'account.application.authorized': 'Stripe.AccountApplicationAuthorizedEvent',
  'account.application.deauthorized': 'Stripe.AccountApplicationDeauthorizedEvent',
  'account.updated': 'Stripe.AccountUpdatedEvent',
  'application_fee.created': 'Stripe.ApplicationFeeCreatedEvent',
  'application_fee.refunded': 'Stripe.ApplicationFeeRefundedEvent',
  'charge.dispute.closed': 'Stripe.ChargeDisputeClosedEvent',
  'charge.dispute.created': 'Stripe.ChargeDisputeCreatedEvent',
  'charge.dispute.updated': 'Stripe.ChargeDisputeUpdatedEvent',
  'charge.refunded': 'Stripe.ChargeRefundedEvent',
  'checkout.session.completed': 'Stripe.CheckoutSessionCompletedEvent',
  'customer.subscription.created': 'Stripe.CustomerSubscriptionCreatedEvent',
  'customer.subscription.deleted': 'Stripe.CustomerSubscriptionDeletedEvent',
  'customer.subscription.trial_will_end': 'Stripe.CustomerSubscriptionTrialWillEndEvent',
  'customer.subscription.updated': 'Stripe.CustomerSubscriptionUpdatedEvent',
  'invoice.paid': 'Stripe.InvoicePaidEvent',
  'invoice.payment_failed': 'Stripe.InvoicePaymentFailedEvent',
  'invoice.payment_succeeded': 'Stripe.InvoicePaymentSucceededEvent',
  'refund.created': 'Stripe.RefundCreatedEvent',
};

/**
 * Generates the schema bundle from `node_modules/stripe`'s declarations. Takes a few seconds (one
 * TypeScript program over the SDK's types); `loadOrGenerateStripeSchemas` caches the result.
 * Throws when a listed SDK type does not exist (a renamed type in a new `stripe` version).
 */
export function generateStripeSchemas(workDir: string): StripeSchemaBundle {
  const roots = { ...prefixed('object:', STRIPE_OBJECT_TYPES), ...prefixed('event:', STRIPE_EVENT_TYPES) };
  const aliases = Object.entries(roots).map(([key, type], index) => ({ key, alias: `Root${index}`, type }));
  fs.mkdirSync(workDir, { recursive: true });
  const entry = path.join(workDir, 'stripe-schema-roots.ts');
  fs.writeFileSync(entry, `import type Stripe from 'stripe';\n${aliases.map(({ alias, type }) => `export type ${alias} = ${type};`).join('\n')}\n`);
  const program = ts.createProgram([entry], {
    strict: true, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, target: ts.ScriptTarget.ES2022,
    esModuleInterop: true, skipLibCheck: true, noEmit: true, types: [], ignoreDeprecations: '6.0',
  } as ts.CompilerOptions);
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  if (!source) throw new Error(`cannot read ${entry}`);
  const walker = new SchemaWalker(checker);
  const bundle: StripeSchemaBundle = { stripeVersion: stripePackageVersion(), apiVersion: stripeApiVersion(), definitions: walker.definitions, objects: {}, events: {} };
  for (const { key, alias, type } of aliases) {
    const declaration = source.statements.find((statement): statement is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(statement) && statement.name.text === alias);
    if (!declaration) throw new Error(`missing alias ${alias}`);
    const rootType = checker.getTypeFromTypeNode(declaration.type);
    if (rootType.flags & ts.TypeFlags.Any) throw new Error(`the stripe package has no type ${type}`);
    const name = `root:${key}`;
    walker.definitions[name] = walker.schemaOf(rootType);
    const [kind, value] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
    (kind === 'object' ? bundle.objects : bundle.events)[value] = name;
  }
  return bundle;
}

function prefixed(prefix: string, map: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([key, value]) => [`${prefix}${key}`, value]));
}

/** Version of the installed `stripe` package. */
export function stripePackageVersion(): string {
  return (Stripe as unknown as { PACKAGE_VERSION: string }).PACKAGE_VERSION;
}

function stripeApiVersion(): string {
  return Stripe.API_VERSION;
}

/**
 * The bundle from `cacheDir` when one was made for this `stripe` version, TypeScript version and
 * generator source; else generated and written there. Returns the bundle's file path.
 */
export function loadOrGenerateStripeSchemas(cacheDir: string): string {
  const generatorSource = fs.readFileSync(__filename, 'utf8');
  let hash = 0;
  for (const char of `${stripePackageVersion()}|${ts.version}|${generatorSource}`) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  const file = path.join(cacheDir, `stripe-${stripePackageVersion()}-${(hash >>> 0).toString(16)}.json`);
  if (fs.existsSync(file)) return file;
  const bundle = generateStripeSchemas(cacheDir);
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(bundle));
  fs.renameSync(temporary, file);
  return file;
}

/** Turns checker types into JSON Schema, defining each named interface once. */
class SchemaWalker {
  readonly definitions: Record<string, JsonSchema> = {};
  private readonly names = new Map<ts.Symbol, string>();
  private readonly taken = new Set<string>();

  constructor(private readonly checker: ts.TypeChecker) {}

  schemaOf(type: ts.Type): JsonSchema {
    const flags = type.flags;
    if (flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return {};
    if (type.aliasSymbol?.name === 'Decimal') return { type: 'string' };
    if (flags & ts.TypeFlags.StringLiteral) return { const: (type as ts.StringLiteralType).value };
    if (flags & ts.TypeFlags.NumberLiteral) return { const: (type as ts.NumberLiteralType).value };
    if (flags & ts.TypeFlags.BooleanLiteral) return { const: type === this.checker.getTrueType() };
    if (flags & ts.TypeFlags.String) return { type: 'string' };
    if (flags & ts.TypeFlags.Number) return { type: 'number' };
    if (flags & ts.TypeFlags.Boolean) return { type: 'boolean' };
    if (flags & ts.TypeFlags.Null) return { type: 'null' };
    if (flags & ts.TypeFlags.Never) return { not: {} };
    if (type.isUnion()) return this.unionSchema(type.types);
    if (isOtherString(type)) return { type: 'string' };
    if (this.checker.isArrayType(type) || this.checker.isTupleType(type)) {
      const [element] = this.checker.getTypeArguments(type as ts.TypeReference);
      return { type: 'array', items: element ? this.schemaOf(element) : {} };
    }
    return this.objectSchema(type);
  }

  private unionSchema(members: readonly ts.Type[]): JsonSchema {
    this.unservedExpansion = false;
    const parts = this.withoutUnservedExpansions(members.filter((member) => !(member.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void))));
    const dropped = this.unservedExpansion;
    const literals = parts.filter((member) => member.flags & (ts.TypeFlags.StringLiteral | ts.TypeFlags.NumberLiteral));
    const booleans = parts.filter((member) => member.flags & ts.TypeFlags.BooleanLiteral);
    // Stripe adds `OtherString` (string & {}) to its enums for values newer than the SDK; the stand-in
    // must only send the values the pinned version lists, so the enum stays closed.
    const others = parts.filter((member) => !literals.includes(member) && !booleans.includes(member) && !(literals.length > 0 && isOtherString(member)));
    const schemas: JsonSchema[] = [];
    if (literals.length > 0) schemas.push({ enum: literals.map((member) => (member as ts.LiteralType).value) });
    if (booleans.length === 2) schemas.push({ type: 'boolean' });
    else booleans.forEach((member) => schemas.push(this.schemaOf(member)));
    others.forEach((member) => schemas.push(this.schemaOf(member)));
    if (dropped) schemas.push({ type: 'object' });
    return schemas.length === 1 ? schemas[0] : { anyOf: schemas };
  }

  /**
   * An expandable field (`string | Account | DeletedAccount`) keeps the full schema only of the objects the
   * stand-in can expand (EXPANDABLE_OBJECTS); the others become "some object". The stand-in always sends
   * those as ids, and their schemas (BalanceTransaction's source alone reaches most of the API) would make
   * the validators take seconds to compile instead of milliseconds.
   */
  private withoutUnservedExpansions(parts: readonly ts.Type[]): ts.Type[] {
    const expandable = parts.some((part) => part.flags & ts.TypeFlags.String);
    if (!expandable) return [...parts];
    return parts.filter((part) => {
      const symbol = part.getSymbol();
      const named = symbol !== undefined && (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class)) !== 0;
      if (!named || EXPANDABLE_OBJECTS.has(symbol.name)) return true;
      this.unservedExpansion = true;
      return false;
    });
  }

  /** Set while building a union that dropped an unserved expansion; `unionSchema` then allows any object. */
  private unservedExpansion = false;

  private objectSchema(type: ts.Type): JsonSchema {
    const symbol = type.getSymbol();
    const named = symbol !== undefined && (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class)) !== 0 && !hasTypeArguments(type);
    if (!named) return this.inlineObject(type);
    let name = this.names.get(symbol);
    if (name === undefined) {
      name = this.uniqueName(symbol);
      this.names.set(symbol, name);
      this.definitions[name] = {};
      this.definitions[name] = this.inlineObject(type);
    }
    return { $ref: `#/definitions/${encodeURIComponent(name)}` };
  }

  private inlineObject(type: ts.Type): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const property of this.checker.getPropertiesOfType(type)) {
      const declaration = property.valueDeclaration ?? property.declarations?.[0];
      if (declaration && (ts.isMethodSignature(declaration) || ts.isMethodDeclaration(declaration))) continue;
      properties[property.name] = this.schemaOf(this.checker.getTypeOfSymbol(property));
      if (!(property.flags & ts.SymbolFlags.Optional)) required.push(property.name);
    }
    const index = this.checker.getIndexInfosOfType(type).find((info) => info.keyType.flags & ts.TypeFlags.String);
    return { type: 'object', properties, required, additionalProperties: index ? this.schemaOf(index.type) : false };
  }

  /** `Checkout.Session.AutomaticTax`: the sub-folder of `resources/` (Stripe's namespace) plus the qualified name. */
  private uniqueName(symbol: ts.Symbol): string {
    const qualified = this.checker.getFullyQualifiedName(symbol);
    const module = /^"[^"]*\/resources\/([^"]*)"\./.exec(qualified);
    const folder = module?.[1].includes('/') ? `${module[1].slice(0, module[1].lastIndexOf('/')).replace(/\//g, '.')}.` : '';
    const base = `${folder}${qualified.replace(/^"[^"]*"\./, '')}`;
    let name = base;
    for (let suffix = 2; this.taken.has(name); suffix++) name = `${base}~${suffix}`;
    this.taken.add(name);
    return name;
  }
}

/** Objects the stand-in serves expanded (`expand[]`, request.ts): their full schema is kept in expandable fields. */
const EXPANDABLE_OBJECTS: ReadonlySet<string> = new Set(['BalanceTransaction', 'Charge', 'Customer', 'Invoice', 'PaymentIntent', 'Subscription']);

/** `OtherString` (`string & Record<never, never>`), Stripe's open end of its string enums. */
function isOtherString(type: ts.Type): boolean {
  return type.isIntersection() && type.types.some((part) => (part.flags & ts.TypeFlags.String) !== 0);
}

function hasTypeArguments(type: ts.Type): boolean {
  return ((type as ts.TypeReference).typeArguments?.length ?? 0) > 0 || (type.aliasTypeArguments?.length ?? 0) > 0;
}
